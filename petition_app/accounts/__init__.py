"""Accounts of organizers and moderators: register with a confirmed address, log in, reset a password."""
from flask import Blueprint, session

from ..extensions import login_manager

bp = Blueprint("accounts", __name__, url_prefix="/account")

# The moment of login (seconds since the epoch), kept in the session next to Flask-Login's id.
LOGIN_AT = "login_at"


@login_manager.user_loader
def load_user(session_id: str) -> "User | None":
    """The account of a session cookie, checked on every request that looks at the user: the id must
    carry the account's current session secret and the login must be younger than
    ACCOUNT_SESSION_LIFETIME; anything else is no account."""
    return user_for_session(session_id, session.get(LOGIN_AT))


from . import routes, tasks  # noqa: E402,F401
from .models import User  # noqa: E402
from .queries import user_for_session  # noqa: E402
