"""Signing: the campaign page and its sign form, confirming by a link in a mail, withdrawing, and
keeping the count true and the data short-lived."""
from flask import Blueprint

bp = Blueprint("signing", __name__)

from . import routes, tasks  # noqa: E402,F401
