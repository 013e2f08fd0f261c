"""Keeping only what is needed: unconfirmed signatures go after 21 days, and the signers' personal data
of a closed campaign goes after the retention period, while the counts stay."""
import logging

from flask import current_app
from sqlalchemy import delete, select, update

from ..campaigns.models import Campaign
from ..extensions import db
from ..timeutil import utcnow
from .models import Signature

log = logging.getLogger(__name__)


def purge_unconfirmed(now=None):
    """Delete signatures never confirmed within UNCONFIRMED_RETENTION, and withdrawn ones whose receipt
    could not be sent within a day. Returns how many went."""
    now = now or utcnow()
    cutoff = now - current_app.config["UNCONFIRMED_RETENTION"]
    result = db.session.execute(
        delete(Signature)
        .where(
            Signature.confirmed_at.is_(None),
            ((Signature.withdrawn_at.is_(None)) & (Signature.created_at < cutoff))
            | (Signature.withdrawn_at < now - current_app.config["CONFIRM_GRACE_AFTER_CLOSE"]),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount:
        log.info("deleted %s unconfirmed or withdrawn signature(s)", result.rowcount)
    return result.rowcount


def purge_closed_campaigns(now=None):
    """Delete every signature of campaigns closed longer than RETENTION_AFTER_CLOSE, and empty their
    stored letters (the annex names people); the campaign, its counts and its milestones stay."""
    from ..campaigns.models import Recipient
    from ..letters.models import Letter

    now = now or utcnow()
    retention = current_app.config["RETENTION_AFTER_CLOSE"]
    purged = []
    for campaign in db.session.scalars(select(Campaign).where(Campaign.personal_data_purged_at.is_(None))):
        closing = campaign.closing_moment()
        if closing is None or closing + retention > now:
            continue
        db.session.execute(delete(Signature).where(Signature.campaign_id == campaign.id))
        recipient_ids = select(Recipient.id).where(Recipient.campaign_id == campaign.id)
        db.session.execute(update(Letter).where(Letter.recipient_id.in_(recipient_ids)).values(pdf=b""))
        campaign.personal_data_purged_at = now
        purged.append(campaign.slug)
    db.session.commit()
    for slug in purged:
        log.info("deleted the signers' personal data of closed campaign %s", slug)
    return purged
