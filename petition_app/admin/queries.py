"""Reads for the moderators' queue."""
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..campaigns.models import Campaign, CampaignRevision
from ..extensions import db
from ..rules import PUBLIC_STATUSES
from ..rules.revisions import RevisionStatus


def pending_revisions() -> list[CampaignRevision]:
    """Revisions waiting for review (new campaigns and corrections of live ones), the longest waiting
    first, each with its campaign."""
    return list(
        db.session.scalars(
            select(CampaignRevision)
            .where(CampaignRevision.status == RevisionStatus.PENDING)
            .options(joinedload(CampaignRevision.campaign))
            .order_by(CampaignRevision.submitted_at, CampaignRevision.id)
        )
    )


def live_campaigns() -> list[Campaign]:
    """Published campaigns, most recently published first."""
    return list(
        db.session.scalars(select(Campaign).where(Campaign.status.in_(PUBLIC_STATUSES)).order_by(Campaign.published_at.desc()))
    )
