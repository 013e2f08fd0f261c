"""Answers from recipients, and telling signers that a recipient answered."""
from flask import current_app
from flask_babel import gettext
from sqlalchemy import update

from ..campaigns.models import Recipient
from ..extensions import db
from ..jobs import enqueue_after_commit
from ..letters.models import Handover
from ..links import external_url
from ..notifications.services import fan_out, opted_in
from ..signing.mailing import signer_message
from ..timeutil import utcnow
from ..tokens import TokenInvalid, read_token
from .models import Answer


def recipient_for_token(token):
    """The recipient a private answer link belongs to; the link is the only key to its page."""
    payload = read_token("respond", token, current_app.config["RESPOND_TOKEN_MAX_AGE"])
    recipient = db.session.get(Recipient, payload.get("r")) if isinstance(payload, dict) else None
    if recipient is None:
        raise TokenInvalid()
    return recipient


def mark_opened(recipient):
    """The hand-over log says whether the recipient opened their page: the first visit is recorded."""
    db.session.execute(
        update(Handover)
        .where(Handover.recipient_id == recipient.id, Handover.sent_at.is_not(None), Handover.opened_at.is_(None))
        .values(opened_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def save_answers(recipient, answers):
    """Store the recipient's answers, `{demand_id: (status, text)}`, for its own demands only. The first
    time a recipient answers anything, signers who asked for updates are told (once)."""
    own = {demand.id: demand for demand in recipient.demands}
    had_answers = any(demand.answer is not None for demand in own.values())
    changed = 0
    for demand_id, (status, text) in answers.items():
        demand = own.get(demand_id)
        if demand is None or not status:
            continue
        answer = demand.answer or Answer(demand_id=demand.id)
        if answer.id is None or answer.status != status or answer.text != text:
            answer.status, answer.text, answer.answered_at = status, text, utcnow()
            db.session.add(answer)
            changed += 1
    if changed and not had_answers:
        from ..jobs.letters import announce_answer

        enqueue_after_commit(announce_answer, recipient.id)
    db.session.commit()
    return changed


def announce_answer(recipient_id):
    """Tell every confirmed signer who asked for updates that this recipient answered, in their language."""
    recipient = db.session.get(Recipient, recipient_id)
    if recipient is None:
        return
    campaign = recipient.campaign

    def build(signature):
        return signer_message(
            signature, "answer_to_signers",
            lambda title: gettext("%(recipient)s answered: %(title)s", recipient=recipient.name, title=title),
            bulk=True, recipient_name=recipient.name,
            answers_url=external_url(
                "campaigns.show", slug=campaign.slug, lang=signature.locale, _anchor=f"recipient-{recipient.key}"
            ),
        )

    fan_out("answer", recipient.id, opted_in(campaign.id), build)

