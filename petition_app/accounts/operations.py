"""Changes to accounts. Operations flush; the request or command around them commits once, and every
mail leaves through a job after that commit.

Register, reset and login do the same work whether an address has an account or not (a password hash
each way, a job each way), so neither the answer nor its timing tells who organizes; `bench/timing.py`
measures it."""
import secrets

from ..extensions import db
from ..jobs import enqueue_after_commit, job_by_path
from ..links import external_url
from ..rules import Role, normalise_email
from ..timeutil import utcnow
from ..tokens import make_token
from .mailing import MAIL_ACCOUNT_EXISTS, MAIL_CONFIRM, MAIL_RESET
from .models import User, hash_password
from .queries import RESET, find_user, link_payload, user_for_confirmation, user_for_reset

# The job queued here, by path, like every domain's (tests/test_domain_rooms.py checks that it names a job).
SEND_ACCOUNT_MAIL = "petition_app.accounts.tasks.send_account_mail"


def register(name: str, email: str, password: str, locale: str, next_path: str | None = None) -> User | None:
    """Create an organizer account and mail a confirmation link (which leads on to `next_path`, a path on
    this site, after the login); for an address that already has an account, mail its owner instead
    (with a link to reset the password). The password is hashed either way."""
    email = normalise_email(email)
    existing = find_user(email)
    if existing is not None:
        hash_password(password)  # the cost of a new account, so the time tells nothing
        enqueue_after_commit(job_by_path(SEND_ACCOUNT_MAIL), MAIL_ACCOUNT_EXISTS, existing.id)
        return None
    user = User(name=name.strip(), email=email, role=Role.ORGANIZER, locale=locale)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    enqueue_after_commit(job_by_path(SEND_ACCOUNT_MAIL), MAIL_CONFIRM, user.id, next_path)
    return user


def confirm_account(token: str) -> User:
    """Mark the address of an account confirmed (the link reached it); confirming twice is harmless."""
    user = user_for_confirmation(token)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    return user


def request_password_reset(email: str) -> None:
    """Mail a reset link to the owner of the address, if it has an account. A job is queued either
    way (for no account it finds nobody to write to), so both take the same work."""
    user = find_user(email)
    enqueue_after_commit(job_by_path(SEND_ACCOUNT_MAIL), MAIL_RESET, user.id if user is not None else None)


def reset_password(token: str, password: str) -> User:
    """Set a new password: every earlier link to the account stops working (so this one works once) and
    every session of the account ends. Resetting also confirms the address: the mail reached it."""
    user = user_for_reset(token)
    user.set_password(password)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    return user


def end_sessions(user: User) -> None:
    """Log out everywhere: every session of the account, on any device, stops working."""
    user.end_sessions()


def create_admin(email: str, name: str | None) -> tuple[User, str]:
    """An admin (moderator) account, confirmed, with an unusable random password; returns the user and
    a link to choose a password (flushed: the caller commits before handing out the link)."""
    email = normalise_email(email)
    user = find_user(email)
    if user is None:
        user = User(email=email, name=name or email.split("@")[0], locale="nl")
        user.set_password(secrets.token_urlsafe(32))
        db.session.add(user)
    user.role = Role.ADMIN
    user.email_confirmed_at = user.email_confirmed_at or utcnow()
    db.session.flush()
    token = make_token(RESET, link_payload(user, RESET))
    return user, external_url("accounts.reset", token=token)
