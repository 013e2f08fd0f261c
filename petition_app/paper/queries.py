"""Reads for the paper log: the entries of a campaign (newest first), one entry, its scan, and which
goals an entry would reach (and whom their mails would go to)."""
from sqlalchemy import func, select
from sqlalchemy.orm import undefer

from ..campaigns.models import Campaign
from ..extensions import db
from ..notifications.queries import opted_in
from ..rules import goal_count, goals_crossed
from ..signing.models import Signature
from .models import PaperEntry


def goals_reached_by(campaign: Campaign, signatures: int) -> list[int]:
    """The goals that recording `signatures` paper signatures now would reach (none when paper does not
    count toward the goals): each of them mails the organizers and every signer who asked for news."""
    online, paper, counts = db.session.execute(
        select(Campaign.confirmed_count, Campaign.paper_count, Campaign.paper_counts_toward_goals).where(Campaign.id == campaign.id)
    ).one()
    before = goal_count(online, paper, counts)
    return goals_crossed(before, goal_count(online, paper + signatures, counts), campaign.goals)


def news_audience(campaign: Campaign) -> dict[str, int]:
    """How many signers a goal's mail would reach now, per language ("nl", "en") and in all ("total")."""
    counts: dict[str, int] = {locale: number for locale, number in db.session.execute(
        select(Signature.locale, func.count()).where(*opted_in(campaign.id)).group_by(Signature.locale)
    ).all()}
    audience = {"nl": counts.get("nl", 0), "en": counts.get("en", 0)}
    audience["total"] = sum(counts.values())
    return audience


def entries_of(campaign_id: int) -> list[PaperEntry]:
    """The running log: every entry of the campaign, voided ones included, newest first."""
    return list(db.session.scalars(
        select(PaperEntry).where(PaperEntry.campaign_id == campaign_id)
        .order_by(PaperEntry.recorded_at.desc(), PaperEntry.id.desc())
    ))


def entry_of(campaign_id: int, entry_id: int) -> PaperEntry | None:
    """One entry, if it belongs to the campaign."""
    entry = db.session.get(PaperEntry, entry_id)
    return entry if entry is not None and entry.campaign_id == campaign_id else None


def scan_of(campaign_id: int, entry_id: int) -> tuple[bytes, str] | None:
    """The scan of an entry of the campaign and its media type, or None."""
    entry = db.session.scalar(
        select(PaperEntry).options(undefer(PaperEntry.scan))
        .where(PaperEntry.id == entry_id, PaperEntry.campaign_id == campaign_id)
    )
    if entry is None or entry.scan is None or entry.scan_type is None:
        return None
    return entry.scan, entry.scan_type
