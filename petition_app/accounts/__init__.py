"""Accounts of organizers and moderators: register with a confirmed address, log in, reset a password."""
from flask import Blueprint

from ..extensions import db, login_manager

bp = Blueprint("accounts", __name__, url_prefix="/account")


@login_manager.user_loader
def load_user(user_id: str) -> "User | None":
    """The account of a session cookie; a malformed id is no account."""
    return db.session.get(User, int(user_id)) if str(user_id).isdigit() else None


from . import routes, tasks  # noqa: E402,F401
from .models import User  # noqa: E402
