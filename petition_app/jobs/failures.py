"""Jobs that gave up: outbox rows GIVEN_UP after their last try (the database is the record, with the
last error), and RQ's failed-job registries for the jobs that have no outbox row (the periodic work).
Moderators see them and can try them again once the cause is fixed."""
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..logging_privacy import redact
from ..rules.statuses import OutboxStatus
from . import QUEUES, dispatch, get_queue, job_by_path, redis_connection
from .models import OutboxJob


@dataclass
class FailedJob:
    id: str
    name: str
    args: tuple
    error: str


def _last_line(text: str | None) -> str:
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    return redact(lines[-1])[:300] if lines else ""


def failed_jobs() -> list[FailedJob]:
    found = []
    if current_app.config.get("REDIS_URL"):
        from rq.job import Job
        from rq.registry import FailedJobRegistry

        for name in QUEUES:
            registry = FailedJobRegistry(queue=get_queue(name))
            for job_id in registry.get_job_ids():
                job = Job.fetch(job_id, connection=redis_connection())
                if "outbox_row" in job.meta:  # its row is the record: listed below once given up
                    continue
                result = job.latest_result()
                error = _last_line(result.exc_string if result is not None else "")
                # rq types func_name as optional; a job enqueued by its path always has one
                found.append(FailedJob(f"rq:{name}:{job_id}", job.func_name or "", tuple(job.args), error))
    for row in db.session.scalars(select(OutboxJob).where(OutboxJob.status == OutboxStatus.GIVEN_UP).order_by(OutboxJob.id)):
        found.append(FailedJob(f"outbox:{row.id}", row.path, tuple(row.args), row.last_error or ""))
    return found


def retry(failed_id: str) -> bool:
    """Put one failed job back in line; returns whether it was found."""
    kind, _, rest = failed_id.partition(":")
    if kind == "rq" and current_app.config.get("REDIS_URL"):
        from rq.registry import FailedJobRegistry

        name, _, job_id = rest.partition(":")
        if name not in QUEUES:
            return False
        registry = FailedJobRegistry(queue=get_queue(name))
        if job_id not in registry.get_job_ids():
            return False
        registry.requeue(job_id)
        return True
    if kind == "outbox" and rest.isdigit():
        row = db.session.get(OutboxJob, int(rest))
        if row is None or row.status != OutboxStatus.GIVEN_UP:
            return False
        # Owed again, with every try ahead of it; if Redis cannot take it now, the reconciliation will.
        row.status, row.attempts, row.not_before, row.claimed_until = OutboxStatus.PENDING, 0, None, None
        path, args = row.path, list(row.args)
        db.session.commit()
        dispatch(job_by_path(path), *args, outbox_row=row.id)
        return True
    return False
