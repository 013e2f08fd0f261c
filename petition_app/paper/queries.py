"""Reads for the paper log: the entries of a campaign (newest first), one entry, its scan."""
from sqlalchemy import select
from sqlalchemy.orm import undefer

from ..extensions import db
from .models import PaperEntry


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
