"""Letters to recipients: compiling them (one per recipient and language, with only that recipient's
demands), handing them over by mail with a private answer link, and reminding recipients who stay silent."""
import io
import logging
from pathlib import Path

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import func, select, update

from .. import mail
from ..campaigns.models import Campaign, Demand
from ..extensions import db
from ..jobs import enqueue_after_commit
from ..links import external_url
from ..signing.models import Signature
from ..timeutil import utcnow
from ..tokens import make_token
from .models import Handover, Letter
from .pdf import LetterContent, write_letter_pdf

log = logging.getLogger(__name__)

LANGUAGES = ("nl", "en")


def _named_signers_filter(campaign_id):
    return (
        Signature.campaign_id == campaign_id,
        Signature.named(),
    )


def named_signers(campaign_id):
    """(name, city) of the confirmed signers who agreed to be named, in signing order, streamed from
    the database a thousand rows at a time: the annex may hold a hundred thousand names."""
    query = (
        select(Signature.name, Signature.city)
        .where(*_named_signers_filter(campaign_id))
        .order_by(Signature.created_at, Signature.id)
        .execution_options(yield_per=1000)
    )
    return (tuple(row) for row in db.session.execute(query))


def _letter_content(recipient, locale, count, named_count):
    campaign = recipient.campaign
    reached = [g for g in campaign.goals if g <= count]
    return LetterContent(
        campaign_title=campaign.text("title", locale),
        campaign_summary=campaign.text("summary", locale),
        organizer_name=campaign.organizer_name,
        recipient_name=recipient.name,
        demands=[demand.text(locale) for demand in recipient.demands],
        signature_count=count,
        goal=reached[-1] if reached else campaign.next_goal,
        goal_reached=bool(reached),
        letter_date=utcnow().date(),
        campaign_url=external_url("campaigns.show", slug=campaign.slug, lang=locale),
        named_count=named_count,
    )


def render_letter(recipient, locale, out):
    """Write one recipient's letter in `locale` to the binary stream `out`; returns its content."""
    campaign = recipient.campaign
    named_count = db.session.scalar(select(func.count()).select_from(Signature).where(*_named_signers_filter(campaign.id)))
    content = _letter_content(recipient, locale, campaign.confirmed_count, named_count)
    with force_locale(locale):
        write_letter_pdf(out, content, named_signers(campaign.id), locale)
    return content


def write_letters(campaign, folder):
    """Write `<recipient-key>.<lang>.pdf` for every recipient and both languages into `folder`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for recipient in campaign.recipients:
        for locale in LANGUAGES:
            path = folder / f"{recipient.key}.{locale}.pdf"
            with path.open("wb") as out:
                render_letter(recipient, locale, out)
            written.append(path)
    return written


def compile_letters(campaign_id):
    """Compile and keep the letters of every recipient in both languages, with today's count. Runs when
    the last goal is reached and whenever the organizers ask; each run adds a new set (earlier ones stay
    as the record of what was sent)."""
    campaign = db.session.get(Campaign, campaign_id)
    letters = {}
    for recipient in campaign.recipients:
        for locale in LANGUAGES:
            buffer = io.BytesIO()
            content = render_letter(recipient, locale, buffer)
            letter = Letter(
                recipient_id=recipient.id, language=locale, signature_count=content.signature_count,
                named_count=content.named_count, goal=content.goal, pdf=buffer.getvalue(),
            )
            db.session.add(letter)
            letters[recipient.id, locale] = letter
    db.session.commit()
    return letters


def latest_letter(recipient_id, locale):
    return db.session.scalar(
        select(Letter).where(Letter.recipient_id == recipient_id, Letter.language == locale).order_by(Letter.id.desc()).limit(1)
    )


def send_letters(campaign_id):
    """Hand the letters over: compile them with today's count, log a hand-over per recipient, and
    queue one mail each (after the commit, so a hand-over in the log always has its letters)."""
    from ..jobs.letters import deliver_handover

    letters = compile_letters(campaign_id)
    campaign = db.session.get(Campaign, campaign_id)
    handovers = []
    for recipient in campaign.recipients:
        nl, en = letters[recipient.id, "nl"], letters[recipient.id, "en"]
        handover = Handover(recipient_id=recipient.id, letter_nl_id=nl.id, letter_en_id=en.id, signature_count=nl.signature_count)
        db.session.add(handover)
        handovers.append(handover)
    db.session.flush()
    for handover in handovers:
        enqueue_after_commit(deliver_handover, handover.id)
    db.session.commit()
    return [h.id for h in handovers]


def answer_url(recipient):
    return external_url("responses.respond", token=make_token("respond", {"r": recipient.id}), lang=recipient.language)


def _recipient_mail(handover, template, subject):
    recipient = handover.recipient
    campaign = recipient.campaign
    locale = recipient.language
    return mail.build_message(
        recipient.email, template, locale, subject,
        recipient=recipient, campaign_title=campaign.text("title", locale), organizer_name=campaign.organizer_name,
        count=handover.signature_count, answer_url=answer_url(recipient),
        campaign_url=external_url("campaigns.show", slug=campaign.slug, lang=locale),
        demand_count=len(recipient.demands),
    )


def deliver_handover(handover_id):
    """Mail a recipient its letters (both languages attached) and the private link to answer them.
    Skips a hand-over already sent, so the job can run twice."""
    handover = db.session.get(Handover, handover_id)
    if handover is None or handover.sent_at is not None:
        return False
    title = handover.recipient.campaign.text("title", handover.recipient.language)
    message = _recipient_mail(handover, "letter_to_recipient", lambda: gettext("Petition: %(title)s", title=title))
    for letter in (handover.letter_nl, handover.letter_en):
        message.add_attachment(
            letter.pdf, maintype="application", subtype="pdf", filename=f"{handover.recipient.key}.{letter.language}.pdf"
        )
    mail.send([message])
    db.session.execute(update(Handover).where(Handover.id == handover_id).values(sent_at=utcnow()))
    db.session.commit()
    return True


def send_due_reminders(now=None):
    """Remind each recipient whose latest hand-over is unanswered after REMINDER_INTERVAL, at most
    MAX_REMINDERS times. Each reminder is claimed in the database before it is sent, so two sweeps
    running at once never remind twice."""
    from ..responses.models import Answer

    now = now or utcnow()
    interval = current_app.config["REMINDER_INTERVAL"]
    latest = select(func.max(Handover.id)).where(Handover.sent_at.is_not(None)).group_by(Handover.recipient_id)
    answered = select(Demand.recipient_id).join(Answer, Answer.demand_id == Demand.id)
    due = db.session.scalars(
        select(Handover).where(
            Handover.id.in_(latest),
            Handover.sent_at <= now - interval,
            Handover.reminders_sent < current_app.config["MAX_REMINDERS"],
            (Handover.last_reminder_at.is_(None)) | (Handover.last_reminder_at <= now - interval),
            Handover.recipient_id.not_in(answered),
        )
    ).all()
    sent = 0
    for handover in due:
        claimed = db.session.execute(
            update(Handover)
            .where(Handover.id == handover.id, Handover.reminders_sent == handover.reminders_sent)
            .values(reminders_sent=Handover.reminders_sent + 1, last_reminder_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        if not claimed:
            continue
        title = handover.recipient.campaign.text("title", handover.recipient.language)
        mail.send([_recipient_mail(handover, "reminder_to_recipient", lambda: gettext("Reminder: %(title)s", title=title))])
        sent += 1
    return sent

