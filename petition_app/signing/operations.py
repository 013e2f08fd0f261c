"""The path of a signature: signing, confirming, changing details, withdrawing. Counting and
milestones are decided here and nowhere else (keeping the count true and purging live in upkeep.py).
Operations flush; the request, job or command around them commits once.

The mails are jobs of tasks.py, queued by path (`job_by_path`): tasks.py imports this module (a mail
job may make a sign request), so this one names its jobs instead of importing them."""
import logging
from dataclasses import dataclass
from typing import Any, cast

from flask import current_app
from sqlalchemy import Table, and_, case, delete, insert, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..campaigns.models import Campaign
from ..campaigns.operations import add_to_count
from ..extensions import db, rowcount
from ..jobs import enqueue_after_commit, job_by_path
from ..rules import SuspectReason, normalise_email, uniqueness_key
from ..timeutil import utcnow
from ..tokens import Purpose
from .abuse import assess, hash_ip
from .inputs import Details, SignatureInput
from .mailing import MAIL_ALREADY_SIGNED, MAIL_CONFIRM
from .models import Signature, SignRequest, new_leaf_secret, new_secret
from .queries import (
    Pending,
    confirmed_signature_for_change,
    signature_exists,
    signature_for_unsubscribe,
    signature_from_link,
)

log = logging.getLogger(__name__)

# The jobs queued here, by path (tests/test_domain_rooms.py checks that each names a job).
SEND_SIGNATURE_MAIL = "petition_app.signing.tasks.send_signature_mail"
SEND_WITHDRAWAL_RECEIPT = "petition_app.signing.tasks.send_withdrawal_receipt"


@dataclass
class Confirmation:
    campaign: Campaign
    newly_confirmed: bool


class SigningError(Exception):
    """A domain error the web layer turns into a translated message."""


class CampaignClosed(SigningError):
    """The campaign no longer takes signatures."""


class ConfirmationClosed(SigningError):
    """The campaign closed more than the grace period ago: a late confirmation no longer counts."""


def _insert_or_nothing(table: Any) -> Any:
    """`INSERT ... ON CONFLICT DO NOTHING` in the dialect in use (PostgreSQL, or SQLite 3.35 and later
    for its RETURNING): SQLAlchemy's generic insert has no ON CONFLICT."""
    if db.session.get_bind().dialect.name == "postgresql":
        return postgresql_insert(table)
    return sqlite_insert(table)


def sign(campaign: Campaign, data: SignatureInput) -> None:
    """Record a sign request and queue the right mail to the owner of the address.

    Whatever happens, the caller answers the same way, so nobody can learn from the response whether an
    address has signed: the difference is only in the mail that the owner of the address receives.
    Nor from the time it takes: a new address and a known one each cost three statements, each of
    them writing one row of the signature (its insert, or the count of mails asked for), one mail job
    and, for a signature still to be confirmed, its sign request (bench/timing.py measures it).

    The common case, a new address, is one `INSERT ... ON CONFLICT DO NOTHING RETURNING` in SQLAlchemy
    Core (no ORM, no savepoint: issue 12, the lean signing path); a conflict means the address is
    known, and one `UPDATE ... RETURNING` then counts the mail and reads what the signature is now.

    The request's details (name, city, choices, language) are kept as a SignRequest and reach the
    signature only through the confirmation link in that request's own mail, so a request by anyone
    else never changes what the owner confirmed. An address that already confirmed gets an "already
    signed" mail with a link to change its details; nothing of the request is applied.

    A blocklisted request is answered the same, but nothing is mailed and it is never counted. A
    request beyond the soft limits of its client address is flagged for the moderators and otherwise
    treated like any other: mailed, and counted once confirmed.
    """
    if not campaign.accepts_signatures():
        raise CampaignClosed()
    email = normalise_email(data.email)
    email_key = uniqueness_key(email)  # one person, one signature; the mail goes to `email` as typed
    assessment = assess(campaign.id, email, data.ip)
    details = data.details().values()
    table = cast(Table, Signature.__table__)  # Core, not the ORM: these statements need none of its bookkeeping
    # Unconfirmed, it is on no list and in no count; confirming sets the details the owner chose.
    signature_id = db.session.scalar(
        _insert_or_nothing(table)
        .values(
            campaign_id=campaign.id,
            email=email,
            email_key=email_key,
            ip_hash=hash_ip(data.ip),
            source=data.source,
            suspect_reason=SuspectReason.BLOCKED if assessment.blocked else None,
            review_flag=assessment.flag,
            mails_requested=0 if assessment.blocked else 1,
            **details,
        )
        .on_conflict_do_nothing(index_elements=[table.c.campaign_id, table.c.email_key])
        .returning(table.c.id)
    )
    if assessment.blocked:
        return
    if signature_id is not None:  # a new address: its first mail
        _queue_confirmation(signature_id, 1, details)
        return
    if not _sign_known(campaign, email_key, assessment, details):
        # The row was deleted between the two statements (a withdrawal's receipt forgetting it): sign
        # as a new address, so that the request the person just made is not lost (issue 18).
        if signature_exists(campaign.id, email_key):
            return  # enough mails to this address already
        sign(campaign, data)


def _sign_known(campaign: Campaign, email_key: str, assessment: Any, details: dict[str, Any]) -> bool:
    """The second statement of signing with a known address: False when it found no row to update
    (the cap of mails reached, or the row gone a moment ago)."""
    table = cast(Table, Signature.__table__)
    # A known address. The mail is counted against the cap, so that nobody floods an inbox through us;
    # a flag of the soft limits marks a signature still to be confirmed that has none yet.
    values: dict[str, Any] = {"mails_requested": table.c.mails_requested + 1}
    if assessment.flag is not None:
        values["review_flag"] = case(
            (and_(table.c.confirmed_at.is_(None), table.c.review_flag.is_(None)), assessment.flag),
            else_=table.c.review_flag,
        )
    known = db.session.execute(
        update(table)
        .where(
            table.c.campaign_id == campaign.id,
            table.c.email_key == email_key,
            table.c.mails_requested < current_app.config["MAX_MAILS_PER_SIGNATURE"],
        )
        .values(values)
        .returning(table.c.id, table.c.mails_requested, table.c.confirmed_at, table.c.withdrawn_at)
    ).first()
    if known is None:  # enough mails to this address already, or the row is gone
        return False
    if known.withdrawn_at is not None:
        # Signing again in the moment between withdrawing and the receipt: a fresh, unconfirmed start
        # with a new secret, so that no link of the withdrawn signature works again.
        db.session.execute(
            update(Signature)
            .where(Signature.id == known.id)
            .values(withdrawn_at=None, secret=new_secret(), leaf_secret=new_leaf_secret(), **details)
            .execution_options(synchronize_session=False)
        )
    elif known.confirmed_at is not None:
        enqueue_after_commit(job_by_path(SEND_SIGNATURE_MAIL), known.id, MAIL_ALREADY_SIGNED, known.mails_requested)
        return True
    _queue_confirmation(known.id, known.mails_requested, details)
    return True


def _queue_confirmation(signature_id: int, request_no: int, details: dict[str, Any]) -> None:
    """The sign request whose details the confirmation link will confirm, and its mail."""
    requests = cast(Table, SignRequest.__table__)
    request_id = db.session.scalar(insert(requests).values(signature_id=signature_id, **details).returning(requests.c.id))
    enqueue_after_commit(job_by_path(SEND_SIGNATURE_MAIL), signature_id, MAIL_CONFIRM, request_no, request_id)


def request_from_signature(signature: Signature) -> SignRequest:
    """A request with the signature's own details: for a confirmation mail queued before requests
    existed, and for signatures inserted directly (tests, benchmarks)."""
    sign_request = SignRequest(signature_id=signature.id, **Details.of(signature).values())
    db.session.add(sign_request)
    db.session.flush()
    return sign_request


def withdraw(token: str) -> Campaign:
    """Take a signature back: it stops counting at once (the count drops in the same transaction), it
    leaves every list, letter and mailing, and a receipt job mails the signer and then deletes the row.
    Its secret is replaced at once, so every link to it is void from now on. Milestones already
    reached stay reached."""
    signature = signature_from_link(Purpose.WITHDRAW, token)
    campaign = signature.campaign
    marked = rowcount(db.session.execute(
        update(Signature)
        .where(Signature.id == signature.id, Signature.withdrawn_at.is_(None))
        .values(withdrawn_at=utcnow(), wants_updates=False, is_public=False, secret=new_secret())
        .execution_options(synchronize_session=False)
    ))
    if not marked:  # withdrawn a moment ago by another request
        return campaign
    db.session.execute(delete(SignRequest).where(SignRequest.signature_id == signature.id))
    was_counted = rowcount(db.session.execute(
        update(Signature)
        .where(Signature.id == signature.id, Signature.confirmed_at.is_not(None))
        .values(confirmed_at=None)
        .execution_options(synchronize_session=False)
    ))
    if was_counted:
        db.session.execute(
            update(Campaign)
            .where(Campaign.id == campaign.id)
            .values(confirmed_count=Campaign.confirmed_count - 1)
            .execution_options(synchronize_session=False)
        )
    enqueue_after_commit(job_by_path(SEND_WITHDRAWAL_RECEIPT), signature.id)
    return campaign


def stop_updates(token: str) -> Signature:
    """One click in a mail (or the mail program's own unsubscribe button) ends all bulk mail to this
    signer for this campaign; the signature itself stays and keeps counting."""
    signature = signature_for_unsubscribe(token)
    signature.wants_updates = False
    return signature


def change_details(token: str, details: Details) -> Signature:
    """The owner of a confirmed signature changes its name, city or choices, from the link in a mail
    (the "already signed" mail offers it). The count does not change; the wall and the next letters
    show the new details."""
    signature = confirmed_signature_for_change(token)
    for column, value in details.values().items():
        setattr(signature, column, value)
    db.session.flush()
    return signature


def verify(pending: Pending, chosen: Details | None = None) -> Confirmation:
    """Confirm a signature with the details of the request whose mail carried the link
    (pending_for_token), or with the details the owner corrected on the confirmation page (`chosen`).
    Nothing else ever sets them.

    The first confirmation marks it, sets its details and raises the campaign's count in the same
    transaction, atomically in the database, so concurrent confirmations each count exactly once and
    exactly one of them sees the count land on a goal; that one records the milestone and announces it
    (campaigns.operations.add_to_count, the one path to milestones, also for paper signatures).
    Confirming deletes every pending request of the signature: no later click changes the details.
    Three statements in all (issue 12: confirmations at the rate of a viral day).
    """
    signature = pending.signature
    campaign = signature.campaign
    if signature.confirmed_at is not None:
        return Confirmation(campaign, newly_confirmed=False)
    if not campaign.accepts_confirmations():
        raise ConfirmationClosed()
    now = utcnow()
    details = chosen or pending.details()
    marked = rowcount(db.session.execute(
        update(Signature)
        .where(Signature.id == signature.id, Signature.confirmed_at.is_(None), Signature.withdrawn_at.is_(None))
        .values(confirmed_at=now, **details.values())
        .execution_options(synchronize_session=False)
    ))
    if marked != 1:  # confirmed a moment ago by another request
        return Confirmation(campaign, newly_confirmed=False)
    db.session.execute(
        delete(SignRequest).where(SignRequest.signature_id == signature.id).execution_options(synchronize_session=False)
    )
    if signature.suspect_reason is not None:  # confirmed, and answered as such, but never counted
        return Confirmation(campaign, newly_confirmed=True)
    add_to_count(campaign, online=1, now=now)
    return Confirmation(campaign, newly_confirmed=True)
