"""Background jobs: named RQ queues when REDIS_URL is set, in-process after the commit when it is not.

A job is a plain function decorated with @job(queue). It takes primitive ids, opens its own app
context (and so its own database session), and calls a service; it must be safe to run twice.
Services never call a job directly: they call `enqueue_after_commit(job, *args)`, which writes an
outbox row in the same transaction. Once that transaction commits, the job is handed over and its row
deleted; a rollback takes the row with it. A row left behind (Redis down, the process killed) is
handed over by `dispatch_outbox`, which `flask sweep` runs.
"""
import functools
import importlib
import logging
from datetime import timedelta

from flask import current_app, has_app_context
from sqlalchemy import delete, event, inspect, select, update
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

QUEUES = ("mail", "milestones", "default")
_PENDING = "petition_pending_jobs"


def job(queue="default", retry=None):
    """Mark a function as a job on a named queue; `retry` names the config key that holds the list
    of waits (in seconds) between attempts, so that tests and operators can tune the backoff."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue}")

    def decorate(fn):
        @functools.wraps(fn)
        def run_in_app_context(*args):
            app = current_app._get_current_object() if has_app_context() else _worker_app()
            with app.app_context():
                return fn(*args)

        run_in_app_context.queue = queue
        run_in_app_context.retry = retry
        run_in_app_context.path = f"{fn.__module__}.{fn.__name__}"
        return run_in_app_context

    return decorate


_app = None


def _worker_app():
    # Only reached when a job runs in a process that has no app of its own (a bare `rq worker`).
    global _app
    if _app is None:
        from .. import create_app

        _app = create_app()
    return _app


def enqueue_after_commit(job_fn, *args):
    from ..extensions import db
    from .models import OutboxJob

    row = OutboxJob(path=job_fn.path, args=list(args))
    db.session.add(row)
    db.session().info.setdefault(_PENDING, []).append((job_fn, args, row))


def dispatch(job_fn, *args):
    """Hand a job to RQ, or run it here and now when there is no Redis. True when handed over (or run)."""
    redis_url = current_app.config.get("REDIS_URL")
    if not redis_url:
        try:
            job_fn(*args)
        except Exception:  # the change is committed; a failed side effect must not turn into an error page
            log.exception("in-process job %s failed; the sweep will try again", job_fn.path)
            return False
        return True
    from rq import Retry

    intervals = current_app.config[job_fn.retry] if job_fn.retry else None
    retry = Retry(max=len(intervals), interval=list(intervals)) if intervals else None
    try:
        get_queue(job_fn.queue).enqueue(job_fn.path, *args, retry=retry)
    except Exception:  # Redis unreachable: the outbox row stays for the sweep
        log.warning("could not enqueue %s; it waits in the outbox", job_fn.path, exc_info=True)
        return False
    return True


def _forget_rows(ids):
    from ..extensions import db
    from .models import OutboxJob

    if ids:
        with db.engine.begin() as connection:
            connection.execute(delete(OutboxJob).where(OutboxJob.id.in_(ids)))


def job_by_path(path):
    module_name, _, name = path.rpartition(".")
    if not module_name.startswith(__name__ + "."):
        raise ValueError(f"not a job: {path}")
    return getattr(importlib.import_module(module_name), name)


def dispatch_outbox(older_than=timedelta(minutes=1)):
    """Hand over the jobs whose dispatch after their commit failed or never happened. Returns how many
    went; a job that still cannot go stays, with its attempts counted."""
    from ..extensions import db
    from ..timeutil import utcnow
    from .models import OutboxJob

    cutoff = utcnow() - older_than
    rows = db.session.execute(
        select(OutboxJob.id, OutboxJob.path, OutboxJob.args).where(OutboxJob.created_at <= cutoff).order_by(OutboxJob.id)
    ).all()
    db.session.rollback()
    done, failed = [], []
    for row_id, path, args in rows:
        (done if dispatch(job_by_path(path), *args) else failed).append(row_id)
    _forget_rows(done)
    if failed:
        db.session.execute(update(OutboxJob).where(OutboxJob.id.in_(failed)).values(attempts=OutboxJob.attempts + 1))
        db.session.commit()
    return len(done)


def redis_connection():
    from redis import Redis

    app = current_app
    conn = app.extensions.get("petition_redis")
    if conn is None:
        conn = Redis.from_url(app.config["REDIS_URL"])
        app.extensions["petition_redis"] = conn
    return conn


def get_queue(name):
    """A named queue; QUEUE_PREFIX lets several installations (or test runs) share one Redis."""
    from rq import Queue

    return Queue(current_app.config["QUEUE_PREFIX"] + name, connection=redis_connection())


@event.listens_for(Session, "after_commit")
def _dispatch_pending(session):
    pending = session.info.pop(_PENDING, [])
    done = []
    for job_fn, args, row in pending:
        if dispatch(job_fn, *args):
            done.append(inspect(row).identity[0])
    _forget_rows(done)


@event.listens_for(Session, "after_transaction_end")
def _forget_uncommitted(session, transaction):
    if transaction.parent is None and not transaction.nested:
        session.info.pop(_PENDING, None)
