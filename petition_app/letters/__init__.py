"""Demand letters: the PDF a campaign sends to each of its recipients (documents.py, pdf.py), the
hand-over by mail, the log of it, and each hand-over's public letter record (records.py, routes.py)."""
from flask import Blueprint

bp = Blueprint("letters", __name__)

from . import routes  # noqa: E402,F401
