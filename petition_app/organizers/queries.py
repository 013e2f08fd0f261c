"""Reads for organizers' pages: their campaigns, the dashboard's figures, the named signers, the export
and what a hand-over of the letters would do (its mails are built in mailing.py). Organizers never see a signer's email address: what
they get of the signers is what the letters hold (names and cities of those who agreed to be named),
plus counts."""
import csv
import hashlib
import io
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, func, select

from ..accounts.models import User
from ..campaigns.models import Campaign, CampaignRevision
from ..campaigns.revisions import snapshot
from ..extensions import db
from ..letters.operations import RESEND_AFTER, due
from ..letters.queries import named_signers
from ..notifications.models import Delivery
from ..notifications.queries import opted_in
from ..rules import DeliveryStatus, neutralise_cell
from ..rules.chart import daily_chart, fill_days
from ..rules.revisions import ChangeLine, RevisionStatus, correction_lines
from ..signing.models import Signature
from ..timeutil import utcnow


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
    languages = db.session.execute(
        select(Signature.locale, func.count())
        .where(Signature.campaign_id == campaign.id, Signature.counted())
        .group_by(Signature.locale)
        .order_by(func.count().desc())
    ).all()
    named = db.session.scalar(select(func.count()).select_from(Signature).where(Signature.campaign_id == campaign.id, Signature.named()))
    days = fill_days([(_as_date(d), n) for d, n in per_day])
    return {
        "confirmed": campaign.confirmed_count,
        "unconfirmed": unconfirmed,
        "named": named,
        "per_day": days,
        "chart": daily_chart(days),
        "chart_narrow": daily_chart(days, narrow=True),
        "sources": [(s or "direct", n) for s, n in sources],
        "languages": [(lang, n) for lang, n in languages],
    }


def _as_date(value: date | str) -> date:
    """func.date() is a date on PostgreSQL and an ISO string on SQLite."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def last_mailings(campaign: Campaign, limit: int = 5) -> list[dict[str, Any]]:
    """The latest mailings to the signers (milestones, answers, updates), newest first: what, when, how
    many mails went out and how many failed. Counts only."""
    rows = db.session.execute(
        select(
            Delivery.kind, Delivery.ref_id, func.max(Delivery.created_at).label("last"),
            func.count().filter(Delivery.status == DeliveryStatus.SENT), func.count().filter(Delivery.status != DeliveryStatus.SENT),
        )
        .join(Signature, Signature.id == Delivery.signature_id)
        .where(Signature.campaign_id == campaign.id)
        .group_by(Delivery.kind, Delivery.ref_id)
        .order_by(func.max(Delivery.created_at).desc())
        .limit(limit)
    ).all()
    return [{"kind": kind, "at": last, "sent": sent, "failed": failed} for kind, _, last, sent, failed in rows]


def signers_page(campaign: Campaign, page: int, per_page: int = 100) -> list[Row[Any]]:
    """One page of the named signers (id, name, city), newest first, as the letters' annex holds them;
    one more than a page, to tell whether there is a next one. No address is read. `page` is a number
    formfields.page_number accepted (1 to its MAX_PAGE)."""
    query = (
        select(Signature.id, Signature.name, Signature.city)
        .where(Signature.campaign_id == campaign.id, Signature.named())
        .order_by(Signature.confirmed_at.desc(), Signature.id.desc())
    )
    return list(db.session.execute(query.limit(per_page + 1).offset((page - 1) * per_page)))


def signers_csv(campaign: Campaign) -> Iterator[str]:
    """The organizers' export: the letters' annex (name and city of each signer who agreed to be named,
    in signing order), streamed a thousand rows at a time, every cell neutralised."""
    header = ["name", "city"]

    def rows() -> Iterator[str]:
        """A generator, so the response starts before the last row is read."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        for name, city in named_signers(campaign.id):
            writer.writerow([neutralise_cell(name), neutralise_cell(city or "")])
            if buffer.tell() > 64 * 1024:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return rows()


def letters_plan(campaign: Campaign, now: datetime | None = None) -> list[dict[str, Any]]:
    """What sending the letters now would do, recipient by recipient: to whom (name, address, language),
    how many demands, and whether it goes now or waits (a recipient gets its letters at most once per
    RESEND_AFTER)."""
    now = now or utcnow()
    plan = []
    for recipient in sorted(campaign.recipients, key=lambda r: r.position):
        sent = recipient.letters_sent_at
        plan.append({
            "recipient": recipient, "demands": len(recipient.demands), "goes": due(sent, now),
            "last_sent_at": sent, "next_at": (sent + RESEND_AFTER) if sent and not due(sent, now) else None,
        })
    return plan


def recipients_seen(campaign: Campaign) -> str:
    """A short fingerprint of the recipients as the confirmation page shows them."""
    text = "\n".join(f"{r.id}\t{r.name}\t{r.email}\t{r.language}" for r in sorted(campaign.recipients, key=lambda r: r.position))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def update_audience(campaign: Campaign) -> dict[str, int]:
    """How many signers an update would reach now, per language ("nl", "en") and in all ("total")."""
    counts = dict(db.session.execute(
        select(Signature.locale, func.count()).where(*opted_in(campaign.id)).group_by(Signature.locale)
    ).all())
    audience = {"nl": counts.get("nl", 0), "en": counts.get("en", 0)}
    audience["total"] = sum(counts.values())
    return audience


def waiting_correction_lines(campaign: Campaign, revision: CampaignRevision | None, locale: str) -> list[ChangeLine] | None:
    """What the organizers' correction waiting for review changes, in their words (compared with what is
    online now); None when no correction waits."""
    if revision is None or not revision.correction or revision.status != RevisionStatus.PENDING:
        return None
    return correction_lines(snapshot(campaign), revision.content, locale)
