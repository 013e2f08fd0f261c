"""Reads for a recipient's private answer page."""
import hmac

from flask import current_app

from ..campaigns.models import Recipient
from ..extensions import db
from ..tokens import TokenInvalid, read_token


def recipient_for_token(token: str) -> Recipient:
    """The recipient a private answer link belongs to; the link is the only key to its page. It must
    carry the recipient's current link secret: a link mailed to an address since corrected is void."""
    payload = read_token("respond", token, current_app.config["RESPOND_TOKEN_MAX_AGE"])
    if not isinstance(payload, dict) or not isinstance(payload.get("r"), int) or not isinstance(payload.get("s"), str):
        raise TokenInvalid()
    recipient = db.session.get(Recipient, payload["r"])
    if recipient is None or not hmac.compare_digest(payload["s"], recipient.link_secret):
        raise TokenInvalid()
    return recipient
