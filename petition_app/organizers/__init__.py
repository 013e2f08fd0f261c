"""Organizers write, preview and submit their campaigns, follow them on a dashboard, send updates and
letters. Every route is for the campaign's own organizers only."""
from flask import Blueprint

bp = Blueprint("organizers", __name__, url_prefix="/organize")

from . import routes, tasks  # noqa: E402,F401
