"""What the organizers see of bounces: their letters that did not arrive (never a signer's bounce)."""
from __future__ import annotations

from sqlalchemy import select

from ..campaigns.models import Recipient
from ..extensions import db
from ..letters.models import Handover
from ..mail import About
from ..mail.models import BounceType, MailBounce


def letter_bounces(campaign_id: int) -> dict[int, MailBounce]:
    """The first hard bounce of each hand-over of the campaign's letters, by hand-over id."""
    rows = db.session.execute(
        select(MailBounce, Handover.id)
        .join(Handover, Handover.id == MailBounce.ref_id)
        .join(Recipient, Recipient.id == Handover.recipient_id)
        .where(MailBounce.about == About.HANDOVER.value, MailBounce.type == BounceType.HARD, Recipient.campaign_id == campaign_id)
        .order_by(MailBounce.id)
    ).all()
    bounces: dict[int, MailBounce] = {}
    for bounce, handover_id in rows:
        bounces.setdefault(handover_id, bounce)
    return bounces
