"""Updates from the organizers to the signers who asked for news: only from a published campaign, and at
most one per UPDATE_INTERVAL, so nobody is flooded. Operations flush; the request commits once, and the
fan-out leaves through a job after that commit."""
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from ..campaigns.models import Campaign
from ..campaigns.operations import lock
from ..extensions import db
from ..jobs import enqueue_after_commit
from ..timeutil import utcnow
from . import tasks
from .guards import ensure_published
from .models import Update


class UpdateTooSoon(Exception):
    """Signers who asked for news are not flooded: `next_at` says when the next update may go."""

    def __init__(self, next_at: datetime) -> None:
        """Keeps the moment, so the page can say when to try again."""
        super().__init__(next_at)
        self.next_at = next_at


def next_update_at(campaign: Campaign) -> datetime | None:
    """When the next update may go, if not now (at most one per UPDATE_INTERVAL)."""
    last = db.session.scalar(select(func.max(Update.created_at)).where(Update.campaign_id == campaign.id))
    interval = current_app.config["UPDATE_INTERVAL"]
    if last is None:
        return None
    last = last if last.tzinfo else last.replace(tzinfo=utcnow().tzinfo)
    return last + interval if utcnow() - last < interval else None


def send_update(campaign: Campaign, body_nl: str, body_en: str) -> Update:
    """Only from a published campaign, and at most one update per UPDATE_INTERVAL, so signers who asked
    for news are not flooded."""
    ensure_published(campaign)
    lock(campaign.id)  # two updates sent at the same moment: the second sees the first
    next_at = next_update_at(campaign)
    if next_at is not None:
        raise UpdateTooSoon(next_at)
    update = Update(campaign_id=campaign.id, body_nl=body_nl, body_en=body_en)
    db.session.add(update)
    db.session.flush()
    enqueue_after_commit(tasks.announce_update, update.id)
    return update
