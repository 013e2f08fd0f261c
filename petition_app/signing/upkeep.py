"""Keeping the count true (bulk invalidation, recount) and only what is needed (purges): the
operations of a signature's upkeep, which the moderators, the CLI and the periodic jobs run. They flush;
the request, job or command around them commits."""
import logging
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, select, update

from ..campaigns.models import Campaign
from ..extensions import db, rowcount
from ..rules import SuspectReason, has_a_filter
from ..timeutil import utcnow
from .models import Signature, SignRequest
from .queries import campaigns_with_signers

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- keeping the count true


def recount(campaign_id: int) -> tuple[int, int]:
    """Set the campaign's count to its counted rows and return (before, after). The campaign row is
    locked first, so the count is taken after every confirmation that got there earlier, and every
    later one adds to it: nothing is lost in between."""
    before = db.session.execute(
        select(Campaign.confirmed_count).where(Campaign.id == campaign_id).with_for_update()
    ).scalar_one()
    after = db.session.execute(
        select(func.count()).select_from(Signature).where(Signature.campaign_id == campaign_id, Signature.counted())
    ).scalar_one()
    if after != before:
        db.session.execute(update(Campaign).where(Campaign.id == campaign_id).values(confirmed_count=after))
    return before, after


def _matching(campaign_id: int, since: datetime | None = None, until: datetime | None = None, ip_hash: str | None = None, domain: str | None = None) -> list[Any]:
    """One definition of "matching" for the preview and the invalidation, so both count the same rows."""
    criteria = [Signature.campaign_id == campaign_id, Signature.counted()]
    if since is not None:
        criteria.append(Signature.created_at >= since)
    if until is not None:
        criteria.append(Signature.created_at < until)
    if ip_hash:
        criteria.append(Signature.ip_hash == ip_hash)
    if domain:
        criteria.append(Signature.email.endswith(f"@{domain.lower()}", autoescape=True))  # % and _ are letters here
    return criteria


def preview_invalidation(campaign_id: int, **filters: Any) -> int:
    """How many counted signatures an invalidation with these filters would take out."""
    return db.session.execute(select(func.count()).select_from(Signature).where(*_matching(campaign_id, **filters))).scalar_one()


def invalidate(campaign_id: int, **filters: Any) -> int:
    """Mark the counted signatures matching the filters (time window, IP hash, mail domain) as
    invalidated and recompute the count. Returns how many were taken out."""
    if not has_a_filter(filters):
        raise ValueError("at least one filter is needed")
    taken = rowcount(db.session.execute(
        update(Signature)
        .where(*_matching(campaign_id, **filters))
        .values(suspect_reason=SuspectReason.INVALIDATED)
        .execution_options(synchronize_session=False)
    ))
    before, after = recount(campaign_id)
    log.warning("invalidated %s signature(s) of campaign %s; count %s -> %s", taken, campaign_id, before, after)
    return taken


def repair_count(campaign_id: int) -> tuple[int, int, int] | None:
    """Repair and log one campaign's count if it differs from its rows: (campaign, before, after), or
    None when it was right. The scheduled check (tasks.repair_counts) runs it campaign by campaign."""
    before, after = recount(campaign_id)
    if before == after:
        return None
    log.error("count of campaign %s drifted: %s stored, %s counted; repaired", campaign_id, before, after)
    return campaign_id, before, after


# ---------------------------------------------------------------- keeping only what is needed


def purge_unconfirmed(now: datetime | None = None) -> int:
    """Delete signatures never confirmed within UNCONFIRMED_RETENTION, and withdrawn ones whose receipt
    could not be sent within a day, with their sign requests; and every sign request whose link has
    expired. Returns how many signatures went."""
    now = now or utcnow()
    cutoff = now - current_app.config["UNCONFIRMED_RETENTION"]
    doomed = [
        Signature.confirmed_at.is_(None),
        ((Signature.withdrawn_at.is_(None)) & (Signature.created_at < cutoff))
        | (Signature.withdrawn_at < now - current_app.config["CONFIRM_GRACE_AFTER_CLOSE"]),
    ]
    expired = now - timedelta(seconds=current_app.config["VERIFY_TOKEN_MAX_AGE"])
    db.session.execute(
        delete(SignRequest)
        .where(SignRequest.signature_id.in_(select(Signature.id).where(*doomed)) | (SignRequest.created_at < expired))
        .execution_options(synchronize_session=False)
    )
    result = db.session.execute(delete(Signature).where(*doomed).execution_options(synchronize_session=False))
    deleted = rowcount(result)
    if deleted:
        log.info("deleted %s unconfirmed or withdrawn signature(s)", deleted)
    return deleted


def purge_closed_campaigns(now: datetime | None = None) -> list[str]:
    """Delete every signature of campaigns closed longer than RETENTION_AFTER_CLOSE and mark the
    campaign purged; the campaign, its counts and its milestones stay. The letters domain empties
    the stored letters of purged campaigns (their annex names people) in its own periodic job."""
    now = now or utcnow()
    retention = current_app.config["RETENTION_AFTER_CLOSE"]
    purged = []
    for campaign in campaigns_with_signers():
        closing = campaign.closing_moment()
        if closing is None or closing + retention > now:
            continue
        signatures = select(Signature.id).where(Signature.campaign_id == campaign.id)
        db.session.execute(delete(SignRequest).where(SignRequest.signature_id.in_(signatures)))
        db.session.execute(delete(Signature).where(Signature.campaign_id == campaign.id))
        campaign.personal_data_purged_at = now
        purged.append(campaign.slug)
    db.session.flush()
    for slug in purged:
        log.info("deleted the signers' personal data of closed campaign %s", slug)
    return purged
