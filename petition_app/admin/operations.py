"""Moderation of campaigns: publish, send back, take offline. Operations flush; the request commits
once and the organizers' mail follows through a job."""
from ..campaigns.models import Campaign
from ..jobs import enqueue_after_commit
from ..organizers.operations import CampaignLocked
from ..rules import PUBLIC_STATUSES, CampaignStatus, RejectionReason
from ..timeutil import utcnow
from . import tasks

__all__ = ["CampaignLocked", "approve", "hide", "reject"]


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
