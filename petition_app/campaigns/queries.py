"""Reads of campaigns for the public pages, the API and the other domains."""
import re

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..rules import PUBLIC_STATUSES, CampaignStatus
from .models import Campaign, Demand, Recipient

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$")


def public_campaign(slug: str) -> Campaign | None:
    """A campaign a visitor may see (open or closed), by its slug."""
    if not isinstance(slug, str) or not SLUG_RE.fullmatch(slug):
        return None  # not a slug we ever made (and a NUL byte would upset PostgreSQL)
    return db.session.scalar(select(Campaign).where(Campaign.slug == slug, Campaign.status.in_(PUBLIC_STATUSES)))


def campaign_for_page(slug: str) -> Campaign | None:
    """The public campaign with everything its page shows, in four queries instead of one per recipient
    and one per demand (bench/: a fifth less time per page)."""
    if not isinstance(slug, str) or not SLUG_RE.fullmatch(slug):
        return None
    return db.session.scalar(
        select(Campaign)
        .where(Campaign.slug == slug, Campaign.status.in_(PUBLIC_STATUSES))
        .options(selectinload(Campaign.recipients).selectinload(Recipient.demands).selectinload(Demand.answer))
    )


def open_campaigns() -> list[Campaign]:
    """The campaigns that take signatures, newest first, for the home page."""
    return list(db.session.scalars(select(Campaign).where(Campaign.status == CampaignStatus.OPEN).order_by(Campaign.created_at.desc())))


def campaign_by_slug(slug: str) -> Campaign | None:
    """Any campaign, whatever its status: for organizers, moderators and commands, who check access."""
    if not isinstance(slug, str) or not SLUG_RE.fullmatch(slug):
        return None
    return db.session.scalar(select(Campaign).where(Campaign.slug == slug))


def public_campaigns(status: CampaignStatus | None = None) -> list[Campaign]:
    """Campaigns a visitor can see (open and closed, or one of them), newest first."""
    statuses = (status,) if status else PUBLIC_STATUSES
    return list(
        db.session.scalars(
            select(Campaign).where(Campaign.status.in_(statuses)).order_by(Campaign.created_at.desc(), Campaign.id.desc())
        )
    )
