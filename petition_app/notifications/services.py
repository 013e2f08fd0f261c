"""Fan-out of bulk mail to signers, and the milestone announcements built on it."""
import logging
from datetime import timedelta

from flask import current_app
from flask_babel import format_decimal, gettext
from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError

from .. import mail
from ..campaigns.models import Milestone
from ..extensions import db
from ..links import external_url
from ..signing.mailing import signer_message
from ..signing.models import Signature
from ..timeutil import utcnow
from ..logging_privacy import redact
from .models import Delivery

log = logging.getLogger(__name__)


def _pending_batch(kind, ref_id, criteria, after_id, size):
    delivered = exists().where(
        Delivery.kind == kind, Delivery.ref_id == ref_id, Delivery.signature_id == Signature.id
    )
    return db.session.scalars(
        select(Signature).where(*criteria, Signature.id > after_id, ~delivered).order_by(Signature.id).limit(size)
    ).all()


def _record(kind, ref_id, signature_id, error=None):
    db.session.add(
        Delivery(kind=kind, ref_id=ref_id, signature_id=signature_id, status="failed" if error else "sent", error=error)
    )
    try:
        db.session.commit()
    except IntegrityError:  # another run of the same fan-out got there first
        db.session.rollback()


def opted_in(campaign_id):
    """Who bulk mail about a campaign goes to: counted signers who asked for updates."""
    return (Signature.campaign_id == campaign_id, Signature.wants_updates.is_(True), Signature.counted())


def fan_out(kind, ref_id, criteria, build):
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


def announce_milestone(milestone_id):
    """Tell the organizers and every confirmed signer who asked for updates that a goal was reached.

    Only signers confirmed by the moment the goal was reached get the mail. Safe to run again at any
    point: the organizers' mail is marked once sent, and the fan-out skips signers already reached.
    """
    milestone = db.session.get(Milestone, milestone_id)
    if milestone is None or milestone.announced_at is not None:
        return
    campaign = milestone.campaign
    goals = campaign.goals
    later_goals = [g for g in goals if g > milestone.goal]
    context = {"goal": milestone.goal, "next_goal": later_goals[0] if later_goals else None}

    if milestone.organizers_told_at is None:
        locale = campaign.organizer_language
        title = campaign.text("title", locale)
        message = mail.build_message(
            campaign.organizer_email, "milestone_organizers", locale,
            lambda: gettext("Your campaign reached %(goal)s signatures", goal=format_decimal(milestone.goal)),
            campaign_title=title, organizer_name=campaign.organizer_name,
            campaign_url=external_url("campaigns.show", slug=campaign.slug, lang=locale), **context,
        )
        mail.send([message])
        db.session.execute(update(Milestone).where(Milestone.id == milestone.id).values(organizers_told_at=utcnow()))
        db.session.commit()

    def build(signature):
        return signer_message(
            signature, "milestone_signer",
            lambda title: gettext("%(goal)s signatures: %(title)s", goal=format_decimal(milestone.goal), title=title),
            bulk=True, **context,
        )

    criteria = (*opted_in(campaign.id), Signature.confirmed_at <= milestone.reached_at)
    sent, failed = fan_out("milestone", milestone.id, criteria, build)
    db.session.execute(update(Milestone).where(Milestone.id == milestone_id).values(announced_at=utcnow()))
    db.session.commit()
    log.info("milestone %s of campaign %s announced: %s sent, %s refused", milestone.goal, campaign.id, sent, failed)


def unfinished_milestones(older_than=timedelta(minutes=10)):
    """Milestones whose announcement never finished (a worker died, Redis was down), for the sweep."""
    cutoff = utcnow() - older_than
    return db.session.scalars(
        select(Milestone.id).where(Milestone.announced_at.is_(None), Milestone.reached_at <= cutoff)
    ).all()
