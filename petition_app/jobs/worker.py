"""The worker process behind `flask --app wsgi worker`: an RQ SimpleWorker that outlives Redis outages,
and the periodic work of petition_app/jobs/schedule.py.

Why a loop around RQ: RQ 3.0's worker waits for Redis while it is idle (its dequeue loop retries on a
ConnectionError). But when Redis goes away while a job runs, the worker fails to store the result, logs
"found an unhandled exception, quitting" and ends the process, and nothing else restarts it (observed
with RQ 3.0.0). So when the worker's loop ends without a stop being asked for, a new one starts as soon
as Redis answers again.
"""
from __future__ import annotations

import logging
import signal
import time
from collections.abc import Sequence
from types import FrameType

from flask import Flask
from redis.exceptions import RedisError
from rq import SimpleWorker
from rq.exceptions import StopRequested

from . import get_queue, redis_connection
from .schedule import Ticker

log = logging.getLogger(__name__)

MAX_PAUSE_SECONDS = 15.0
# How long the thread that listens for RQ's commands waits for a message at a time. RQ 3.0 asks for 60 s,
# and redis-py 8's PubSubWorkerThread.stop() waits for the thread without a limit: a worker asked to stop
# right after it started waited up to a minute (seen in the test suite as 60 s stalls).
PUBSUB_WAIT_SECONDS = 1.0
# RQ restarts its scheduler process (retries with backoff), which a Redis outage ends, only in its
# maintenance run (every minute here rather than RQ's ten); the ticker checks it every few seconds too
# (`_keep_scheduler`), so that retries resume within seconds of Redis coming back.
MAINTENANCE_INTERVAL = 60
SCHEDULER_CHECK_SECONDS = 5.0


class Worker(SimpleWorker):
    """A SimpleWorker (no fork per job: the app stays loaded) that remembers a request to stop, so that
    the loop in run_worker knows an ending asked for from one caused by Redis, and that stops within a
    second (PUBSUB_WAIT_SECONDS)."""

    stop_asked = False

    def subscribe(self) -> None:
        """RQ's subscription to its command channel, listened to in slices of PUBSUB_WAIT_SECONDS."""
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(  # type: ignore[assignment]  # RQ declares it as None only
            sleep_time=PUBSUB_WAIT_SECONDS, daemon=True, exception_handler=self._pubsub_exception_handler
        )

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        self.stop_asked = True
        try:
            super().request_stop(signum, frame)
        except RedisError as exc:  # RQ asks Redis whether a job runs; with Redis down, just stop
            raise StopRequested() from exc


def _let_go(worker: SimpleWorker) -> None:
    """What RQ's teardown could not do without Redis: stop the thread that listens for commands."""
    if worker.pubsub_thread is not None:
        worker.pubsub_thread.stop()


def _pause_until_redis_answers(longest: float) -> None:
    """Wait a second, then until Redis answers a PING, but no longer than `longest` seconds in all: a
    worker that keeps failing with Redis up is started again at most once a second."""
    deadline = time.monotonic() + longest
    time.sleep(1.0)
    while time.monotonic() < deadline:
        try:
            if redis_connection().ping():
                return
        except RedisError:
            pass
        time.sleep(1.0)


def _stop_now(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


class _SchedulerKeeper:
    """Called by the ticker on every tick: every SCHEDULER_CHECK_SECONDS, if this worker's RQ scheduler
    process has died (a Redis outage ends it), try to take the scheduler's locks again and start it,
    as RQ's own maintenance run would a minute later. Another worker may hold the locks: then nothing
    starts, which is right."""

    def __init__(self) -> None:
        self.worker: SimpleWorker | None = None
        self._checked = 0.0

    def __call__(self) -> None:
        worker = self.worker
        if worker is None or worker.scheduler is None or time.monotonic() - self._checked < SCHEDULER_CHECK_SECONDS:
            return
        self._checked = time.monotonic()
        process = worker.scheduler._process
        if process is None or not process.is_alive():
            worker.scheduler.acquire_locks(auto_start=True)


def run_worker(app: Flask, queue_names: Sequence[str], burst: bool = False) -> None:
    """Work on the queues until asked to stop, starting again whenever Redis ended the work; unless in
    burst mode, run the periodic work too (one ticker per process, for all the workers it starts)."""
    keeper = _SchedulerKeeper()
    ticker = None if burst else Ticker(app, watch=keeper)
    if ticker is not None:
        ticker.start()
    pause = 1.0
    try:
        while True:
            worker = None
            started = time.monotonic()
            try:
                # Even building an RQ worker asks Redis (CLIENT SETNAME), so that is retried too.
                worker = Worker(
                    [get_queue(name) for name in queue_names],
                    connection=redis_connection(),
                    maintenance_interval=MAINTENANCE_INTERVAL,
                )
                keeper.worker = worker
                worker.work(burst=burst, with_scheduler=True)
            except RedisError as exc:
                if burst:
                    raise
                log.warning("the worker lost Redis: %s", exc)
                if worker is not None:
                    _let_go(worker)
            if burst or (worker is not None and worker.stop_asked):
                return
            if time.monotonic() - started > 60:
                pause = 1.0
            log.warning("the worker stopped without being asked to; starting again once Redis answers")
            # RQ's handlers would ask the Redis that is gone; during the pause a signal just ends the process.
            signal.signal(signal.SIGTERM, _stop_now)
            signal.signal(signal.SIGINT, _stop_now)
            _pause_until_redis_answers(pause)
            pause = min(pause * 2, MAX_PAUSE_SECONDS)
    finally:
        if ticker is not None:
            ticker.stop()
