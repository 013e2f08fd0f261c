"""Background jobs: named RQ queues when REDIS_URL is set, in-process after the commit when it is not.

A job is a plain function decorated with @job(queue). It takes primitive ids, opens its own app
context (and so its own database session), and calls a service; it must be safe to run twice.
Services never call a job directly: they call `enqueue_after_commit(job, *args)`, which writes an
outbox row in the same transaction. Once that transaction commits, the job is handed over; a rollback
takes the row with it.

The database is the record of what is owed; Redis only rings the bell (issue 18). The row stays until
the job has run to the end: a run first claims it (`claimed_until`, JOB_LEASE_SECONDS ahead, one
committed UPDATE), and deletes it in the job's own commit. A run that finds its row gone, given up or
claimed by a live run does nothing, so a job handed over twice (a retry, a reconciliation, a lost lock)
runs once. A failed run records its error and when the next try may start (`not_before`, from the
job's retry intervals); after the last try the row is GIVEN_UP and listed for the moderators with its
error. `dispatch_outbox`, which the workers run periodically (jobs/schedule.py), hands over again every
row that is owed and neither claimed, nor waiting for its next try, nor waiting in RQ: whatever Redis
lost or never received.

Each domain keeps its own jobs in its `tasks.py`; this package is only the machinery. A job commits
once, after its function returns (operations only flush); a fan-out batch commits each delivery as it goes.
"""
import functools
import importlib
import logging
from collections.abc import Callable
from contextvars import ContextVar
from datetime import datetime, timedelta, timezone
from typing import Any, cast

from flask import current_app, has_app_context
from rq import Retry, get_current_job
from rq.job import Job as RQJob
from sqlalchemy import Table, delete, event, insert, or_, select, update
from sqlalchemy.orm import Session

from ..extensions import db
from ..rules.statuses import OutboxStatus
from ..timeutil import utcnow
from . import progress
from .connection import get_queue, redis_connection
from .locks import Hold, exclusive
from .models import OutboxJob
from .runs import Job, claim, described, periodic, record_failure, retry_intervals, travelled_intervals

__all__ = [
    "QUEUES", "Hold", "Job", "dispatch", "dispatch_outbox", "enqueue_after_commit", "exclusive", "get_queue", "job",
    "job_by_path", "redis_connection", "retry_intervals",
]

log = logging.getLogger(__name__)

QUEUES = ("mail", "milestones", "default")
_PENDING = "petition_pending_jobs"
# The outbox row of the job that dispatch() runs in this process (without Redis).
_RUNNING_ROW: ContextVar[int | None] = ContextVar("petition_outbox_row", default=None)


def job(queue: str = "default", retry: str | None = None) -> Callable[[Callable[..., Any]], Job]:
    """Mark a function as a job on a named queue; `retry` names the config key that holds the list
    of waits (in seconds) between attempts, so that tests and operators can tune the backoff.
    The job runs in an app context of its own and commits once when its function returns."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue}")

    def decorate(fn: Callable[..., Any]) -> Job:
        @functools.wraps(fn)
        def run_in_app_context(*args: Any) -> Any:
            if not has_app_context():
                raise RuntimeError("jobs run in the app's context: start workers with `flask --app wsgi worker`")
            app = current_app._get_current_object()  # type: ignore[attr-defined]
            row_id, in_rq = _outbox_row_of_this_run(marked.path)
            hidden = _RUNNING_ROW.set(None)  # a job this one calls directly has no row of its own
            try:
                with app.app_context():
                    done_before = claim(row_id) if row_id is not None else 0
                    if done_before is None:
                        log.info("%s: outbox row %s is done, given up or being run; nothing to do", marked.path, row_id)
                        return None
                    tally = progress.Progress(row_id, done_before) if row_id is not None else None
                    sending = progress.running(tally)
                    try:
                        result = fn(*args)
                        if row_id is not None:  # done: its row goes with the job's own commit
                            db.session.execute(delete(OutboxJob).where(OutboxJob.id == row_id))
                        db.session.commit()
                        if tally is not None and tally.count > tally.done_before and marked.queue == "mail":
                            _hand_over_waiting_mail()
                    except Exception as error:
                        db.session.rollback()
                        if row_id is None and periodic(marked.path):
                            # The schedule runs it again at its next slot: nothing is lost, nothing to list.
                            log.warning("periodic %s failed; it runs again at its next slot: %s", marked.path, described(error))
                            return None
                        if row_id is None:
                            raise
                        if record_failure(row_id, marked, error, travelled_intervals(in_rq)) and in_rq:
                            return None  # given up: the row is the record; RQ need not list it as well
                        raise  # RQ tries again after the job's next wait (or the reconciliation does)
                    except BaseException:  # the worker is stopped mid-job: the lease runs out, then it runs again
                        db.session.rollback()
                        raise
                    finally:
                        progress.stop(sending)
                    return result
            finally:
                _RUNNING_ROW.reset(hidden)

        marked: Any = run_in_app_context
        marked.queue = queue
        marked.retry = retry
        marked.path = f"{fn.__module__}.{fn.__name__}"
        return marked

    return decorate


def _hand_over_waiting_mail() -> None:
    """The mail server has just accepted a mail, so it is back: every mail that waits for its next try
    after failing (`not_before` ahead, backing off 10 s, 30 s, ... 5 minutes) goes now, rather than
    keeping a signer waiting for their confirmation minutes after the server returned. A mail whose try
    fails again waits its next interval as before. Best effort: this job is done and committed."""
    now = utcnow()
    try:
        rows = db.session.execute(
            select(OutboxJob.id, OutboxJob.path, OutboxJob.args).where(
                OutboxJob.status == OutboxStatus.PENDING, OutboxJob.not_before > now, OutboxJob.claimed_until.is_(None),
            )
        ).all()
        waiting = [row for row in rows if _queue_of(row.path) == "mail"]
        if not waiting:
            db.session.rollback()
            return
        db.session.execute(
            update(OutboxJob)
            .where(OutboxJob.id.in_([row.id for row in waiting]), OutboxJob.not_before > now)
            .values(not_before=now)
        )
        db.session.commit()
    except Exception:  # noqa: BLE001 - the next reconciliation hands them over at their own time
        db.session.rollback()
        log.warning("could not hand over the mails waiting for their next try", exc_info=True)
        return
    for row in waiting:
        dispatch(job_by_path(row.path), *row.args, outbox_row=row.id)


def _queue_of(path: str) -> str | None:
    try:
        return job_by_path(path).queue
    except (ValueError, ImportError):
        return None


def enqueue_after_commit(job_fn: Job, *args: Any) -> None:
    """Write the job in the current transaction; it is handed over once that transaction commits."""
    outbox = cast(Table, OutboxJob.__table__)
    row_id = db.session.scalar(insert(outbox).values(path=job_fn.path, args=list(args)).returning(outbox.c.id))
    db.session().info.setdefault(_PENDING, []).append((job_fn, args, row_id))


def _rq_job_id(row_id: int) -> str:
    """The RQ job of an outbox row has an id of its own, so the sweep can tell whether it waits in RQ."""
    prefix = "".join(c if c.isalnum() or c in "_-" else "_" for c in current_app.config["QUEUE_PREFIX"])
    return f"{prefix}outbox-{row_id}"


def _outbox_row_of_this_run(path: str) -> tuple[int | None, bool]:
    """The outbox row of the job being run (None when it was called directly), and whether RQ runs it."""
    rq_job = get_current_job()
    if rq_job is not None and rq_job.func_name == path:
        row_id = rq_job.meta.get("outbox_row")
        return (row_id if isinstance(row_id, int) else None), True
    return _RUNNING_ROW.get(), False


def dispatch(job_fn: Job, *args: Any, outbox_row: int | None = None) -> bool:
    """Hand a job to RQ, or run it here and now when there is no Redis. True when handed over (or run).
    The job deletes `outbox_row` once it has run."""
    redis_url = current_app.config.get("REDIS_URL")
    if not redis_url:
        token = _RUNNING_ROW.set(outbox_row)
        try:
            job_fn(*args)
        except Exception:  # the change is committed; a failed side effect must not turn into an error page
            log.exception("in-process job %s failed; the sweep will try again", job_fn.path)
            return False
        finally:
            _RUNNING_ROW.reset(token)
        return True
    intervals = retry_intervals(job_fn)
    retry = Retry(max=len(intervals), interval=intervals) if intervals else None
    options: dict[str, Any] = {}
    if outbox_row is not None:
        options = {"job_id": _rq_job_id(outbox_row), "meta": {"outbox_row": outbox_row}}
    try:
        get_queue(job_fn.queue).enqueue(job_fn.path, *args, retry=retry, **options)
    except Exception:  # Redis unreachable: the outbox row stays for the sweep
        log.warning("could not enqueue %s; it waits in the outbox", job_fn.path, exc_info=True)
        return False
    return True


# RQ statuses in which a handed-over job will still run without our help. A job RQ calls "started"
# is not among them: while it runs it holds its row's claim, and once the claim ran out it has died.
_WAITING = {"queued", "scheduled", "deferred"}


def _waiting_in_rq(row_ids: list[int]) -> set[int]:
    """The rows whose job RQ still holds to run (queued, or scheduled for its next try). After an outage
    without persistence, RQ has them no more. One round trip for all of them."""
    if not row_ids or not current_app.config.get("REDIS_URL"):
        return set()
    try:
        with redis_connection().pipeline(transaction=False) as pipeline:
            for row_id in row_ids:
                pipeline.hget(RQJob.key_for(_rq_job_id(row_id)), "status")
            statuses = pipeline.execute()
    except Exception:  # Redis unreachable: handing over will fail too, and the rows stay owed
        return set()
    return {row_id for row_id, status in zip(row_ids, statuses) if status is not None and status.decode() in _WAITING}


def job_by_path(path: str) -> Job:
    """The job a path names (as stored in the outbox and in RQ); anything else is refused."""
    module_name, _, name = path.rpartition(".")
    if not module_name.startswith("petition_app."):
        raise ValueError(f"not a job: {path}")
    found = getattr(importlib.import_module(module_name), name, None)
    if getattr(found, "queue", None) not in QUEUES:
        raise ValueError(f"not a job: {path}")
    return found  # type: ignore[return-value]


def dispatch_outbox(older_than: timedelta = timedelta(minutes=1)) -> int:
    """The reconciliation: hand over again every job that is owed (its row is PENDING) and neither
    claimed by a live run, nor waiting for its next try, nor waiting in RQ, whatever Redis lost or never
    received. Rows younger than `older_than` are left to the commit that wrote them. Returns how many
    went; a row that cannot go (Redis down) simply stays owed."""
    now = utcnow()
    rows = db.session.execute(
        select(OutboxJob.id, OutboxJob.path, OutboxJob.args, OutboxJob.created_at, OutboxJob.not_before)
        .where(
            OutboxJob.status == OutboxStatus.PENDING,
            OutboxJob.created_at <= now - older_than,
            or_(OutboxJob.not_before.is_(None), OutboxJob.not_before <= now),
            or_(OutboxJob.claimed_until.is_(None), OutboxJob.claimed_until < now),
        )
        .order_by(OutboxJob.id)
    ).all()
    db.session.rollback()
    # RQ's word that a job waits is trusted for a while only: after a crash Redis may restore a job's
    # status without the queue entry that goes with it, and the job would wait for ever. A row due for
    # longer than JOB_LEASE_SECONDS is handed over again whatever RQ says; a second copy runs once.
    trust = timedelta(seconds=current_app.config["JOB_LEASE_SECONDS"])
    recent = [row.id for row in rows if _aware(row.not_before or row.created_at) > now - trust]
    waiting = _waiting_in_rq(recent)
    done = 0
    for row_id, path, args, _, _ in rows:
        if row_id not in waiting and dispatch(job_by_path(path), *args, outbox_row=row_id):
            done += 1
    return done


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes (in UTC)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


@event.listens_for(Session, "after_commit")
def _dispatch_pending(session: Session) -> None:
    if session.in_nested_transaction():  # SQLAlchemy 2.1 calls after_commit when a SAVEPOINT is released too
        return
    for job_fn, args, row_id in session.info.pop(_PENDING, []):
        dispatch(job_fn, *args, outbox_row=row_id)


@event.listens_for(Session, "after_transaction_end")
def _forget_uncommitted(session: Session, transaction: Any) -> None:
    if transaction.parent is None and not transaction.nested:
        session.info.pop(_PENDING, None)
