"""Accounts of organizers and moderators: register with a confirmed address, log in, reset a password."""
from flask import Blueprint

bp = Blueprint("accounts", __name__, url_prefix="/account")

from . import routes  # noqa: E402,F401
