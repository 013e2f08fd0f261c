"""Recording and voiding paper signatures, and the campaign's choice whether they count toward the
goals. The count moves through campaigns.operations.add_to_count, the same path (and the same
milestones) as a confirmed online signature. Operations flush; the request around them commits."""
from datetime import date

from sqlalchemy import delete, func, select, update

from ..accounts.models import User
from ..campaigns.models import Campaign
from ..campaigns.operations import add_to_count
from ..extensions import db, rowcount
from ..rules import PUBLIC_STATUSES
from ..rules.paper import HELD_SCAN_LIFETIME, MAX_SCAN_BYTES, MAX_SIGNATURES_PER_ENTRY, collected_on_problem, scan_type
from ..security import MAX_ID
from ..timeutil import utcnow
from .models import HeldScan, PaperEntry


class PaperError(Exception):
    """A domain error the web layer turns into a translated message."""


class NotPublished(PaperError):
    """Paper signatures are recorded for a published (open or closed) campaign only."""


class BadScan(PaperError):
    """The scan is not a PDF, PNG or JPEG, or too large."""


class FutureDate(PaperError):
    """The collection date lies in the future."""


class HeldScanGone(PaperError):
    """The scan held for a confirmation page is gone (past HELD_SCAN_LIFETIME, or taken before) and no
    other was chosen: recording the entry without it would lose it in silence."""


class SettingLocked(PaperError):
    """Whether paper counts toward the goals is chosen before the first paper entry, not after."""


def checked_scan_type(scan: bytes) -> str:
    """The scan's media type; BadScan for anything but a PDF, PNG or JPEG of at most MAX_SCAN_BYTES."""
    media_type = scan_type(scan)
    if media_type is None or len(scan) > MAX_SCAN_BYTES:
        raise BadScan()
    return media_type


def hold_scan(campaign: Campaign, user: User, scan: bytes, filename: str) -> HeldScan:
    """Keep a scan while its organizer reads the confirmation page (paper.models.HeldScan), in place of
    any the same organizer held for this campaign before. BadScan as for `record`."""
    media_type = checked_scan_type(scan)
    db.session.execute(delete(HeldScan).where(HeldScan.campaign_id == campaign.id, HeldScan.user_id == user.id))
    held = HeldScan(campaign_id=campaign.id, user_id=user.id, scan=scan, scan_type=media_type,
                    filename=filename[:200], held_at=utcnow())
    db.session.add(held)
    db.session.flush()
    return held


def take_held_scan(campaign: Campaign, user: User, held_id: int) -> bytes | None:
    """The scan this organizer held for this campaign under `held_id`, deleted as it is taken; None when
    there is none (taken before, held by someone else, or past HELD_SCAN_LIFETIME)."""
    held = db.session.scalar(select(HeldScan).where(
        HeldScan.id == held_id, HeldScan.campaign_id == campaign.id, HeldScan.user_id == user.id,
        HeldScan.held_at > utcnow() - HELD_SCAN_LIFETIME,
    ))
    if held is None:
        return None
    scan = held.scan
    db.session.delete(held)
    db.session.flush()
    return scan


def scan_to_record(campaign: Campaign, user: User, chosen: bytes | None, held_id: int | None) -> bytes | None:
    """The scan that goes with an entry from a confirmation page: one chosen there wins over the one
    held, which goes either way. HeldScanGone when the held one is gone and none was chosen."""
    held = take_held_scan(campaign, user, held_id) if held_id is not None and 0 < held_id <= MAX_ID else None
    if held_id is not None and held is None and chosen is None:
        raise HeldScanGone()
    return chosen if chosen is not None else held


def forget_held_scans() -> int:
    """Delete the scans held longer than HELD_SCAN_LIFETIME (a confirmation page left unanswered)."""
    return rowcount(db.session.execute(
        delete(HeldScan).where(HeldScan.held_at <= utcnow() - HELD_SCAN_LIFETIME).execution_options(synchronize_session=False)
    ))


def record(campaign: Campaign, user: User, signatures: int, collected_on: date, place: str, scan: bytes | None = None) -> PaperEntry:
    """Record a batch of paper signatures for the campaign and add them to its paper count (and, if
    paper counts toward the goals, reach any goal the count passes, exactly like online signatures)."""
    if campaign.status not in PUBLIC_STATUSES:
        raise NotPublished()
    if not 0 < signatures <= MAX_SIGNATURES_PER_ENTRY:
        raise ValueError("signatures out of range")
    if collected_on_problem(collected_on, utcnow().date()):
        raise FutureDate()
    media_type = checked_scan_type(scan) if scan else None
    entry = PaperEntry(
        campaign_id=campaign.id, signatures=signatures, collected_on=collected_on, place=place,
        scan=scan or None, scan_type=media_type, recorded_by_id=user.id, recorded_at=utcnow(),
    )
    db.session.add(entry)
    db.session.flush()
    add_to_count(campaign, paper=signatures)
    db.session.flush()
    db.session.refresh(campaign)
    return entry


def void(entry: PaperEntry, moderator: User, reason: str) -> bool:
    """Void an entry: its signatures leave the paper count, the entry stays in the log marked as voided
    (by whom, when, why). Milestones already reached stay. Returns False if it was already voided
    (two moderators at once void it once)."""
    marked = rowcount(db.session.execute(
        update(PaperEntry)
        .where(PaperEntry.id == entry.id, PaperEntry.voided_at.is_(None))
        .values(voided_at=utcnow(), voided_by_id=moderator.id, void_reason=reason)
        .execution_options(synchronize_session=False)
    ))
    if marked != 1:
        return False
    add_to_count(entry.campaign, paper=-entry.signatures)
    db.session.flush()
    db.session.refresh(entry)
    db.session.refresh(entry.campaign)
    return True


def set_counts_toward_goals(campaign: Campaign, counts: bool) -> None:
    """Choose whether paper counts toward the goals. Only before the first paper entry: afterwards the
    rule would change the count the goals were measured by (and milestones already reached)."""
    if counts == campaign.paper_counts_toward_goals:
        return
    entries = db.session.scalar(select(func.count()).select_from(PaperEntry).where(PaperEntry.campaign_id == campaign.id))
    if entries:
        raise SettingLocked()
    campaign.paper_counts_toward_goals = counts
    db.session.flush()


def recount_paper(campaign_id: int) -> tuple[int, int]:
    """Set the campaign's paper count to the sum of its entries that are not voided; (before, after)."""
    before = db.session.execute(select(Campaign.paper_count).where(Campaign.id == campaign_id).with_for_update()).scalar_one()
    after = db.session.execute(
        select(func.coalesce(func.sum(PaperEntry.signatures), 0))
        .where(PaperEntry.campaign_id == campaign_id, PaperEntry.voided_at.is_(None))
    ).scalar_one()
    if after != before:
        db.session.execute(update(Campaign).where(Campaign.id == campaign_id).values(paper_count=after))
    return before, int(after)
