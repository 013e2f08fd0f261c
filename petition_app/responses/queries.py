"""Reads for a recipient's private answer page, and the hand-overs due a reminder."""
import hmac
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from ..campaigns.models import Demand, Recipient
from ..extensions import db
from ..letters.models import Handover
from ..mail.addresses import About
from ..mail.models import BounceType, MailBounce
from ..tokens import Purpose, RecipientLink, TokenInvalid, read_token
from .models import Answer


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


def unanswered_handovers(sent_before: datetime, max_reminders: int) -> list[Handover]:
    """The latest hand-over of each recipient that answered nothing, sent before `sent_before`, reminded
    fewer than `max_reminders` times and not since `sent_before`, and whose letters did not bounce for
    good: a reminder of letters that never arrived would bounce too. The organizers were told of the
    bounce; once they correct the address and hand the letters over again, the new hand-over is reminded."""
    latest = select(func.max(Handover.id)).where(Handover.sent_at.is_not(None)).group_by(Handover.recipient_id)
    answered = select(Demand.recipient_id).join(Answer, Answer.demand_id == Demand.id)
    bounced = select(MailBounce.ref_id).where(MailBounce.about == About.HANDOVER, MailBounce.type == BounceType.HARD)
    return list(db.session.scalars(
        select(Handover).where(
            Handover.id.in_(latest),
            Handover.sent_at <= sent_before,
            Handover.reminders_sent < max_reminders,
            (Handover.last_reminder_at.is_(None)) | (Handover.last_reminder_at <= sent_before),
            Handover.recipient_id.not_in(answered),
            Handover.id.not_in(bounced),
        )
    ))


def first_letter_sent(recipient_id: int) -> datetime | None:
    """When letters first went to this recipient (the hand-over the response time counts from)."""
    return db.session.scalar(select(func.min(Handover.sent_at)).where(Handover.recipient_id == recipient_id))
