"""Accounts: every answer about an address is the same whether it has an account or not, so the forms
cannot be used to find out who organizes; the difference is in the mail the owner of the address gets."""
import hashlib
import secrets

from flask import current_app
from flask_babel import gettext
from sqlalchemy import select

from .. import mail
from ..extensions import db
from ..links import external_url
from ..rules import EmailInvalid, normalise_email
from ..timeutil import utcnow
from ..tokens import TokenInvalid, make_token, read_token
from .models import User

# A real hash to compare against when there is no such user, so a login takes as long either way.
_DUMMY_HASH = None


def find_user(email):
    try:
        email = normalise_email(email)
    except EmailInvalid:
        return None
    return db.session.scalar(select(User).where(User.email == email))


def _account_mail(user_email, locale, template, subject, **context):
    message = mail.build_message(user_email, template, locale, subject, **context)
    mail.send([message])


def register(name, email, password, locale):
    """Create an organizer account and mail a confirmation link; for an address that already has an
    account, mail its owner instead (with a link to reset the password)."""
    email = normalise_email(email)
    existing = db.session.scalar(select(User).where(User.email == email))
    if existing is not None:
        _account_mail(
            email, existing.locale, "account_exists", lambda: gettext("You already have an account"),
            name=existing.name, reset_url=external_url("accounts.reset_request", lang=existing.locale),
        )
        return None
    user = User(name=name.strip(), email=email, role="organizer", locale=locale)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    token = make_token("account_confirm", {"u": user.id})
    _account_mail(
        email, locale, "account_confirm", lambda: gettext("Confirm your account"),
        name=user.name, confirm_url=external_url("accounts.confirm", token=token),
    )
    return user


def confirm_account(token):
    payload = read_token("account_confirm", token, current_app.config["VERIFY_TOKEN_MAX_AGE"])
    user = db.session.get(User, payload.get("u")) if isinstance(payload, dict) else None
    if user is None:
        raise TokenInvalid()
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        db.session.commit()
    return user


def authenticate(email, password):
    global _DUMMY_HASH
    user = find_user(email)
    if user is None:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = User(password_hash="")
            _DUMMY_HASH.set_password(secrets.token_urlsafe(16))
        _DUMMY_HASH.check_password(password)
        return None
    if not user.check_password(password) or not user.is_active:
        return None
    return user


def _password_fingerprint(user):
    # Part of the reset token: once the password changes, every earlier reset link stops working.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def request_password_reset(email):
    user = find_user(email)
    if user is None:
        return
    token = make_token("password_reset", {"u": user.id, "p": _password_fingerprint(user)})
    _account_mail(
        user.email, user.locale, "password_reset", lambda: gettext("Reset your password"),
        name=user.name, reset_url=external_url("accounts.reset", token=token),
    )


def user_for_reset(token):
    payload = read_token("password_reset", token, current_app.config["PASSWORD_RESET_MAX_AGE"])
    user = db.session.get(User, payload.get("u")) if isinstance(payload, dict) else None
    if user is None or payload.get("p") != _password_fingerprint(user):
        raise TokenInvalid()
    return user


def reset_password(token, password):
    """Set a new password; the link works once. Resetting also confirms the address: the mail reached it."""
    user = user_for_reset(token)
    user.set_password(password)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    db.session.commit()
    return user


def create_admin(email, name):
    """An admin (moderator) account, confirmed, with an unusable random password; returns the user and
    a link to choose a password."""
    email = normalise_email(email)
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, name=name or email.split("@")[0], locale="nl")
        user.set_password(secrets.token_urlsafe(32))
        db.session.add(user)
    user.role = "admin"
    user.email_confirmed_at = user.email_confirmed_at or utcnow()
    db.session.commit()
    token = make_token("password_reset", {"u": user.id, "p": _password_fingerprint(user)})
    return user, external_url("accounts.reset", token=token)
