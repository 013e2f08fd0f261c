"""Changes by recipients (their answers, the first visit of their page) and the reminders to silent
ones. Operations flush; the caller commits once, and the mails follow through jobs."""
from datetime import datetime

from flask import current_app
from sqlalchemy import update

from ..campaigns.models import Recipient
from ..extensions import db, rowcount
from ..jobs import enqueue_after_commit, job_by_path
from ..letters.models import Handover
from ..timeutil import utcnow
from .models import Answer
from .queries import unanswered_handovers

# The jobs queued here, by path: tasks.py imports this module (its jobs run operations), so this one
# names its jobs instead of importing them (tests/test_domain_rooms.py checks that each names a job).
ANNOUNCE_ANSWER = "petition_app.responses.tasks.announce_answer"
SEND_REMINDER = "petition_app.responses.tasks.send_reminder"


def mark_opened(recipient: Recipient) -> None:
    """The hand-over log says whether the recipient opened their page: the first visit is recorded."""
    db.session.execute(
        update(Handover)
        .where(Handover.recipient_id == recipient.id, Handover.sent_at.is_not(None), Handover.opened_at.is_(None))
        .values(opened_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def save_answers(recipient: Recipient, answers: dict[int, tuple[str, str]], language: str | None = None,
                 translations: dict[int, str] | None = None) -> int:
    """Store the recipient's answers, `{demand_id: (status, text)}`, for its own demands only, with the
    language the texts are written in and, in `translations`, the recipient's own version of a text in
    the other language (optional). The first time a recipient answers anything, signers who asked for
    updates are told (once)."""
    translations = translations or {}
    own = {demand.id: demand for demand in recipient.demands}
    had_answers = any(demand.answer is not None for demand in own.values())
    changed = 0
    for demand_id, (status, text) in answers.items():
        demand = own.get(demand_id)
        if demand is None or not status:
            continue
        answer = demand.answer or Answer(demand_id=demand.id)
        translation = translations.get(demand_id, "") if text else ""
        if (answer.id is None or answer.status != status or answer.text != text or answer.language != language
                or answer.translation != translation):
            answer.status, answer.text, answer.language, answer.answered_at = status, text, language, utcnow()
            answer.translation = translation
            db.session.add(answer)
            changed += 1
    if changed and not had_answers:
        enqueue_after_commit(job_by_path(ANNOUNCE_ANSWER), recipient.id)
    db.session.flush()
    return changed


def claim_due_reminders(now: datetime | None = None) -> list[int]:
    """Claim a reminder for each recipient whose latest hand-over is unanswered after REMINDER_INTERVAL,
    at most MAX_REMINDERS times, and queue its mail after the commit. A claim is a conditional update,
    so two runs at once never remind twice. Returns the hand-overs reminded."""
    now = now or utcnow()
    interval = current_app.config["REMINDER_INTERVAL"]
    due = unanswered_handovers(now - interval, current_app.config["MAX_REMINDERS"])
    claimed_ids = []
    for handover in due:
        claimed = rowcount(db.session.execute(
            update(Handover)
            .where(Handover.id == handover.id, Handover.reminders_sent == handover.reminders_sent)
            .values(reminders_sent=Handover.reminders_sent + 1, last_reminder_at=now)
            .execution_options(synchronize_session=False)
        ))
        if claimed:
            enqueue_after_commit(job_by_path(SEND_REMINDER), handover.id)
            claimed_ids.append(handover.id)
    return claimed_ids
