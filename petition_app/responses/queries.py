"""Reads for a recipient's private answer page."""
from flask import current_app

from ..campaigns.models import Recipient
from ..extensions import db
from ..tokens import TokenInvalid, read_token


def recipient_for_token(token: str) -> Recipient:
    """The recipient a private answer link belongs to; the link is the only key to its page."""
    payload = read_token("respond", token, current_app.config["RESPOND_TOKEN_MAX_AGE"])
    recipient = db.session.get(Recipient, payload.get("r")) if isinstance(payload, dict) else None
    if recipient is None:
        raise TokenInvalid()
    return recipient
