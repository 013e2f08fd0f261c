"""Recording a bounce piped in by the MTA. Operations flush; the caller (`flask mail bounce`) commits."""
from __future__ import annotations

from sqlalchemy import select

from .. import mail
from ..accounts.models import User
from ..extensions import db
from ..jobs import enqueue_after_commit
from ..letters.models import Handover
from ..mail.models import BounceType, MailBounce
from ..signing.models import Signature
from . import tasks
from .dsn import read_reports


def _address_of(about: mail.About, ref_id: int) -> str | None:
    """The address the mail went to, from our own records: a DSN may name an alias it expanded."""
    if about == mail.About.SIGNATURE:
        signature = db.session.get(Signature, ref_id)
        return signature.email if signature is not None else None
    if about == mail.About.HANDOVER:
        handover = db.session.get(Handover, ref_id)
        return handover.recipient.email if handover is not None else None
    if about == mail.About.USER:
        user = db.session.get(User, ref_id)
        return user.email if user is not None else None
    return None


def record_bounce(envelope_to: str, data: bytes) -> list[MailBounce]:
    """Record the DSN `data` that came back to `envelope_to` (a VERP address of ours). Nothing for an
    address we did not make, a forged token, or a message that reports no failure or delay.

    A hard bounce of a letter's mail is told to the campaign's organizers and the moderators, once per
    hand-over (a DSN piped twice tells them once). What is kept is the hash of the address, never the
    address: a signer's bounce shows nowhere, and only keeps bulk mail from the address for good."""
    named = mail.read_bounce_token(envelope_to)
    if named is None:
        return []
    about, ref_id = named
    recorded = []
    for report in read_reports(data):
        address = _address_of(about, ref_id) or report.address
        letter_lost = about == mail.About.HANDOVER and report.type == BounceType.HARD
        told_before = letter_lost and db.session.scalar(select(MailBounce.id).where(
            MailBounce.about == about.value, MailBounce.ref_id == ref_id, MailBounce.type == BounceType.HARD
        ).limit(1)) is not None
        bounce = MailBounce(
            about=about.value, ref_id=ref_id, address_hash=mail.address_hash(address), type=report.type.value,
            status=report.status,
        )
        db.session.add(bounce)
        db.session.flush()
        recorded.append(bounce)
        if letter_lost and not told_before:
            enqueue_after_commit(tasks.tell_letter_bounced, bounce.id)
    return recorded
