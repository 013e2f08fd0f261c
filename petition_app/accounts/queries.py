"""Reads about accounts. Every answer about an address takes the same work whether it has an account
or not, so the forms cannot be used to find out who organizes."""
import hashlib
import secrets

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..rules import EmailInvalid, Role, normalise_email
from ..tokens import TokenInvalid, read_token
from .models import User

# A real hash to compare against when there is no such user, so a login takes as long either way.
_DUMMY: User | None = None


def find_user(email: str) -> User | None:
    """The account of an address as typed (normalised first), if there is one."""
    try:
        email = normalise_email(email)
    except EmailInvalid:
        return None
    return db.session.scalar(select(User).where(User.email == email))


def confirmed_admins() -> list[User]:
    """The moderators who can act: their address is confirmed."""
    return list(db.session.scalars(select(User).where(User.role == Role.ADMIN, User.email_confirmed_at.is_not(None))))


def authenticate(email: str, password: str) -> User | None:
    """The active account whose password this is; an unknown address costs a hash check all the same."""
    global _DUMMY
    user = find_user(email)
    if user is None:
        if _DUMMY is None:
            _DUMMY = User(password_hash="")
            _DUMMY.set_password(secrets.token_urlsafe(16))
        _DUMMY.check_password(password)
        return None
    if not user.check_password(password) or not user.is_active:
        return None
    return user


def password_fingerprint(user: User) -> str:
    """Part of a reset token: once the password changes, every earlier reset link stops working."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def user_for_reset(token: str) -> User:
    """The account a reset link is for, while the link is fresh and the password unchanged."""
    payload = read_token("password_reset", token, current_app.config["PASSWORD_RESET_MAX_AGE"])
    user = db.session.get(User, payload.get("u")) if isinstance(payload, dict) else None
    if user is None or payload.get("p") != password_fingerprint(user):
        raise TokenInvalid()
    return user


def user_for_confirmation(token: str) -> User:
    """The account an address-confirmation link is for."""
    payload = read_token("account_confirm", token, current_app.config["VERIFY_TOKEN_MAX_AGE"])
    user = db.session.get(User, payload.get("u")) if isinstance(payload, dict) else None
    if user is None:
        raise TokenInvalid()
    return user
