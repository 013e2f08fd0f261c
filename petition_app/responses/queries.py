"""Reads for a recipient's private answer page."""
import hmac

from flask import current_app

from ..campaigns.models import Recipient
from ..extensions import db
from ..tokens import Purpose, RecipientLink, TokenInvalid, read_token


def recipient_for_token(token: str) -> Recipient:
    """The recipient a private answer link belongs to; the link is the only key to its page. It must
    carry the recipient's current link secret: a link mailed to an address since corrected is void."""
    payload = read_token(Purpose.RESPOND, token, current_app.config["RESPOND_TOKEN_MAX_AGE"])
    recipient_id, secret = (payload.get(RecipientLink.RECIPIENT), payload.get(RecipientLink.SECRET)) if isinstance(payload, dict) else (None, None)
    if not isinstance(recipient_id, int) or not isinstance(secret, str):
        raise TokenInvalid()
    recipient = db.session.get(Recipient, recipient_id)
    if recipient is None or not hmac.compare_digest(secret, recipient.link_secret):
        raise TokenInvalid()
    return recipient
