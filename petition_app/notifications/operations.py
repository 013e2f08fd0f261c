"""Fan-out of bulk mail to signers (milestones, answers, organizers' updates). Unlike other operations
a fan-out commits once per mail: each delivery is recorded the moment the SMTP server accepts it, so a
run that is killed leaves an exact record and the next run sends only what is missing."""
from collections.abc import Callable, Sequence
from email.message import EmailMessage
from typing import Any

from flask import current_app
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from .. import mail
from ..extensions import db
from ..logging_privacy import redact
from ..signing.models import Signature
from .models import Delivery


def _pending_batch(kind: str, ref_id: int, criteria: Sequence[Any], after_id: int, size: int) -> list[Signature]:
    """A batch at a time keeps memory flat; skipping delivered signers makes a second run send only what is missing."""
    delivered = exists().where(
        Delivery.kind == kind, Delivery.ref_id == ref_id, Delivery.signature_id == Signature.id
    )
    return list(
        db.session.scalars(
            select(Signature).where(*criteria, Signature.id > after_id, ~delivered).order_by(Signature.id).limit(size)
        )
    )


def _record(kind: str, ref_id: int, signature_id: int, error: str | None = None) -> None:
    """Committed per mail, so a run that is killed leaves an exact record of who was reached."""
    db.session.add(
        Delivery(kind=kind, ref_id=ref_id, signature_id=signature_id, status="failed" if error else "sent", error=error)
    )
    try:
        db.session.commit()
    except IntegrityError:  # another run of the same fan-out got there first
        db.session.rollback()


def fan_out(
    kind: str, ref_id: int, criteria: Sequence[Any], build: Callable[[Signature], EmailMessage]
) -> tuple[int, int]:
    """Send `build(signature)` to every signer matching `criteria` who has no delivery record for
    (kind, ref_id) yet, in batches over one SMTP connection each.

    Signers are walked by id, a batch at a time, so memory stays flat however many there are. Each mail
    is recorded the moment the server accepts it, so a run that is killed leaves an exact record and a
    second run sends only what is missing. A recipient the server refuses for good is recorded as failed
    and not tried again; any other error (server down, temporary refusal) ends the run with the exception
    so that RQ retries it later with backoff.
    """
    size = current_app.config["FANOUT_BATCH_SIZE"]
    after_id, sent, failed = 0, 0, 0
    while True:
        batch = _pending_batch(kind, ref_id, criteria, after_id, size)
        if not batch:
            return sent, failed
        after_id = batch[-1].id
        messages = [(signature.id, build(signature)) for signature in batch]
        db.session.rollback()  # end the read transaction; nothing holds rows while talking to SMTP
        with mail.connection() as connection:
            for signature_id, message in messages:
                try:
                    connection.send(message)
                except Exception as error:
                    if not mail.is_permanent_failure(error):
                        raise
                    _record(kind, ref_id, signature_id, error=redact(str(error))[:300])
                    failed += 1
                    continue
                _record(kind, ref_id, signature_id)
                sent += 1
