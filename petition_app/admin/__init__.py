"""Moderation: admins review campaigns before they go public and can take one offline."""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import routes, tasks  # noqa: E402,F401
