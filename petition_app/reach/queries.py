"""Every read of reach: the signer wall (names and cities of counted signers who chose to be shown,
nothing else) and the rows open data counts (opendata.py shapes them). Counts and named signers only:
never an email address, never whether someone signed."""
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from ..campaigns.models import Campaign
from ..extensions import db
from ..paper.models import PaperEntry
from ..signing.models import Signature

SIGNERS_PER_PAGE = 50


@dataclass
class WallPage:
    entries: list[tuple[str, str | None]]  # newest first
    page: int
    has_next: bool
    total: int  # counted signers who chose to be named


def signer_wall(campaign: Campaign, page: int = 1, per_page: int = SIGNERS_PER_PAGE) -> WallPage:
    """Names and cities of the counted signers who agreed to be shown, most recently confirmed first.
    Nothing else: never an email address, never a date (which, with a name, says more than needed)."""
    where = (Signature.campaign_id == campaign.id, Signature.named())
    total = db.session.execute(select(func.count()).select_from(Signature).where(*where)).scalar_one()
    rows = db.session.execute(
        select(Signature.name, Signature.city)
        .where(*where)
        .order_by(Signature.confirmed_at.desc(), Signature.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page + 1)
    ).all()
    return WallPage(entries=[(name, city) for name, city in rows[:per_page]], page=page, has_next=len(rows) > per_page, total=total)


def confirmation_moments(campaign_id: int) -> Iterable[datetime]:
    """When each counted signature of the campaign was confirmed, streamed in slices."""
    return db.session.scalars(
        select(Signature.confirmed_at)
        .where(Signature.campaign_id == campaign_id, Signature.counted())
        .execution_options(yield_per=5000)
    )


def paper_per_day(campaign_id: int) -> dict[date, int]:
    """Paper signatures by the day the sheets were collected, voided entries left out."""
    rows = db.session.execute(
        select(PaperEntry.collected_on, func.sum(PaperEntry.signatures))
        .where(PaperEntry.campaign_id == campaign_id, PaperEntry.voided_at.is_(None))
        .group_by(PaperEntry.collected_on)
    ).all()
    return {day: int(total or 0) for day, total in rows}


def counted_per_city(campaign_id: int) -> list[tuple[str | None, int]]:
    """Counted signatures per city as typed (None: no city given)."""
    rows = db.session.execute(
        select(Signature.city, func.count())
        .where(Signature.campaign_id == campaign_id, Signature.counted())
        .group_by(Signature.city)
    ).all()
    return [(city, count) for city, count in rows]
