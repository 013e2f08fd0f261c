"""Campaigns: the campaign, its recipients, their demands and the goals reached; campaign files; the
public list of campaigns."""
from flask import Blueprint

bp = Blueprint("campaigns", __name__)

from . import routes  # noqa: E402,F401
