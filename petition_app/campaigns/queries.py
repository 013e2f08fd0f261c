"""Reads of campaigns for the public pages, the API and the other domains, and of their revisions."""
import re
from datetime import date
from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..rules import PUBLIC_STATUSES, CampaignStatus
from ..rules.revisions import ChangeLine, RevisionStatus, correction_lines
from .models import Campaign, CampaignRevision, Demand, Recipient

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$")


def public_campaign(slug: str) -> Campaign | None:
    """A campaign a visitor may see (open or closed), by its slug."""
    if not isinstance(slug, str) or not SLUG_RE.fullmatch(slug):
        return None  # not a slug we ever made (and a NUL byte would upset PostgreSQL)
    return db.session.scalar(select(Campaign).where(Campaign.slug == slug, Campaign.status.in_(PUBLIC_STATUSES)))


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


def pending_revision(campaign: Campaign) -> CampaignRevision | None:
    """The revision of a campaign that waits for a moderator, if any (there is at most one)."""
    return db.session.scalar(
        select(CampaignRevision)
        .where(CampaignRevision.campaign_id == campaign.id, CampaignRevision.status == RevisionStatus.PENDING)
        .order_by(CampaignRevision.number.desc())
        .limit(1)
    )


def revision_of(campaign: Campaign, number: int) -> CampaignRevision | None:
    """One revision of a campaign by its number."""
    return db.session.scalar(
        select(CampaignRevision).where(CampaignRevision.campaign_id == campaign.id, CampaignRevision.number == number)
    )


def latest_revision(campaign: Campaign) -> CampaignRevision | None:
    """The newest revision of a campaign, whatever became of it."""
    return db.session.scalar(
        select(CampaignRevision).where(CampaignRevision.campaign_id == campaign.id)
        .order_by(CampaignRevision.number.desc()).limit(1)
    )


def as_revision(campaign: Campaign, content: dict[str, Any]) -> Campaign:
    """The campaign as a revision would show it, for previews: objects that are never added to the
    session (nothing is written), with the live count and status but the revision's texts and
    recipients. Answers and the list of changes are not part of a preview."""
    closes_on = content.get("closes_on")
    view = Campaign(
        id=campaign.id, slug=campaign.slug, status=campaign.status, confirmed_count=campaign.confirmed_count,
        paper_count=campaign.paper_count, paper_counts_toward_goals=campaign.paper_counts_toward_goals,
        organizer_name=content["organizer_name"], goals=list(content["goals"]),
        closes_on=date.fromisoformat(closes_on) if closes_on else None, closed_at=campaign.closed_at,
        **{f"{field}_{lang}": content[field][lang] for field in ("title", "summary", "body") for lang in ("nl", "en")},
    )
    view.recipients = [
        Recipient(
            key=spec["key"], name=spec["name"], email=spec["email"], language=spec["language"], position=position,
            **{f"name_{lang}": (spec.get("names") or {}).get(lang, "") for lang in ("nl", "en")},
            **{f"salutation_{lang}": (spec.get("salutation") or {}).get(lang, "") for lang in ("nl", "en")},
            demands=[Demand(position=n, text_nl=d["nl"], text_en=d["en"]) for n, d in enumerate(spec["demands"])],
        )
        for position, spec in enumerate(content["recipients"])
    ]
    return view


def replaced_content(revision: CampaignRevision) -> dict[str, Any] | None:
    """What an approved correction replaced: the content of the approved revision before it (None when
    there is none, which only a row written by hand could lack)."""
    content: dict[str, Any] | None = db.session.scalar(
        select(CampaignRevision.content)
        .where(
            CampaignRevision.campaign_id == revision.campaign_id, CampaignRevision.status == RevisionStatus.APPROVED,
            CampaignRevision.number < revision.number,
        )
        .order_by(CampaignRevision.number.desc())
        .limit(1)
    )
    return content


def correction_changes(campaign: Campaign, locale: str) -> list[tuple[CampaignRevision, list[ChangeLine] | None]]:
    """Each approved correction of the campaign, oldest first, with what it changed in the words of
    `locale` (each demand old and new; recipients by their name in that language), compared with the
    approved revision it replaced. None for a correction with no approved revision before it: its stored
    list of parts says what changed. One query, only for a campaign that has corrections."""
    corrections = list(campaign.corrections)
    if not corrections:
        return []
    approved = db.session.execute(
        select(CampaignRevision.number, CampaignRevision.content)
        .where(CampaignRevision.campaign_id == campaign.id, CampaignRevision.status == RevisionStatus.APPROVED)
        .order_by(CampaignRevision.number)
    ).all()
    described: list[tuple[CampaignRevision, list[ChangeLine] | None]] = []
    for correction in corrections:
        earlier = [content for number, content in approved if number < correction.number]
        described.append((correction, correction_lines(earlier[-1], correction.content, locale) if earlier else None))
    return described


def registry_entry(key: str) -> dict[str, Any] | None:
    """A row of the registry of recipients (recipients/models.py) as a plain mapping, by its key: a
    campaign file's `organisation:` names one. Read through the table, not the class, because the
    recipients package sits above campaigns in the layers (it reads campaigns to keep their score)."""
    table = db.metadata.tables["organisations"]
    row = db.session.execute(select(table).where(table.c.key == key)).mappings().first()
    return dict(row) if row is not None else None
