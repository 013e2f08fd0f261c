"""Reads of the registry of recipients: entries for the public pages and the editor's search, the
moderators' list of changes waiting, and the score each entry keeps (every public campaign addressed
to it, its demands, letters and answers), with no address in any of it."""
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from ..campaigns.models import Campaign, Demand, Recipient
from ..extensions import db
from ..letters.models import Handover
from ..rules import PUBLIC_STATUSES
from ..rules.recipients import REGISTRY_KEY_RE, Figures, OrganisationStatus, Standing, demand_standing, figures
from ..rules.revisions import RevisionStatus
from ..timeutil import as_utc, local_day, utcnow
from .models import Organisation, OrganisationChange


def entry_by_key(key: str) -> Organisation | None:
    """Any entry, proposed or approved, by its key (for moderators and the editor)."""
    if not isinstance(key, str) or not REGISTRY_KEY_RE.match(key):
        return None
    return db.session.scalar(select(Organisation).where(Organisation.key == key))


def approved_entry(key: str) -> Organisation | None:
    """An entry with a public page: approved."""
    entry = entry_by_key(key)
    return entry if entry is not None and entry.is_approved else None


def approved_entries() -> list[Organisation]:
    """Every approved entry, by its Dutch name."""
    return list(db.session.scalars(
        select(Organisation).where(Organisation.status == OrganisationStatus.APPROVED).order_by(func.lower(Organisation.name_nl))
    ))


def all_entries() -> list[Organisation]:
    """Every entry, proposed ones first, for the moderators."""
    return list(db.session.scalars(select(Organisation).order_by(Organisation.status.desc(), func.lower(Organisation.name_nl))))


def search_entries(text: str, limit: int = 20) -> list[Organisation]:
    """Approved entries whose Dutch or English name (or key) holds `text`, for the editor's search."""
    words = (text or "").strip().lower()[:100]
    query = select(Organisation).where(Organisation.status == OrganisationStatus.APPROVED)
    if words:
        pattern = "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(
            func.lower(Organisation.name_nl).like(pattern, escape="\\"), func.lower(Organisation.name_en).like(pattern, escape="\\"),
            Organisation.key.like(pattern, escape="\\"),
        ))
    return list(db.session.scalars(query.order_by(func.lower(Organisation.name_nl)).limit(limit)))


def pending_change(organisation: Organisation) -> OrganisationChange | None:
    """The change of an entry waiting for a moderator, if any."""
    return db.session.scalar(
        select(OrganisationChange).where(
            OrganisationChange.organisation_id == organisation.id, OrganisationChange.status == RevisionStatus.PENDING
        ).order_by(OrganisationChange.number.desc()).limit(1)
    )


def pending_changes() -> list[OrganisationChange]:
    """Every change waiting for review (new proposals and new addresses), oldest first."""
    return list(db.session.scalars(
        select(OrganisationChange).where(OrganisationChange.status == RevisionStatus.PENDING)
        .options(selectinload(OrganisationChange.organisation)).order_by(OrganisationChange.submitted_at)
    ))


def unapproved_keys(keys: list[str]) -> list[str]:
    """Of these registry keys, the ones whose entry is not approved (or does not exist)."""
    wanted = sorted(set(keys))
    if not wanted:
        return []
    approved = set(db.session.scalars(
        select(Organisation.key).where(Organisation.key.in_(wanted), Organisation.status == OrganisationStatus.APPROVED)
    ))
    return [key for key in wanted if key not in approved]


def local_date(moment: datetime) -> date:
    """The calendar day of a moment where the platform lives (CAMPAIGN_TIMEZONE): working days are days there."""
    return local_day(moment, current_app.config["CAMPAIGN_TIMEZONE"])


@dataclass
class DemandScore:
    demand: Demand
    standing: Standing
    answered_at: datetime | None


@dataclass
class CampaignScore:
    """One public campaign addressed to the entry: its recipient row, when letters went, its demands."""

    campaign: Campaign
    recipient: Recipient
    letters: list[datetime]
    demands: list[DemandScore]

    @property
    def first_letter(self) -> datetime | None:
        return self.letters[0] if self.letters else None


@dataclass
class Score:
    organisation: Organisation
    campaigns: list[CampaignScore]
    figures: Figures
    response_days: int


def letters_sent(recipient_ids: list[int]) -> dict[int, list[datetime]]:
    """When letters were handed over to each of these campaign recipients, oldest first."""
    sent: dict[int, list[datetime]] = {recipient_id: [] for recipient_id in recipient_ids}
    if recipient_ids:
        rows = db.session.execute(
            select(Handover.recipient_id, Handover.sent_at)
            .where(Handover.recipient_id.in_(recipient_ids), Handover.sent_at.is_not(None)).order_by(Handover.sent_at)
        )
        for recipient_id, sent_at in rows:
            if sent_at is not None:
                sent[recipient_id].append(as_utc(sent_at))
    return sent


def standing_of(demand: Demand, first_letter: datetime | None, today: date, response_days: int) -> Standing:
    """A demand's standing, its dates taken as days where the platform lives."""
    answer: Any = demand.answer
    return demand_standing(
        local_date(first_letter) if first_letter else None, answer.status if answer is not None else None,
        local_date(answer.answered_at) if answer is not None else None, today, response_days,
    )


def score(organisation: Organisation, now: datetime | None = None) -> Score:
    """Everything the entry's public page, feed and JSON say: each public campaign addressed to it (newest
    first), its letters and each demand's standing, and the figures over all of them."""
    response_days = current_app.config["RESPONSE_WORKING_DAYS"]
    today = local_date(now or utcnow())
    recipients = list(db.session.scalars(
        select(Recipient).join(Campaign, Campaign.id == Recipient.campaign_id)
        .where(Recipient.organisation_key == organisation.key, Campaign.status.in_(PUBLIC_STATUSES))
        .options(selectinload(Recipient.campaign), selectinload(Recipient.demands).selectinload(Demand.answer))
        .order_by(Campaign.published_at.desc(), Campaign.id.desc())
    ))
    sent = letters_sent([recipient.id for recipient in recipients])
    campaigns = []
    for recipient in recipients:
        letters = sent[recipient.id]
        first = letters[0] if letters else None
        demands = [
            DemandScore(demand, standing_of(demand, first, today, response_days),
                        as_utc(demand.answer.answered_at) if demand.answer is not None else None)
            for demand in recipient.demands
        ]
        campaigns.append(CampaignScore(recipient.campaign, recipient, letters, demands))
    return Score(
        organisation, campaigns, figures(len(campaigns), (d.standing for c in campaigns for d in c.demands)), response_days,
    )
