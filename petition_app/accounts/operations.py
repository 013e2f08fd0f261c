"""Changes to accounts. Operations flush; the request or command around them commits once, and every
mail leaves through a job after that commit."""
import secrets

from sqlalchemy import select

from ..extensions import db
from ..jobs import enqueue_after_commit
from ..links import external_url
from ..rules import Role, normalise_email
from ..timeutil import utcnow
from ..tokens import make_token
from .models import User
from .queries import find_user, password_fingerprint, user_for_confirmation, user_for_reset
from .tasks import MAIL_ACCOUNT_EXISTS, MAIL_CONFIRM, MAIL_RESET, send_account_mail


def register(name: str, email: str, password: str, locale: str) -> User | None:
    """Create an organizer account and mail a confirmation link; for an address that already has an
    account, mail its owner instead (with a link to reset the password)."""
    email = normalise_email(email)
    existing = db.session.scalar(select(User).where(User.email == email))
    if existing is not None:
        enqueue_after_commit(send_account_mail, MAIL_ACCOUNT_EXISTS, existing.id)
        return None
    user = User(name=name.strip(), email=email, role=Role.ORGANIZER, locale=locale)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    enqueue_after_commit(send_account_mail, MAIL_CONFIRM, user.id)
    return user


def confirm_account(token: str) -> User:
    """Mark the address of an account confirmed (the link reached it); confirming twice is harmless."""
    user = user_for_confirmation(token)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    return user


def request_password_reset(email: str) -> None:
    """Mail a reset link to the owner of the address, if it has an account; nothing otherwise."""
    user = find_user(email)
    if user is not None:
        enqueue_after_commit(send_account_mail, MAIL_RESET, user.id)


def reset_password(token: str, password: str) -> User:
    """Set a new password; the link works once. Resetting also confirms the address: the mail reached it."""
    user = user_for_reset(token)
    user.set_password(password)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    return user


def create_admin(email: str, name: str | None) -> tuple[User, str]:
    """An admin (moderator) account, confirmed, with an unusable random password; returns the user and
    a link to choose a password (flushed: the caller commits before handing out the link)."""
    email = normalise_email(email)
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, name=name or email.split("@")[0], locale="nl")
        user.set_password(secrets.token_urlsafe(32))
        db.session.add(user)
    user.role = Role.ADMIN
    user.email_confirmed_at = user.email_confirmed_at or utcnow()
    db.session.flush()
    token = make_token("password_reset", {"u": user.id, "p": password_fingerprint(user)})
    return user, external_url("accounts.reset", token=token)
