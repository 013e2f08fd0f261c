"""Paper signatures: organizers record the sheets they collected (how many signatures, when, where, an
optional scan that only organizers and moderators see) in a running log; moderators can void an entry
(it stays in the log, marked, with who voided it and why). The campaign keeps the paper count next to
the online one; whether paper counts toward the goals is the campaign's setting."""
from flask import Blueprint

bp = Blueprint("paper", __name__)

from . import routes  # noqa: E402,F401
