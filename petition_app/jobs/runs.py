"""One run of a job with an outbox row: claiming the row, and writing down a failed try (issue 18).
The machinery in jobs/__init__.py calls these around the job's function."""
import logging
from datetime import timedelta
from typing import Any, Protocol

from flask import current_app
from rq import get_current_job
from sqlalchemy import case, or_, select, update

from ..extensions import db, rowcount
from ..logging_privacy import redact
from ..rules.statuses import OutboxStatus
from ..timeutil import utcnow
from .models import OutboxJob

log = logging.getLogger(__name__)


class Job(Protocol):
    """A function marked with @job: callable with its ids, and known by its queue and path."""

    queue: str
    retry: str | None
    path: str

    def __call__(self, *args: Any) -> Any: ...


def retry_intervals(job_fn: Job) -> list[int]:
    """The waits in seconds between the tries of a job: its own setting, or JOB_RETRY_INTERVALS for a
    job that names none (so that a database restart during a job that mails nobody loses it neither)."""
    return list(current_app.config[job_fn.retry or "JOB_RETRY_INTERVALS"])


def claim(row_id: int) -> int | None:
    """Hold the row for this run, committed at once. Returns how many mails earlier runs of it sent (a
    run after a crash sends none of those again: jobs/progress.py), or None when it is gone (done), given
    up, or held by another run whose lease has not run out."""
    now = utcnow()
    claimed = rowcount(db.session.execute(
        update(OutboxJob)
        .where(
            OutboxJob.id == row_id,
            OutboxJob.status == OutboxStatus.PENDING,
            or_(OutboxJob.claimed_until.is_(None), OutboxJob.claimed_until < now),
        )
        # A row whose lease ran out was claimed by a run that died (a killed worker, a restart): taking it
        # over is not a new try, so an outage does not push a mail towards being given up.
        .values(
            claimed_until=now + timedelta(seconds=current_app.config["JOB_LEASE_SECONDS"]),
            attempts=OutboxJob.attempts + case((OutboxJob.claimed_until.is_(None), 1), else_=0),
        )
    ))
    done_before = db.session.scalar(select(OutboxJob.mails_sent).where(OutboxJob.id == row_id)) if claimed else None
    db.session.commit()
    return done_before


def periodic(path: str) -> bool:
    """Whether this run is the periodic job itself, handed over by the schedule (jobs/schedule.py)."""
    rq_job = get_current_job()
    return rq_job is not None and rq_job.func_name == path and "periodic" in (rq_job.meta or {})


def travelled_intervals(in_rq: bool) -> list[int] | None:
    """The waits that travelled with the RQ job from the process that queued it (tests and operators
    tune them there), or None outside RQ."""
    rq_job = get_current_job() if in_rq else None
    intervals = getattr(rq_job, "retry_intervals", None)
    return [int(i) for i in intervals] if intervals else None


def described(error: BaseException) -> str:
    """An error as a log line or a moderator may read it: its kind and message, redacted, at most 300 characters."""
    return redact(f"{type(error).__name__}: {error}")[:300]


def record_failure(row_id: int, job_fn: Job, error: Exception, intervals: list[int] | None = None) -> bool:
    """Write down a failed try: the error (redacted), and when the next may start, or that there will be
    none (GIVEN_UP). Returns whether the job was given up. When even that cannot be written (the
    database is down), the claim runs out and the reconciliation tries again."""
    try:
        row = db.session.get(OutboxJob, row_id)
        if row is None:
            return True
        if intervals is None:
            intervals = retry_intervals(job_fn)
        row.claimed_until = None
        row.last_error = described(error)
        gave_up = row.attempts > len(intervals)
        if gave_up:
            row.status = OutboxStatus.GIVEN_UP
            log.error("%s (outbox row %s) gave up after %s tries: %s", job_fn.path, row_id, row.attempts, row.last_error)
        else:
            row.not_before = utcnow() + timedelta(seconds=intervals[row.attempts - 1])
        db.session.commit()
        return gave_up
    except Exception:
        db.session.rollback()
        log.warning("could not record the failure of %s (outbox row %s)", job_fn.path, row_id, exc_info=True)
        return False
