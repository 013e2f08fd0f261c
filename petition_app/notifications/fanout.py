"""Sending one batch of a fan-out of bulk mail to signers (milestones, answers, organizers' updates);
planning the fan-out is operations.py's.

A batch (`send_batch`) sends its signers' mails over one SMTP connection and records each mail the
moment the server accepted it (INSERT ... ON CONFLICT DO NOTHING on the unique (kind, ref_id,
signature_id)), committed at once. This module is the one listed exception to "operations flush and
never commit or talk to SMTP" (docs/architecture.md, "Exceptions"): a fan-out must not hold a
transaction open across thousands of mails, nor lose the record of one the server accepted. Every batch
skips the signers already recorded, so any batch, or the whole fan-out, is safe to run again; a worker
killed half-way through a batch sends the rest when the batch runs again and nobody twice, but for a
mail the server accepted in the instant before the kill, ahead of its record (docs/architecture.md,
"Jobs and losing nothing"). A batch holds a lock while it sends, extended as it goes, so a second copy of
the same batch job waits instead of sending alongside."""
import time
from collections.abc import Callable, Sequence
from typing import Any

from flask import current_app
from sqlalchemy import Connection, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError

from ..rules import DeliveryKind, DeliveryStatus
from .. import mail
from ..extensions import db
from ..jobs import exclusive
from ..jobs.progress import while_database_restarts
from ..logging_privacy import redact
from ..mail.queries import hard_bounced
from ..timeutil import utcnow
from .mailing import BulkMail
from .models import Delivery
from .queries import unreached_in_range


# PostgreSQL: one statement whose text never changes (three arrays, unnested), so neither SQLAlchemy nor
# PostgreSQL compiles it again for each batch; a multi-row VALUES of 200 rows took SQLAlchemy about 40 ms
# to compile every time (docs/performance.md).
_RECORD_ON_POSTGRESQL = text(
    "INSERT INTO deliveries (kind, ref_id, signature_id, status, error, created_at) "
    "SELECT :kind, :ref_id, s.id, s.status, s.error, :created_at "
    "FROM unnest(CAST(:ids AS integer[]), CAST(:statuses AS varchar[]), CAST(:errors AS varchar[])) AS s(id, status, error) "
    "ON CONFLICT (kind, ref_id, signature_id) DO NOTHING"
)


def _rows(kind: DeliveryKind, ref_id: int, outcomes: list[tuple[int, str | None]]) -> list[dict[str, Any]]:
    now = utcnow()
    return [
        {"kind": kind, "ref_id": ref_id, "signature_id": signature_id, "status": DeliveryStatus.FAILED if error else DeliveryStatus.SENT,
         "error": error, "created_at": now}
        for signature_id, error in outcomes
    ]


def _arrays(kind: DeliveryKind, ref_id: int, outcomes: list[tuple[int, str | None]]) -> dict[str, Any]:
    return {
        "kind": kind, "ref_id": ref_id, "created_at": utcnow(),
        "ids": [signature_id for signature_id, _ in outcomes],
        "statuses": [DeliveryStatus.FAILED.value if error else DeliveryStatus.SENT.value for _, error in outcomes],
        "errors": [error for _, error in outcomes],
    }


class _Recorder:
    """Records each mail of a batch the moment the server accepted it (issue 18), on a connection of its
    own in autocommit: one round trip per mail, so a worker killed mid-batch re-sends nobody.

    On PostgreSQL those commits do not wait for the disk (`synchronous_commit = off`): a record is safe
    from any of our processes dying, and could be lost only if PostgreSQL itself crashed within a
    fraction of a second after it. So the batch flushes them to disk when it ends, however it ends (one
    fsync per batch instead of one per mail), and when a record fails because PostgreSQL went away, the
    recorder writes every mail of the batch again, durably, as soon as it is back (for up to
    DATABASE_RETRY_SECONDS): the worker still knows what it sent, whatever the crash took
    (docs/architecture.md, "What can repeat")."""

    def __init__(self, kind: DeliveryKind, ref_id: int) -> None:
        self.kind, self.ref_id = kind, ref_id
        self.outcomes: list[tuple[int, str | None]] = []
        self.postgresql = db.engine.dialect.name == "postgresql"

    def __enter__(self) -> "_Recorder":
        self.connection = self._connect()
        return self

    def _connect(self) -> Connection:
        connection = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        if self.postgresql:
            connection.exec_driver_sql("SET synchronous_commit TO off")
        return connection

    def _write(self, connection: Connection, outcomes: list[tuple[int, str | None]]) -> None:
        if self.postgresql:
            connection.execute(_RECORD_ON_POSTGRESQL, _arrays(self.kind, self.ref_id, outcomes))
        else:
            connection.execute(sqlite_insert(Delivery).on_conflict_do_nothing().values(_rows(self.kind, self.ref_id, outcomes)))

    def _flush(self, connection: Connection) -> None:
        """Make every record written so far durable: a transaction that commits waiting for the disk
        (it has an id, so it writes a commit record) flushes all the WAL before it."""
        if self.postgresql:
            connection.exec_driver_sql("SET synchronous_commit TO on")
            connection.exec_driver_sql("SELECT txid_current()")

    def record(self, outcome: tuple[int, str | None]) -> None:
        self.outcomes.append(outcome)
        try:
            self._write(self.connection, [outcome])
        except DBAPIError:
            self._write_all_again()

    def _write_all_again(self) -> None:
        def again() -> None:
            try:
                self.connection.close()
            except DBAPIError:
                pass
            self.connection = self._connect()
            self._write(self.connection, self.outcomes)
            self._flush(self.connection)
            if self.postgresql:
                self.connection.exec_driver_sql("SET synchronous_commit TO off")

        while_database_restarts(again)

    def __exit__(self, *exc: Any) -> None:
        try:
            if self.outcomes:
                self._flush(self.connection)
        except DBAPIError:
            self._write_all_again()
        finally:
            self.connection.close()


class BatchBusy(Exception):
    """Another worker sends this very batch right now; RQ tries again later (and then finds it done)."""


def send_batch(
    kind: DeliveryKind, ref_id: int, criteria: Sequence[Any], first_id: int, last_id: int, bulk: BulkMail,
    still_mine: Callable[[], bool] = lambda: True, every: float = 0.0,
) -> tuple[int, int]:
    """Send `bulk` to the signers with an id from `first_id` to `last_id` who match `criteria` and were not
    reached yet, over one SMTP connection, recording each as soon as it is sent. Returns (sent, refused).

    A recipient the server refuses for good is recorded as failed and not tried again, and so is one whose
    address bounced for good before (mail.queries.hard_bounced), without being tried. Any other error
    (server down, temporary refusal) records what was sent before it and ends the batch with the exception,
    so that RQ retries it later with backoff. Every `every` seconds it asks `still_mine()` (run_batch: the
    batch's lock, extended); once that says no, it records what it sent and stops with BatchBusy.
    """
    signatures = unreached_in_range(kind, ref_id, criteria, first_id, last_id)
    # An address that bounced for good gets no more bulk mail; it is recorded as refused, not tried again.
    hashes = {signature.id: mail.address_hash(signature.email) for signature in signatures}
    bounced = hard_bounced(hashes.values())
    skipped: list[tuple[int, str | None]] = [(s.id, "bounced before") for s in signatures if hashes[s.id] in bounced]
    outgoing = [(s.id, bulk.compose(s)) for s in signatures if hashes[s.id] not in bounced]
    db.session.rollback()  # end the read transaction; nothing holds rows while talking to SMTP
    if skipped:
        with _Recorder(kind, ref_id) as recorder:
            for bounced_before in skipped:
                recorder.record(bounced_before)
    outcomes: list[tuple[int, str | None]] = []
    interrupted = True
    asked = time.monotonic()
    try:
        if outgoing:
            with mail.connection() as connection, _Recorder(kind, ref_id) as recorder:
                for signature_id, copy in outgoing:
                    if every and time.monotonic() - asked >= every:
                        if not still_mine():
                            raise BatchBusy(f"batch {first_id}-{last_id} of {kind} {ref_id} outlasted its lock")
                        asked = time.monotonic()
                    outcome: tuple[int, str | None]
                    try:
                        copy.send(connection, bulk.sender)
                    except Exception as error:
                        if not mail.is_permanent_failure(error):
                            raise
                        outcome = (signature_id, redact(str(error))[:300])
                    else:
                        outcome = (signature_id, None)
                    # Recorded before the next mail: a worker killed now re-sends nobody (issue 18).
                    recorder.record(outcome)
                    outcomes.append(outcome)
        interrupted = False
    finally:
        refused = sum(1 for _, error in outcomes if error)
        mail.count_sent(len(outcomes) - refused, refused + interrupted)
    return len(outcomes) - refused, refused


def run_batch(kind: DeliveryKind, ref_id: int, criteria: Sequence[Any], first_id: int, last_id: int, bulk: BulkMail) -> tuple[int, int]:
    """One batch of a fan-out, held by one worker at a time: two copies of the same batch job (a fan-out
    planned twice, RQ's at-least-once delivery) never mail the same signers at once. The lock lasts
    FANOUT_LOCK_SECONDS and is extended every third of that while the batch is sent, so a slow SMTP
    server cannot make it run out under a live batch (which would let a second copy send it again)."""
    seconds = current_app.config["FANOUT_LOCK_SECONDS"]
    with exclusive(f"fanout:{kind}:{ref_id}:{first_id}-{last_id}", seconds) as hold:
        if not hold:
            raise BatchBusy(f"batch {first_id}-{last_id} of {kind} {ref_id} is being sent by another worker")
        return send_batch(kind, ref_id, criteria, first_id, last_id, bulk, still_mine=hold.keep, every=seconds / 3)
