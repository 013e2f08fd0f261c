"""Periodic work, declared as data in one place and run by the workers themselves.

Why: periodic work (handing over the outbox, resuming fan-outs, reminders, purges, recounts) used to
hang on an operator remembering to add `flask sweep` to cron. Without it, a signature answered 202
during a Redis outage never got its confirmation mail. Now every `flask --app wsgi worker` runs the
`SCHEDULE` below, so a deployment that runs a worker runs its periodic work; `flask sweep` stays for a
manual run.

How: RQ 3.0's `rq.cron.CronScheduler` was considered and not chosen. It keeps each job's next run
time in its own memory and takes no lock between processes: two CronSchedulers on one Redis with a
1 s interval enqueued 10 jobs in 5 s instead of 5 (measured with RQ 3.0.0). Its `start()` also owns the
loop, installs signal handlers (possible only in the main thread) and ends on the first Redis error
from `enqueue_jobs()`. So each worker runs a `Ticker` instead, a daemon thread with its own app
context. Time is cut into slots of each entry's interval, counted on Redis's clock (`TIME`), so that
workers on hosts whose clocks differ still agree on the slot number. At each new slot every worker tries
`SET <prefix>periodic:<name>:slot:<n> <worker> NX PX <2 intervals>`, the claim-with-expiry pattern RQ's
own scheduler uses for its lock. Only the one worker that wins the claim enqueues the job on the job's
own queue. So with any number of workers each entry runs once per interval. A Redis error is logged
and the ticker carries on at the next tick.

Each entry's runs are recorded in Redis, for metrics and tests:
    <prefix>periodic:<name>        hash: runs, skipped, last_run_at (Unix time), last_slot,
                                   last_job (RQ job id), every (seconds)
    <prefix>periodic:<name>:slots  list: the slots handed over, newest first (the last 100)
A "run" is the hand-over to the queue; how the job itself went is in RQ's registries. An entry whose
previous job still waits in its queue (the workers are busy) is not enqueued again but counted as
skipped, so a backlog never piles up copies of the same periodic work.

After a Redis outage (issue 18) the ticker notices within TICK_SECONDS that Redis answers again, hands
the outbox over at once (the reconciliation: what Redis lost is owed in the database), and calls its
`watch` callback every tick, with which the worker starts RQ's scheduler again if the outage ended it.
`flask sweep` runs the same SCHEDULE, every entry, in the order declared.
"""
from __future__ import annotations

import importlib
import logging
import os
import socket
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from flask import Flask, current_app

from rq.exceptions import NoSuchJobError
from rq.job import Job as RQJob
from rq.job import JobStatus

from . import QUEUES, Job, dispatch_outbox, get_queue, job, redis_connection

log = logging.getLogger(__name__)

TICK_SECONDS = 1.0  # the longest a ticker sleeps: how soon it notices that Redis is back
HISTORY = 100  # slots kept per entry in <prefix>periodic:<name>:slots


@job("default")
def hand_over_outbox() -> int:
    """Hand over the outbox rows whose own commit could not hand them to Redis. Rows younger than
    OUTBOX_HANDOVER_AFTER are left alone: their commit may be handing them over right now. Returns how
    many went."""
    return dispatch_outbox(current_app.config["OUTBOX_HANDOVER_AFTER"])


@dataclass(frozen=True)
class Periodic:
    """One piece of periodic work: the @job function at the dotted path `job` runs once per `every`,
    on the job's own queue, whichever worker claims the slot. `every` is a timedelta, or the name of an
    entry of the PERIODIC_INTERVALS setting, so that operators and tests tune it without a code change."""

    name: str
    job: str
    every: timedelta | str
    #: what `flask sweep` prints after running it: a format string given the job's result (a tuple
    #: is spread over the placeholders)
    says: str = "{}"

    def report(self, result: Any) -> str:
        """The line `flask sweep` prints for this entry's result."""
        values = result if isinstance(result, tuple) else (result,)
        return f"{self.name}: " + self.says.format(*values)

    def interval(self, config: Mapping[str, Any]) -> timedelta:
        """The interval in force under this configuration."""
        every = config["PERIODIC_INTERVALS"].get(self.every) if isinstance(self.every, str) else self.every
        if every is None:
            raise ValueError(f"periodic {self.name}: PERIODIC_INTERVALS has no {self.every!r}")
        if every <= timedelta(0):
            raise ValueError(f"periodic {self.name}: the interval must be positive, not {every}")
        return every

    def function(self) -> Job:
        """The @job function, imported; a typo in SCHEDULE fails the worker's start, not a tick later."""
        module_name, _, attribute = self.job.rpartition(".")
        fn = getattr(importlib.import_module(module_name), attribute)
        if getattr(fn, "queue", None) not in QUEUES or not hasattr(fn, "path"):
            raise ValueError(f"periodic {self.name}: {self.job} is not an @job function")
        return cast(Job, fn)


# The periodic work, one line per entry: the jobs are named by path, so that the core does not import
# the domains it schedules. Intervals are in the PERIODIC_INTERVALS setting. `flask sweep` runs exactly
# this list by hand (tests/test_schedule.py fails when the two drift).
SCHEDULE: tuple[Periodic, ...] = (
    Periodic("outbox", "petition_app.jobs.schedule.hand_over_outbox", every="outbox",
             says="handed over {} job(s) from the outbox"),
    Periodic("announcements", "petition_app.notifications.tasks.resume_announcements", every="announcements",
             says="resumed {} milestone announcement(s)"),
    Periodic("reminders", "petition_app.responses.tasks.send_reminders", every="reminders",
             says="sent {} reminder(s) to recipients"),
    Periodic("purges", "petition_app.signing.tasks.purge_personal_data", every="purges",
             says="deleted {} unconfirmed signature(s); deleted the personal data of {} closed campaign(s)"),
    Periodic("letter-purges", "petition_app.letters.tasks.empty_purged_letters", every="purges",
             says="emptied {} letter(s) of purged campaigns"),
    Periodic("held-scans", "petition_app.paper.tasks.forget_held_scans", every="purges",
             says="deleted {} scan(s) held for a confirmation page"),
    Periodic("recount", "petition_app.signing.tasks.repair_counts", every="recount",
             says="repaired the count of {} campaign(s)"),
    Periodic("clusters", "petition_app.admin.tasks.alert_clusters", every="clusters",
             says="told the moderators about {} new cluster(s) of signatures"),
    Periodic("stories", "petition_app.stories.tasks.look_after_stories", every="stories",
             says="deleted {} expired story submission(s); reminded the team of {} and the moderators of {} support request(s)"),
)


def stats_key(name: str) -> str:
    """The Redis hash that records the runs of one entry (see the module docstring)."""
    return f"{current_app.config['QUEUE_PREFIX']}periodic:{name}"


def stats(name: str) -> dict[str, str]:
    """The recorded runs of one entry, as strings ({} before its first run): for metrics and tests."""
    # redis-py types replies as bytes or str; this connection does not decode them (RQ needs bytes)
    raw = cast(dict[bytes, bytes], redis_connection().hgetall(stats_key(name)))
    return {key.decode(): value.decode() for key, value in raw.items()}


def recent_slots(name: str) -> list[int]:
    """The slots in which the entry was handed over, newest first: never one slot twice."""
    return [int(slot) for slot in redis_connection().lrange(stats_key(name) + ":slots", 0, -1)]


@dataclass(frozen=True)
class _Entry:
    periodic: Periodic
    fn: Job
    seconds: float


class Ticker:
    """Runs the schedule from inside one worker process; any number of workers may run one each."""

    def __init__(self, app: Flask, schedule: Sequence[Periodic] = SCHEDULE, watch: Callable[[], None] | None = None) -> None:
        self.app = app
        self.watch = watch
        with app.app_context():
            self.entries = [_Entry(p, p.function(), p.interval(app.config).total_seconds()) for p in schedule]
        self.identity = f"{socket.gethostname()}:{os.getpid()}"
        self._tried: dict[str, int] = {}  # per entry, the last slot this worker tried to claim
        self._stop = threading.Event()
        self._failing = False
        self._thread: threading.Thread | None = None

    def describe(self) -> str:
        return ", ".join(f"{e.periodic.name} every {e.seconds:g}s" for e in self.entries) or "nothing"

    def start(self) -> threading.Thread:
        """Tick in a daemon thread, so that the worker's own shutdown is never held up by it."""
        self._thread = threading.Thread(target=self.run, name="periodic-ticker", daemon=True)
        self._thread.start()
        log.info("periodic work: %s", self.describe())
        return self._thread

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def run(self) -> None:
        """Tick until stopped. No error ends the loop: the worker must outlive a Redis outage."""
        with self.app.app_context():
            while not self._stop.is_set():
                try:
                    wait = self.tick()
                except Exception:  # Redis down or a bug: log it, tick again
                    if not self._failing:
                        log.warning("periodic work: tick failed; trying again every %gs", TICK_SECONDS, exc_info=True)
                    self._failing = True
                    wait = TICK_SECONDS
                else:
                    if self._failing:
                        log.info("periodic work: ticking again; handing the outbox over now")
                        self._recovered()
                    self._failing = False
                self._stop.wait(wait)

    def _recovered(self) -> None:
        """Redis answers again: what it lost is owed in the database, so hand the outbox over now rather
        than at the entry's next slot. Every worker may do this; a job handed over twice runs once."""
        try:
            get_queue(hand_over_outbox.queue).enqueue(hand_over_outbox.path, meta={"periodic": "outbox", "recovery": True})
        except Exception:
            log.warning("periodic work: could not hand the outbox over after the outage", exc_info=True)

    def tick(self) -> float:
        """Claim and enqueue every entry whose current slot this worker has not tried yet. Returns the
        seconds until the next slot begins (at most TICK_SECONDS)."""
        if self.watch is not None:
            self.watch()
        connection = redis_connection()
        seconds, microseconds = connection.time()
        now = seconds + microseconds / 1_000_000
        wait = TICK_SECONDS
        for entry in self.entries:
            slot = int(now // entry.seconds)
            if self._tried.get(entry.periodic.name) != slot:
                if self._claim(entry, slot):
                    self._enqueue(entry, slot, now)
                self._tried[entry.periodic.name] = slot
            wait = min(wait, (slot + 1) * entry.seconds - now)
        return max(wait, 0) + 0.005

    def _claim(self, entry: _Entry, slot: int) -> bool:
        # Kept two intervals: a worker whose request arrives late can never claim the slot again.
        key = f"{stats_key(entry.periodic.name)}:slot:{slot}"
        ttl_ms = max(1000, int(entry.seconds * 2000))
        return bool(redis_connection().set(key, self.identity, nx=True, px=ttl_ms))

    def _enqueue(self, entry: _Entry, slot: int, now: float) -> None:
        connection = redis_connection()
        key = stats_key(entry.periodic.name)
        last_job = cast(bytes | None, connection.hget(key, "last_job"))  # bytes: see stats()
        if last_job:
            try:
                waiting = RQJob.fetch(last_job.decode(), connection=connection).get_status() == JobStatus.QUEUED
            except NoSuchJobError:
                waiting = False
            if waiting:
                connection.hincrby(key, "skipped", 1)
                log.info("periodic %s: the previous run still waits in its queue; slot %d skipped",
                         entry.periodic.name, slot)
                return
        rq_job = get_queue(entry.fn.queue).enqueue(
            entry.fn.path, meta={"periodic": entry.periodic.name, "slot": slot}
        )
        with connection.pipeline() as pipeline:
            pipeline.hincrby(key, "runs", 1)
            pipeline.hset(key, mapping={
                "last_run_at": f"{now:.3f}", "last_slot": slot, "last_job": rq_job.id, "every": f"{entry.seconds:g}",
            })
            pipeline.lpush(f"{key}:slots", slot)
            pipeline.ltrim(f"{key}:slots", 0, HISTORY - 1)
            pipeline.execute()
        log.debug("periodic %s: slot %d handed over as job %s by %s",
                  entry.periodic.name, slot, rq_job.id, self.identity)
