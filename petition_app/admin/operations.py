"""Moderation of campaigns: approve a revision, send it back, take a campaign offline. A moderator
approves a revision by its number, and only the revision still waiting: a campaign edited after the
moderator read it is refused. Operations flush; the request commits once and the organizers' mail
follows through a job."""
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..campaigns.models import Campaign, CampaignRevision
from ..campaigns.operations import approve_revision, lock, reject_revision, withdraw_pending
from ..campaigns.queries import pending_revision
from ..extensions import db
from ..jobs import enqueue_after_commit
from ..organizers.operations import CampaignLocked
from ..rules import PUBLIC_STATUSES, CampaignStatus, RejectionReason
from ..signing.queries import clusters
from ..timeutil import utcnow
from . import tasks
from .models import ClusterAlert

__all__ = ["CampaignLocked", "RevisionOutdated", "approve", "claim_cluster_alerts", "hide", "reject"]


class RevisionOutdated(CampaignLocked):
    """The revision the moderator read is no longer the one waiting: `waiting` is the number of the one
    that is (None when nothing waits)."""

    def __init__(self, waiting: int | None) -> None:
        """Keeps the number of the waiting revision, so the page can say which one to read."""
        super().__init__(waiting)
        self.waiting = waiting


def _waiting(campaign: Campaign, number: int | None) -> CampaignRevision:
    """The revision waiting for review, if it is the one numbered `number`. The campaign's row is taken
    first, so that two moderators deciding at once (or an organizer's edit meanwhile) take turns: the
    second finds the revision decided and is told so, and the organizers get one mail (issue 18)."""
    lock(campaign.id)
    db.session.refresh(campaign)
    revision = pending_revision(campaign)
    if revision is None or number is None or revision.number != number:
        raise RevisionOutdated(revision.number if revision is not None else None)
    if not revision.correction and campaign.status != CampaignStatus.PENDING:
        raise CampaignLocked()
    if revision.correction and campaign.status not in PUBLIC_STATUSES:
        raise CampaignLocked()
    return revision


def approve(campaign: Campaign, number: int | None) -> bool:
    """Publish revision `number`, which must be the one waiting: a first revision opens the campaign, a
    correction replaces the published text and is listed on the page. Returns whether it was a
    correction; the organizers are told after the commit."""
    revision = _waiting(campaign, number)
    approve_revision(campaign, revision)
    decision = tasks.CORRECTION_APPROVED if revision.correction else tasks.APPROVED
    enqueue_after_commit(tasks.tell_organizers, campaign.id, decision, "", "")
    return revision.correction


def reject(campaign: Campaign, number: int | None, reason: str, note: str) -> None:
    """Send revision `number` back to the organizers with a reason from the fixed list; a campaign never
    published becomes a draft again, a published one stays as it was."""
    if reason not in set(RejectionReason):
        raise CampaignLocked()
    revision = _waiting(campaign, number)
    reject_revision(campaign, revision, f"{reason}: {note}".strip(": "))
    decision = tasks.CORRECTION_REJECTED if revision.correction else tasks.REJECTED
    enqueue_after_commit(tasks.tell_organizers, campaign.id, decision, reason, note)


def hide(campaign: Campaign, note: str) -> None:
    """A moderator takes a live campaign off the site; its signatures and counts stay, and a correction
    still waiting is withdrawn."""
    if campaign.status not in PUBLIC_STATUSES:
        raise CampaignLocked()
    campaign.status, campaign.moderation_note = CampaignStatus.HIDDEN, note
    if campaign.closed_at is None:
        campaign.closed_at = utcnow()
    withdraw_pending(campaign)
    enqueue_after_commit(tasks.tell_organizers, campaign.id, tasks.HIDDEN, "", note)


def claim_cluster_alerts() -> list[int]:
    """Record every cluster that reached CLUSTER_THRESHOLD and was not announced before, and queue one
    mail per campaign to the moderators. Each cluster is claimed once (the unique constraint settles
    two workers at the same moment), so it is never mailed twice. Returns the new alerts' ids."""
    config = current_app.config
    found = clusters(utcnow() - config["CLUSTER_LOOKBACK"], config["CLUSTER_THRESHOLD"], config["CLUSTER_MINUTES"])
    if not found:
        return []
    known = {
        (campaign_id, kind, key)
        for campaign_id, kind, key in db.session.execute(
            select(ClusterAlert.campaign_id, ClusterAlert.kind, ClusterAlert.key)
            .where(ClusterAlert.campaign_id.in_({c.campaign_id for c in found}))
        )
    }
    claimed: dict[int, list[int]] = {}
    for cluster in found:
        if (cluster.campaign_id, cluster.kind, cluster.key) in known:
            continue
        alert = ClusterAlert(campaign_id=cluster.campaign_id, kind=cluster.kind, key=cluster.key, size=cluster.size)
        try:
            with db.session.begin_nested():
                db.session.add(alert)
        except IntegrityError:  # another worker claimed it a moment ago
            continue
        claimed.setdefault(cluster.campaign_id, []).append(alert.id)
    for campaign_id, alert_ids in claimed.items():
        enqueue_after_commit(tasks.mail_cluster_alerts, campaign_id, alert_ids)
    return [alert_id for alert_ids in claimed.values() for alert_id in alert_ids]
