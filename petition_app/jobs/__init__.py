"""Background jobs: named RQ queues when REDIS_URL is set, in-process after the commit when it is not.

A job is a plain function decorated with @job(queue). It takes primitive ids, opens its own app
context (and so its own database session), and calls a service; it must be safe to run twice.
Services never call a job directly: they call `enqueue_after_commit(job, *args)`, and the job is
dispatched only once the transaction that caused it has committed (and forgotten if it rolls back).
"""
import functools
import logging

from flask import current_app, has_app_context
from sqlalchemy import event
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

    db.session().info.setdefault(_PENDING, []).append((job_fn, args))


def dispatch(job_fn, *args):
    """Hand a job to RQ, or run it here and now when there is no Redis."""
    redis_url = current_app.config.get("REDIS_URL")
    if not redis_url:
        try:
            job_fn(*args)
        except Exception:  # the change is committed; a failed side effect must not turn into an error page
            log.exception("in-process job %s failed", job_fn.path)
        return None
    from rq import Retry

    intervals = current_app.config[job_fn.retry] if job_fn.retry else None
    retry = Retry(max=len(intervals), interval=list(intervals)) if intervals else None
    try:
        return get_queue(job_fn.queue).enqueue(job_fn.path, *args, retry=retry)
    except Exception:  # Redis unreachable: the change is committed and must not become an error page
        log.exception("could not enqueue %s", job_fn.path)
        return None


def redis_connection():
    from redis import Redis

    app = current_app
    conn = app.extensions.get("petition_redis")
    if conn is None:
        conn = Redis.from_url(app.config["REDIS_URL"])
        app.extensions["petition_redis"] = conn
    return conn


def get_queue(name):
    from rq import Queue

    return Queue(name, connection=redis_connection())


@event.listens_for(Session, "after_commit")
def _dispatch_pending(session):
    pending = session.info.pop(_PENDING, [])
    for job_fn, args in pending:
        dispatch(job_fn, *args)


@event.listens_for(Session, "after_transaction_end")
def _forget_uncommitted(session, transaction):
    if transaction.parent is None and not transaction.nested:
        session.info.pop(_PENDING, None)
