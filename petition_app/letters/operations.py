"""Changes for letters: compiling a set, handing it over to the recipients, and emptying the letters of
campaigns whose signers' data was deleted. Operations flush; the caller commits once."""
import io
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from ..campaigns.models import Campaign, Recipient
from ..extensions import db, rowcount
from ..jobs import enqueue_after_commit, job_by_path
from ..rules import LANGUAGES
from ..timeutil import utcnow
from .documents import render_letter
from .models import Handover, Letter
from .records import PreparedRecord, prepare_record, write_record

# The jobs queued here, by path: tasks.py imports this module (its jobs run operations), so this one
# names its jobs instead of importing them (tests/test_domain_rooms.py checks that each names a job).
DELIVER_HANDOVER = "petition_app.letters.tasks.deliver_handover"
COMPILE_LETTERS = "petition_app.letters.tasks.compile_letters"

#: A recipient is handed its letters at most once in this time, however often anyone presses the button.
RESEND_AFTER = timedelta(hours=24)


def due(last_sent_at: datetime | None, now: datetime) -> bool:
    """Whether a recipient last handed its letters at `last_sent_at` may be handed them again now."""
    if last_sent_at is None:
        return True
    if last_sent_at.tzinfo is None:  # SQLite hands back naive UTC moments
        last_sent_at = last_sent_at.replace(tzinfo=now.tzinfo)
    return now - last_sent_at >= RESEND_AFTER


def compile_letter_set(
    campaign_id: int, recipient_ids: Iterable[int] | None = None, record: PreparedRecord | None = None
) -> dict[tuple[int, str], Letter]:
    """Compile and keep the letters of every recipient (or of `recipient_ids`) in both languages, with
    today's count. Runs when the last goal is reached and whenever the organizers ask; each run adds a
    new set (earlier ones stay as the record of what was sent). With a `record` (a hand-over), each letter
    prints the record's address and root and states the record's online count."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise LookupError(f"no campaign {campaign_id}")
    wanted = set(recipient_ids) if recipient_ids is not None else None
    letters = {}
    for recipient in campaign.recipients:
        if wanted is not None and recipient.id not in wanted:
            continue
        for locale in LANGUAGES:
            buffer = io.BytesIO()
            content = render_letter(recipient, locale, buffer, record)
            letter = Letter(
                recipient_id=recipient.id, language=locale, signature_count=content.signature_count,
                paper_count=content.paper_count, named_count=content.named_count, goal=content.goal, pdf=buffer.getvalue(),
            )
            db.session.add(letter)
            letters[recipient.id, locale] = letter
    db.session.flush()
    return letters


def _claim(recipient_id: int, now: datetime) -> bool:
    """Claim a recipient's hand-over for now, unless it had one within RESEND_AFTER. A conditional
    update: of two requests at once, only one claims."""
    return rowcount(db.session.execute(
        update(Recipient)
        .where(
            Recipient.id == recipient_id,
            or_(Recipient.letters_sent_at.is_(None), Recipient.letters_sent_at <= now - RESEND_AFTER),
        )
        .values(letters_sent_at=now)
        .execution_options(synchronize_session=False)
    )) == 1


def send_letters(campaign_id: int, now: datetime | None = None) -> list[int]:
    """Hand the letters over: compile them with today's count, log a hand-over per recipient, and
    queue one mail each (after the commit, so a hand-over in the log always has its letters), and write
    the hand-over's public letter record (letters/records.py). A
    recipient handed its letters less than RESEND_AFTER ago is left out. Returns the hand-overs made."""
    now = now or utcnow()
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise LookupError(f"no campaign {campaign_id}")
    claimed = [recipient.id for recipient in campaign.recipients if _claim(recipient.id, now)]
    if not claimed:
        return []
    # The record first (its number, address and root are printed on every PDF), then the PDFs, then
    # their hashes into the record: all in this one transaction (docs/verifiable-letters.md).
    record = prepare_record(campaign, now)
    letters = compile_letter_set(campaign_id, claimed, record)
    write_record(record, letters.values())
    handovers = []
    for recipient in campaign.recipients:
        if recipient.id not in claimed:
            continue
        nl, en = letters[recipient.id, "nl"], letters[recipient.id, "en"]
        handover = Handover(recipient_id=recipient.id, letter_nl_id=nl.id, letter_en_id=en.id, signature_count=nl.signature_count,
                            paper_count=nl.paper_count)
        db.session.add(handover)
        handovers.append(handover)
    db.session.flush()
    for handover in handovers:
        enqueue_after_commit(job_by_path(DELIVER_HANDOVER), handover.id)
    return [h.id for h in handovers]


def compile_later(campaign_id: int) -> None:
    """Queue a fresh set of letters with the count of the moment the job runs (after the commit)."""
    enqueue_after_commit(job_by_path(COMPILE_LETTERS), campaign_id)


def empty_purged_letters() -> int:
    """Empty the stored letters of campaigns whose signers' personal data was deleted after closing:
    their annex names people. The letters' counts and dates stay as the record. Returns how many."""
    purged = select(Recipient.id).join(Campaign).where(Campaign.personal_data_purged_at.is_not(None))
    return rowcount(db.session.execute(
        update(Letter)
        .where(Letter.recipient_id.in_(purged), Letter.pdf != b"")
        .values(pdf=b"")
        .execution_options(synchronize_session=False)
    ))
