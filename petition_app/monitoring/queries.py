"""Reads for /metrics and /healthz: the outbox, the counts, and whether the database answers."""
from datetime import timezone

from sqlalchemy import func, select, text

from ..campaigns.models import Campaign
from ..extensions import db
from ..jobs.models import OutboxJob
from ..rules.statuses import OutboxStatus
from ..timeutil import utcnow


def outbox_state() -> tuple[int, float]:
    """How many jobs the outbox still owes (waiting, running or waiting for their next try), and the age
    in seconds of the oldest (0 when none)."""
    size, oldest = db.session.execute(
        select(func.count(OutboxJob.id), func.min(OutboxJob.created_at)).where(OutboxJob.status == OutboxStatus.PENDING)
    ).one()
    if oldest is None:
        return int(size), 0.0
    if oldest.tzinfo is None:  # SQLite hands back naive datetimes
        oldest = oldest.replace(tzinfo=timezone.utc)
    return int(size), max(0.0, (utcnow() - oldest).total_seconds())


def given_up_jobs() -> int:
    """Jobs whose every try failed, waiting for a moderator to try them again."""
    return int(db.session.scalar(select(func.count(OutboxJob.id)).where(OutboxJob.status == OutboxStatus.GIVEN_UP)) or 0)


def confirmed_signatures() -> int:
    """Confirmed signatures that count, over every campaign (each campaign keeps its count on its row)."""
    return int(db.session.scalar(select(func.coalesce(func.sum(Campaign.confirmed_count), 0))) or 0)


def database_answers() -> bool:
    """True when the database runs a trivial query."""
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means "down" to a load balancer
        return False
    finally:
        db.session.rollback()
