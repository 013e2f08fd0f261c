"""Reads for letters: the names in a letter's annex, and the letters and hand-overs of a campaign."""
from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select

from ..extensions import db
from ..campaigns.models import Recipient
from ..signing.models import Signature
from .models import Handover, Letter


def named_signers_filter(campaign_id: int) -> tuple[Any, ...]:
    """One definition for the annex and its count, so the letter's count matches the names listed."""
    return (
        Signature.campaign_id == campaign_id,
        Signature.named(),
    )


def named_signer_count(campaign_id: int) -> int:
    """How many signers agreed to be named: the length of the annex."""
    return db.session.execute(
        select(func.count()).select_from(Signature).where(*named_signers_filter(campaign_id))
    ).scalar_one()


def named_signers(campaign_id: int) -> Iterator[tuple[str, str | None]]:
    """(name, city) of the confirmed signers who agreed to be named, in signing order, streamed from
    the database a thousand rows at a time: the annex may hold a hundred thousand names."""
    query = (
        select(Signature.name, Signature.city)
        .where(*named_signers_filter(campaign_id))
        .order_by(Signature.created_at, Signature.id)
        .execution_options(yield_per=1000)
    )
    return ((name, city) for name, city in db.session.execute(query))


def latest_letter(recipient_id: int, locale: str) -> Letter | None:
    """The newest letter to a recipient in one language."""
    return db.session.scalar(
        select(Letter).where(Letter.recipient_id == recipient_id, Letter.language == locale).order_by(Letter.id.desc()).limit(1)
    )


def recent_letters(campaign_id: int, limit: int = 30) -> list[Letter]:
    """The campaign's newest letters, for its dashboard."""
    return list(
        db.session.scalars(
            select(Letter).join(Recipient).where(Recipient.campaign_id == campaign_id).order_by(Letter.id.desc()).limit(limit)
        )
    )


def handovers_of(campaign_id: int) -> list[Handover]:
    """The hand-over log of a campaign, newest first."""
    return list(
        db.session.scalars(
            select(Handover).join(Recipient).where(Recipient.campaign_id == campaign_id).order_by(Handover.id.desc())
        )
    )


def letter_of(campaign_id: int, letter_id: int) -> Letter | None:
    """One letter of this campaign that still has its PDF (a purged campaign's letters are empty)."""
    letter = db.session.get(Letter, letter_id)
    if letter is None or letter.recipient.campaign_id != campaign_id or not letter.pdf:
        return None
    return letter
