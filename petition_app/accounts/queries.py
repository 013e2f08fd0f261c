"""Reads about accounts. Every answer about an address takes the same work whether it has an account
or not, so the forms cannot be used to find out who organizes."""
import hashlib
import hmac
import secrets
import time
from typing import Any

from flask import current_app
from sqlalchemy import select
from werkzeug.security import check_password_hash

from ..extensions import db
from ..rules import EmailInvalid, Role, normalise_email
from ..tokens import AccountLink, Purpose, TokenInvalid, read_token
from .models import User, hash_password

# A real hash to compare against when there is no such user, so a login takes as long either way (one
# per hash method: the method is configured).
_DUMMY_HASHES: dict[str, str] = {}

CONFIRM = Purpose.ACCOUNT_CONFIRM
RESET = Purpose.PASSWORD_RESET


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


def check_dummy_password(password: str) -> None:
    """The cost of one password check, spent where there is no password to check."""
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = hash_password(secrets.token_urlsafe(16))
    check_password_hash(_DUMMY_HASHES[method], password)


def authenticate(email: str, password: str) -> User | None:
    """The active account whose password this is; an unknown address costs a hash check all the same."""
    user = find_user(email)
    if user is None:
        check_dummy_password(password)
        return None
    if not user.check_password(password) or not user.is_active:
        return None
    return user


def user_for_session(session_id: str, logged_in_at: Any) -> User | None:
    """The account of a session: its id must carry the account's current session secret (logging out
    or a new password draws a new one, ending every session) and the login must be younger than
    ACCOUNT_SESSION_LIFETIME. Anything malformed is no account."""
    user_id, _, secret = str(session_id).partition(":")
    if not (user_id.isascii() and user_id.isdigit() and len(user_id) < 10) or not secret or not isinstance(logged_in_at, (int, float)):
        return None
    lifetime = current_app.config["ACCOUNT_SESSION_LIFETIME"].total_seconds()
    if time.time() - logged_in_at >= lifetime:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not hmac.compare_digest(user.session_secret.encode(), secret.encode()):
        return None
    return user


def link_key(user: User, purpose: str) -> str:
    """What a link in a mail carries besides the account's id: derived from the account's token secret,
    so the link stops working once the secret changes (a new password), and from the purpose, so
    that a key from one kind of link is worth nothing in another."""
    return hmac.new(user.token_secret.encode(), purpose.encode(), hashlib.sha256).hexdigest()[:32]


def link_payload(user: User, purpose: str) -> dict[str, Any]:
    """The signed content of a link to the account, for tokens.make_token(purpose, ...)."""
    return {AccountLink.USER: user.id, AccountLink.KEY: link_key(user, purpose)}


def _user_for_link(purpose: str, token: str, max_age: int) -> User:
    payload = read_token(purpose, token, max_age)
    user_id = payload.get(AccountLink.USER) if isinstance(payload, dict) else None
    user = db.session.get(User, user_id) if type(user_id) is int else None
    key = payload.get(AccountLink.KEY) if isinstance(payload, dict) else None
    if user is None or not isinstance(key, str) or not hmac.compare_digest(key.encode(), link_key(user, purpose).encode()):
        raise TokenInvalid()
    return user


def user_for_reset(token: str) -> User:
    """The account a reset link is for, while the link is fresh and the password unchanged (so the
    link works once: using it sets a new password)."""
    return _user_for_link(RESET, token, current_app.config["PASSWORD_RESET_MAX_AGE"])


def user_for_confirmation(token: str) -> User:
    """The account an address-confirmation link is for, while the password is the one it was sent with."""
    return _user_for_link(CONFIRM, token, current_app.config["VERIFY_TOKEN_MAX_AGE"])
