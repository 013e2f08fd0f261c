"""Moderation of campaigns: publish, send back, take offline. Operations flush; the request commits
once and the organizers' mail follows through a job."""
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..campaigns.models import Campaign
from ..extensions import db
from ..jobs import enqueue_after_commit
from ..organizers.operations import CampaignLocked
from ..rules import PUBLIC_STATUSES, CampaignStatus, RejectionReason
from ..signing.queries import clusters
from ..timeutil import utcnow
from . import tasks
from .models import ClusterAlert

__all__ = ["CampaignLocked", "approve", "claim_cluster_alerts", "hide", "reject"]


def approve(campaign: Campaign) -> None:
    """Publish a campaign that waits for review; its organizers are told after the commit."""
    if campaign.status != CampaignStatus.PENDING:
        raise CampaignLocked()
    campaign.status, campaign.published_at = CampaignStatus.OPEN, utcnow()
    enqueue_after_commit(tasks.tell_organizers, campaign.id, tasks.APPROVED, "", "")


def reject(campaign: Campaign, reason: str, note: str) -> None:
    """Send a campaign back to its organizers as a draft, with a reason from the fixed list."""
    if campaign.status != CampaignStatus.PENDING or reason not in set(RejectionReason):
        raise CampaignLocked()
    campaign.status, campaign.moderation_note = CampaignStatus.DRAFT, f"{reason}: {note}".strip(": ")
    enqueue_after_commit(tasks.tell_organizers, campaign.id, tasks.REJECTED, reason, note)


def hide(campaign: Campaign, note: str) -> None:
    """A moderator takes a live campaign off the site; its signatures and counts stay."""
    if campaign.status not in PUBLIC_STATUSES:
        raise CampaignLocked()
    campaign.status, campaign.moderation_note = CampaignStatus.HIDDEN, note
    if campaign.closed_at is None:
        campaign.closed_at = utcnow()
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
