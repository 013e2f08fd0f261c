"""Jobs that gave up: RQ's failed-job registries (after every retry) and, without Redis, outbox rows
whose in-process run failed. Moderators see them and can try them again once the cause is fixed."""
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..logging_privacy import redact
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
                result = job.latest_result()
                error = _last_line(result.exc_string if result is not None else "")
                # rq types func_name as optional; a job enqueued by its path always has one
                found.append(FailedJob(f"rq:{name}:{job_id}", job.func_name or "", tuple(job.args), error))
    for row in db.session.scalars(select(OutboxJob).where(OutboxJob.attempts > 0).order_by(OutboxJob.id)):
        found.append(FailedJob(f"outbox:{row.id}", row.path, tuple(row.args), ""))
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
        if row is None:
            return False
        path, args = row.path, list(row.args)
        if dispatch(job_by_path(path), *args):
            db.session.delete(row)
        db.session.commit()
        return True
    return False
