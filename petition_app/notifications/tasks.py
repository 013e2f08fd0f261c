"""Jobs that follow a goal being reached: the announcement to organizers and signers, and its
periodic resumption when a worker died half-way."""
import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import update

from .. import mail
from ..campaigns.models import CampaignRevision, Milestone
from ..campaigns.queries import replaced_content
from ..extensions import db
from ..rules import DeliveryKind
from ..rules.revisions import RevisionStatus
from ..jobs import dispatch, enqueue_after_commit, job
from ..signing.models import Signature
from ..timeutil import utcnow
from .fanout import run_batch
from .mailing import correction_bulk_mail, milestone_bulk_mail, milestone_organizers_message
from .operations import maybe_done, plan_fan_out
from .queries import opted_in, unfinished_milestones

log = logging.getLogger(__name__)


def announce_when_reached(campaign_id: int, milestone_id: int, final: bool) -> None:
    """Receiver of signals.goal_reached (connected in create_app): queue the announcement in the
    transaction that recorded the milestone."""
    enqueue_after_commit(announce_milestone, milestone_id)


def _milestone_audience(milestone: Milestone) -> tuple[Any, ...]:
    """Only signers confirmed by the moment the goal was reached get the mail."""
    return (*opted_in(milestone.campaign_id), Signature.confirmed_at <= milestone.reached_at)


def _mark_announced(milestone_id: int) -> None:
    db.session.execute(
        update(Milestone).where(Milestone.id == milestone_id, Milestone.announced_at.is_(None)).values(announced_at=utcnow())
    )


@job("milestones", retry="MAIL_RETRY_INTERVALS")
def announce_milestone(milestone_id: int) -> None:
    """Tell the organizers that a goal was reached, and queue the batch jobs that tell every confirmed
    signer who asked for updates (announce_milestone_batch, FANOUT_BATCH_SIZE signers each).

    Enqueued only by the transaction that recorded the milestone (or resumed periodically, for one
    that never finished). Safe to run again at any point: the organizers' mail is marked once sent, and
    only the signers not reached yet are planned. The last batch to finish marks the milestone announced.
    """
    milestone = db.session.get(Milestone, milestone_id)
    if milestone is None or milestone.announced_at is not None:
        return
    campaign = milestone.campaign
    if milestone.organizers_told_at is None:
        mail.send([milestone_organizers_message(milestone)])
        db.session.execute(update(Milestone).where(Milestone.id == milestone.id).values(organizers_told_at=utcnow()))
        # One of the two jobs that commit more than once (docs/architecture.md, "Exceptions"): told is
        # told, so a retry of this job (planning the signers' batches failed) must not tell them again.
        db.session.commit()

    batches = plan_fan_out(DeliveryKind.MILESTONE, milestone.id, _milestone_audience(milestone), announce_milestone_batch, milestone.id)
    if batches == 0:
        _mark_announced(milestone.id)
    log.info("milestone %s of campaign %s: %s batch(es) queued", milestone.goal, campaign.id, batches)


@job("milestones", retry="MAIL_RETRY_INTERVALS")
def announce_milestone_batch(milestone_id: int, first_id: int, last_id: int) -> None:
    """The announcement of a milestone to the signers with ids from first_id to last_id, each in their
    own language with their own unsubscribe link. Safe to run again: the signers reached are skipped."""
    milestone = db.session.get(Milestone, milestone_id)
    if milestone is None or milestone.announced_at is not None:
        return
    bulk = milestone_bulk_mail(milestone)
    audience = _milestone_audience(milestone)
    sent, failed = run_batch(DeliveryKind.MILESTONE, milestone.id, audience, first_id, last_id, bulk)
    if maybe_done(DeliveryKind.MILESTONE, milestone.id, audience):
        _mark_announced(milestone.id)
    log.info("milestone %s, signers %s-%s: %s sent, %s refused", milestone_id, first_id, last_id, sent, failed)


@job("default")
def resume_announcements(older_than_minutes: int = 10) -> int:
    """Periodic: hand over again the announcements of milestones whose fan-out never completed (a dead
    worker, a Redis outage). The announcement skips whatever was already sent."""
    milestone_ids = unfinished_milestones(timedelta(minutes=older_than_minutes))
    for milestone_id in milestone_ids:
        dispatch(announce_milestone, milestone_id)
    return len(milestone_ids)


def _correction_audience(revision: CampaignRevision) -> tuple[Any, ...]:
    """Signers who asked for updates and confirmed before the correction went online: they signed the
    old text. Whoever signed after it read the new one."""
    return (*opted_in(revision.campaign_id), Signature.confirmed_at <= revision.decided_at)


def _approved_correction(revision_id: int) -> CampaignRevision | None:
    revision = db.session.get(CampaignRevision, revision_id)
    if revision is None or not revision.correction or revision.status != RevisionStatus.APPROVED:
        return None
    return revision


@job("milestones", retry="MAIL_RETRY_INTERVALS")
def announce_correction(revision_id: int) -> None:
    """A reviewed correction changed demands: queue the batch jobs that tell every signer who asked for
    updates (announce_correction_batch), each once. Queued by the moderator's approval, after its commit."""
    revision = _approved_correction(revision_id)
    if revision is None:
        return
    batches = plan_fan_out(
        DeliveryKind.CORRECTION, revision.id, _correction_audience(revision), announce_correction_batch, revision.id
    )
    log.info("correction %s of campaign %s: %s batch(es) queued", revision.number, revision.campaign_id, batches)


@job("milestones", retry="MAIL_RETRY_INTERVALS")
def announce_correction_batch(revision_id: int, first_id: int, last_id: int) -> None:
    """The changed demands, old and new, to the signers with ids from first_id to last_id, each in their
    own language. Safe to run again: a delivery record per signer, so nobody gets it twice."""
    revision = _approved_correction(revision_id)
    before = replaced_content(revision) if revision is not None else None
    if revision is None or before is None:
        return
    audience = _correction_audience(revision)
    bulk = correction_bulk_mail(revision, before)
    sent, failed = run_batch(DeliveryKind.CORRECTION, revision.id, audience, first_id, last_id, bulk)
    log.info("correction %s, signers %s-%s: %s sent, %s refused", revision_id, first_id, last_id, sent, failed)
