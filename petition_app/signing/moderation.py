"""Taking back what abuse put in: invalidating signatures in bulk, and keeping each campaign's count
equal to its counted rows. Milestones already reached stay reached."""
import logging

from sqlalchemy import func, select, update

from ..campaigns.models import Campaign
from ..extensions import db
from .models import Signature

log = logging.getLogger(__name__)


def recount(campaign_id):
    """Set the campaign's count to its counted rows and return (before, after). The campaign row is
    locked first, so the count is taken after every confirmation that got there earlier, and every
    later one adds to it: nothing is lost in between."""
    before = db.session.scalar(select(Campaign.confirmed_count).where(Campaign.id == campaign_id).with_for_update())
    after = db.session.scalar(
        select(func.count()).select_from(Signature).where(Signature.campaign_id == campaign_id, Signature.counted())
    )
    if after != before:
        db.session.execute(update(Campaign).where(Campaign.id == campaign_id).values(confirmed_count=after))
    return before, after


def _matching(campaign_id, since=None, until=None, ip_hash=None, domain=None):
    criteria = [Signature.campaign_id == campaign_id, Signature.counted()]
    if since is not None:
        criteria.append(Signature.created_at >= since)
    if until is not None:
        criteria.append(Signature.created_at < until)
    if ip_hash:
        criteria.append(Signature.ip_hash == ip_hash)
    if domain:
        criteria.append(Signature.email.like(f"%@{domain.lower()}"))
    return criteria


def preview_invalidation(campaign_id, **filters):
    """How many counted signatures an invalidation with these filters would take out."""
    return db.session.scalar(select(func.count()).select_from(Signature).where(*_matching(campaign_id, **filters)))


def invalidate(campaign_id, **filters):
    """Mark the counted signatures matching the filters (time window, IP hash, mail domain) as
    invalidated and recompute the count. Returns how many were taken out."""
    if not any(value for value in filters.values()):
        raise ValueError("at least one filter is needed")
    taken = db.session.execute(
        update(Signature)
        .where(*_matching(campaign_id, **filters))
        .values(suspect_reason="invalidated")
        .execution_options(synchronize_session=False)
    ).rowcount
    before, after = recount(campaign_id)
    db.session.commit()
    log.warning("invalidated %s signature(s) of campaign %s; count %s -> %s", taken, campaign_id, before, after)
    return taken


def reconcile_counts():
    """The scheduled check: repair and log any campaign whose count differs from its rows. Campaigns
    whose signers' data was deleted after closing keep their count: it is all that is left."""
    repaired = []
    for campaign_id in db.session.scalars(select(Campaign.id).where(Campaign.personal_data_purged_at.is_(None))).all():
        before, after = recount(campaign_id)
        db.session.commit()
        if before != after:
            log.error("count of campaign %s drifted: %s stored, %s counted; repaired", campaign_id, before, after)
            repaired.append((campaign_id, before, after))
    return repaired
