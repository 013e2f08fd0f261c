"""Reads for the moderators' queue."""
from sqlalchemy import select

from ..campaigns.models import Campaign
from ..extensions import db
from ..rules import PUBLIC_STATUSES, CampaignStatus


def pending_campaigns() -> list[Campaign]:
    """Campaigns waiting for review, the longest waiting first."""
    return list(
        db.session.scalars(select(Campaign).where(Campaign.status == CampaignStatus.PENDING).order_by(Campaign.submitted_at))
    )


def live_campaigns() -> list[Campaign]:
    """Published campaigns, most recently published first."""
    return list(
        db.session.scalars(select(Campaign).where(Campaign.status.in_(PUBLIC_STATUSES)).order_by(Campaign.published_at.desc()))
    )
