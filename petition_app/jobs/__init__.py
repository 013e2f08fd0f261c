"""Background jobs: named RQ queues when REDIS_URL is set, in-process after the commit when it is not.

A job is a plain function decorated with @job(queue). It takes primitive ids, opens its own app
context (and so its own database session), and calls a service; it must be safe to run twice.
Services never call a job directly: they call `enqueue_after_commit(job, *args)`, which writes an
outbox row in the same transaction. Once that transaction commits, the job is handed over and its row
deleted; a rollback takes the row with it. A row left behind (Redis down, the process killed) is
handed over by `dispatch_outbox`, which the worker runs periodically (jobs/schedule.py).

Each domain keeps its own jobs in its `tasks.py`; this package is only the machinery. A job commits
once, after its function returns (operations only flush); a fan-out batch commits its deliveries at once.
"""
import functools
import importlib
import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any, Protocol

from flask import current_app, has_app_context
from redis import Redis
from rq import Queue, Retry
from sqlalchemy import delete, event, inspect, select, update
from sqlalchemy.orm import Session

from ..extensions import db
from ..timeutil import utcnow
from .models import OutboxJob

log = logging.getLogger(__name__)

QUEUES = ("mail", "milestones", "default")
_PENDING = "petition_pending_jobs"


class Job(Protocol):
    """A function marked with @job: callable with its ids, and known by its queue and path."""

    queue: str
    retry: str | None
    path: str

    def __call__(self, *args: Any) -> Any: ...


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
            with app.app_context():
                try:
                    result = fn(*args)
                    db.session.commit()
                except BaseException:
                    db.session.rollback()
                    raise
                return result

        marked: Any = run_in_app_context
        marked.queue = queue
        marked.retry = retry
        marked.path = f"{fn.__module__}.{fn.__name__}"
        return marked

    return decorate


def enqueue_after_commit(job_fn: Job, *args: Any) -> None:
    """Write the job in the current transaction; it is handed over once that transaction commits."""
    row = OutboxJob(path=job_fn.path, args=list(args))
    db.session.add(row)
    db.session().info.setdefault(_PENDING, []).append((job_fn, args, row))


def dispatch(job_fn: Job, *args: Any) -> bool:
    """Hand a job to RQ, or run it here and now when there is no Redis. True when handed over (or run)."""
    redis_url = current_app.config.get("REDIS_URL")
    if not redis_url:
        try:
            job_fn(*args)
        except Exception:  # the change is committed; a failed side effect must not turn into an error page
            log.exception("in-process job %s failed; the sweep will try again", job_fn.path)
            return False
        return True
    intervals = current_app.config[job_fn.retry] if job_fn.retry else None
    retry = Retry(max=len(intervals), interval=list(intervals)) if intervals else None
    try:
        get_queue(job_fn.queue).enqueue(job_fn.path, *args, retry=retry)
    except Exception:  # Redis unreachable: the outbox row stays for the sweep
        log.warning("could not enqueue %s; it waits in the outbox", job_fn.path, exc_info=True)
        return False
    return True


def _forget_rows(ids: list[int]) -> None:
    if ids:
        with db.engine.begin() as connection:
            connection.execute(delete(OutboxJob).where(OutboxJob.id.in_(ids)))


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
    """Hand over the jobs whose dispatch after their commit failed or never happened. Returns how many
    went; a job that still cannot go stays, with its attempts counted."""
    cutoff = utcnow() - older_than
    rows = db.session.execute(
        select(OutboxJob.id, OutboxJob.path, OutboxJob.args).where(OutboxJob.created_at <= cutoff).order_by(OutboxJob.id)
    ).all()
    db.session.rollback()
    done: list[int] = []
    failed: list[int] = []
    for row_id, path, args in rows:
        (done if dispatch(job_by_path(path), *args) else failed).append(row_id)
    _forget_rows(done)
    if failed:
        db.session.execute(update(OutboxJob).where(OutboxJob.id.in_(failed)).values(attempts=OutboxJob.attempts + 1))
        db.session.commit()
    return len(done)


def redis_connection() -> Redis:
    """One Redis client per app, shared by the queues of that app."""
    app = current_app
    conn = app.extensions.get("petition_redis")
    if conn is None:
        conn = Redis.from_url(app.config["REDIS_URL"])
        app.extensions["petition_redis"] = conn
    return conn


def get_queue(name: str) -> Queue:
    """A named queue; QUEUE_PREFIX lets several installations (or test runs) share one Redis."""
    return Queue(current_app.config["QUEUE_PREFIX"] + name, connection=redis_connection())


_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"


@contextmanager
def exclusive(name: str, seconds: float) -> Iterator[bool]:
    """A lock that one job holds at a time across every worker: yields True to the holder, False to anyone
    else meanwhile. `SET NX PX` in Redis, released at the end, or after `seconds` if the holder died.
    Without Redis jobs run one at a time in the process that queued them, so it always yields True."""
    if not current_app.config.get("REDIS_URL"):
        yield True
        return
    connection = redis_connection()
    key = f"{current_app.config['QUEUE_PREFIX']}lock:{name}"
    token = uuid.uuid4().hex
    held = bool(connection.set(key, token, nx=True, px=max(1, int(seconds * 1000))))
    try:
        yield held
    finally:
        if held:
            connection.eval(_RELEASE, 1, key, token)


@event.listens_for(Session, "after_commit")
def _dispatch_pending(session: Session) -> None:
    pending = session.info.pop(_PENDING, [])
    done = []
    for job_fn, args, row in pending:
        if dispatch(job_fn, *args):
            done.append(inspect(row).identity[0])
    _forget_rows(done)


@event.listens_for(Session, "after_transaction_end")
def _forget_uncommitted(session: Session, transaction: Any) -> None:
    if transaction.parent is None and not transaction.nested:
        session.info.pop(_PENDING, None)
