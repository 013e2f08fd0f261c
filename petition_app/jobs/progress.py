"""What a run of a job has already sent, written down the moment the mail server accepted it, so that the
run after a crash or a database restart sends none of it again (issue 18).

A job with an outbox row counts its mails in `outbox_jobs.mails_sent`. `mail.send` asks `skip()` before
each message: true for the messages an earlier run of the same row already sent (they are counted as
sent, not sent again), and calls `sent()` after each message the server accepted. `sent()` writes the
count at once, on a connection of its own in autocommit, and keeps trying for DATABASE_RETRY_SECONDS
while the database restarts: the job's own transaction, which records the rest of what it did (a
signature's mail number, a receipt's deletion), may fail in that restart, and its next run then replays
the job's changes without its mails. What is left is a process killed in the millisecond between the
server's answer and that write (docs/architecture.md, "What can repeat, and how rarely")."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextvars import ContextVar

from flask import current_app
from sqlalchemy import update
from sqlalchemy.exc import DBAPIError

from ..extensions import db
from .models import OutboxJob

log = logging.getLogger(__name__)

_CURRENT: ContextVar[Progress | None] = ContextVar("petition_job_progress", default=None)


class Progress:
    """The mails of one run of one outbox row: how many an earlier run sent, and how many this one has."""

    def __init__(self, row_id: int, done_before: int) -> None:
        self.row_id = row_id
        self.done_before = done_before
        self.count = 0

    def sent_before(self, messages: int) -> bool:
        """True, and counted, when the next `messages` messages all went out in an earlier run."""
        if self.count + messages > self.done_before:
            return False
        self.count += messages
        return True

    def skip(self) -> bool:
        """Called before each message: True when an earlier run of this row sent it already."""
        self.count += 1
        return self.count <= self.done_before

    def sent(self) -> None:
        """Called after the server accepted a message: write the count down now, whatever happens next.
        Not on SQLite (the demo's database, which never restarts under a job): there the job's own
        transaction holds the one write lock, and a second connection would wait for it in vain."""
        if db.engine.dialect.name == "sqlite":
            return

        def write() -> None:
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(update(OutboxJob).where(OutboxJob.id == self.row_id).values(mails_sent=self.count))

        try:
            while_database_restarts(write)
        except DBAPIError:
            log.error("outbox row %s: could not write down a mail the server accepted; a later run may send it again",
                      self.row_id, exc_info=True)


def while_database_restarts(action: Callable[[], None]) -> None:
    """Run `action`, and again every 0.2 s while it fails on the database, for DATABASE_RETRY_SECONDS:
    PostgreSQL restarting answers again within a second or two. Then the last error is raised. The tries
    are counted as well as timed, so that a frozen clock (tests) cannot keep it waiting."""
    seconds = current_app.config["DATABASE_RETRY_SECONDS"]
    deadline, tries = time.monotonic() + seconds, int(seconds / 0.2) + 1
    while True:
        tries -= 1
        try:
            action()
            return
        except DBAPIError:
            if time.monotonic() >= deadline or tries <= 0:
                raise
            time.sleep(0.2)


def current() -> Progress | None:
    """The progress of the job running in this context, or None (no job, or a job without an outbox row)."""
    return _CURRENT.get()


def running(progress: Progress | None) -> object:
    """Make `progress` the current one; returns the token to reset with `stop`."""
    return _CURRENT.set(progress)


def stop(token: object) -> None:
    _CURRENT.reset(token)  # type: ignore[arg-type]
