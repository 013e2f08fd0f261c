"""Who bulk mail goes to, and which announcements never finished."""
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from ..campaigns.models import Milestone
from ..extensions import db
from ..signing.models import Signature
from ..timeutil import utcnow


def opted_in(campaign_id: int) -> tuple[Any, ...]:
    """Who bulk mail about a campaign goes to: counted signers who asked for updates."""
    return (Signature.campaign_id == campaign_id, Signature.wants_updates.is_(True), Signature.counted())


def unfinished_milestones(older_than: timedelta = timedelta(minutes=10)) -> list[int]:
    """Milestones whose announcement never finished (a worker died, Redis was down), for the sweep."""
    cutoff = utcnow() - older_than
    return list(
        db.session.scalars(select(Milestone.id).where(Milestone.announced_at.is_(None), Milestone.reached_at <= cutoff))
    )
