"""Recipients answering the demands addressed to them, through a private link (no account)."""
from flask import Blueprint

bp = Blueprint("responses", __name__)

from . import routes, tasks  # noqa: E402,F401
