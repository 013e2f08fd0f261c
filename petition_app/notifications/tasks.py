"""Jobs that follow a goal being reached: the announcement to organizers and signers, and its
periodic resumption when a worker died half-way."""
import logging
from datetime import timedelta
from email.message import EmailMessage

from flask_babel import format_decimal, gettext, ngettext
from sqlalchemy import update

from .. import mail
from ..campaigns.models import Milestone
from ..extensions import db
from ..jobs import dispatch, enqueue_after_commit, job
from ..links import external_url
from ..signals import goal_reached
from ..signing.mailing import signer_message
from ..signing.models import Signature
from ..timeutil import utcnow
from .operations import fan_out
from .queries import opted_in, unfinished_milestones

log = logging.getLogger(__name__)


@goal_reached.connect
def _announce_when_reached(campaign_id: int, milestone_id: int, final: bool) -> None:
    """Queue the announcement in the transaction that recorded the milestone."""
    enqueue_after_commit(announce_milestone, milestone_id)


@job("milestones", retry="MAIL_RETRY_INTERVALS")
def announce_milestone(milestone_id: int) -> None:
    """Tell the organizers and every confirmed signer who asked for updates that a goal was reached.

    Enqueued only by the transaction that recorded the milestone (or resumed periodically, for one
    that never finished). Only signers confirmed by the moment the goal was reached get the mail. Safe to run again at any
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
            lambda: ngettext("Your campaign reached %(goal)s signature", "Your campaign reached %(goal)s signatures", milestone.goal, goal=format_decimal(milestone.goal)),
            campaign_title=title, organizer_name=campaign.organizer_name,
            campaign_url=external_url("signing.campaign", slug=campaign.slug, lang=locale), **context,
        )
        mail.send([message])
        db.session.execute(update(Milestone).where(Milestone.id == milestone.id).values(organizers_told_at=utcnow()))
        db.session.commit()  # told: a retry of this job must not tell them again

    def build(signature: Signature) -> EmailMessage:
        """The announcement in the signer's own language, with their own unsubscribe link."""
        return signer_message(
            signature, "milestone_signer",
            lambda title: ngettext("%(goal)s signature: %(title)s", "%(goal)s signatures: %(title)s", milestone.goal, goal=format_decimal(milestone.goal), title=title),
            bulk=True, **context,
        )

    criteria = (*opted_in(campaign.id), Signature.confirmed_at <= milestone.reached_at)
    sent, failed = fan_out("milestone", milestone.id, criteria, build)
    db.session.execute(update(Milestone).where(Milestone.id == milestone_id).values(announced_at=utcnow()))
    log.info("milestone %s of campaign %s announced: %s sent, %s refused", milestone.goal, campaign.id, sent, failed)


@job("default")
def resume_announcements(older_than_minutes: int = 10) -> int:
    """Periodic: hand over again the announcements of milestones whose fan-out never completed (a dead
    worker, a Redis outage). The announcement skips whatever was already sent."""
    milestone_ids = unfinished_milestones(timedelta(minutes=older_than_minutes))
    for milestone_id in milestone_ids:
        dispatch(announce_milestone, milestone_id)
    return len(milestone_ids)
