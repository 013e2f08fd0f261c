"""Reads for organizers' pages: their campaigns, the dashboard's figures, the signers and the export."""
import csv
import io
from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select

from ..accounts.models import User
from ..campaigns.models import Campaign
from ..extensions import db
from ..rules import neutralise_cell
from ..signing.models import Signature


def campaigns_of(user: User) -> list[Campaign]:
    """The campaigns a user organizes, newest first."""
    return sorted(user.campaigns, key=lambda c: c.created_at, reverse=True)


def dashboard_numbers(campaign: Campaign) -> dict[str, Any]:
    """The dashboard's figures: counts, counts per day and per source."""
    unconfirmed = db.session.scalar(
        select(func.count()).select_from(Signature).where(
            Signature.campaign_id == campaign.id, Signature.confirmed_at.is_(None), Signature.withdrawn_at.is_(None)
        )
    )
    day = func.date(Signature.confirmed_at)
    per_day = db.session.execute(
        select(day, func.count()).where(Signature.campaign_id == campaign.id, Signature.counted()).group_by(day).order_by(day)
    ).all()
    sources = db.session.execute(
        select(Signature.source, func.count())
        .where(Signature.campaign_id == campaign.id, Signature.counted())
        .group_by(Signature.source)
        .order_by(func.count().desc())
    ).all()
    return {
        "confirmed": campaign.confirmed_count,
        "unconfirmed": unconfirmed,
        "per_day": [(str(d), n) for d, n in per_day],
        "sources": [(s or "direct", n) for s, n in sources],
    }


def signers_page(campaign: Campaign, page: int, per_page: int = 100) -> list[Signature]:
    """One page of the counted signers, newest first (one more than a page: is there a next one?)."""
    query = (
        select(Signature)
        .where(Signature.campaign_id == campaign.id, Signature.counted())
        .order_by(Signature.confirmed_at.desc(), Signature.id.desc())
    )
    return list(db.session.scalars(query.limit(per_page + 1).offset((page - 1) * per_page)))


def signers_csv(campaign: Campaign) -> Iterator[str]:
    """The organizers' export, streamed a thousand rows at a time, every cell neutralised."""
    header = ["name", "city", "email", "language", "confirmed_at", "named_publicly", "updates"]
    query = (
        select(Signature.name, Signature.city, Signature.email, Signature.locale, Signature.confirmed_at,
               Signature.is_public, Signature.wants_updates)
        .where(Signature.campaign_id == campaign.id, Signature.counted())
        .order_by(Signature.confirmed_at, Signature.id)
        .execution_options(yield_per=1000)
    )

    def rows() -> Iterator[str]:
        """A generator, so the response starts before the last row is read."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        for row in db.session.execute(query):
            writer.writerow([neutralise_cell(v if not hasattr(v, "isoformat") else v.isoformat()) for v in row])
            if buffer.tell() > 64 * 1024:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return rows()
