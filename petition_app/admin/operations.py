"""Moderation of campaigns: approve a revision, send it back, take a campaign offline. A moderator
approves a revision by its number, and only the revision still waiting: a campaign edited after the
moderator read it is refused. Operations flush; the request commits once and the organizers' mail
follows through a job."""
from typing import Any

from ..campaigns.models import Campaign, CampaignRevision
from ..campaigns.operations import approve_revision, lock, reject_revision, withdraw_pending
from ..campaigns.queries import pending_revision
from ..extensions import db
from ..jobs import enqueue_after_commit, job_by_path
from ..organizers.operations import CampaignLocked
from ..recipients.queries import unapproved_keys
from ..rules import PUBLIC_STATUSES, CampaignStatus, RejectionReason
from ..timeutil import utcnow
from . import tasks
from .alerts import claim_cluster_alerts
from .mailing import decision_of

#: The fan-out that tells the signers what a correction changed in their demands.
ANNOUNCE_CORRECTION = "petition_app.notifications.tasks.announce_correction"

__all__ = ["CampaignLocked", "RecipientsNotApproved", "RevisionOutdated", "registry_keys", "approve", "claim_cluster_alerts", "hide", "reject"]


class RevisionOutdated(CampaignLocked):
    """The revision the moderator read is no longer the one waiting: `waiting` is the number of the one
    that is (None when nothing waits)."""

    def __init__(self, waiting: int | None) -> None:
        """Keeps the number of the waiting revision, so the page can say which one to read."""
        super().__init__(waiting)
        self.waiting = waiting


class RecipientsNotApproved(CampaignLocked):
    """The revision addresses registry entries no moderator approved yet (`keys`): their addresses are
    read and approved first, on the registry's pages."""

    def __init__(self, keys: list[str]) -> None:
        """Keeps the keys, so the page can link each entry."""
        super().__init__(keys)
        self.keys = keys


def registry_keys(content: dict[str, Any]) -> list[str]:
    """The registry entries a revision addresses."""
    return [recipient["organisation"] for recipient in content.get("recipients", []) if recipient.get("organisation")]


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
    unapproved = unapproved_keys(registry_keys(revision.content))
    if unapproved:
        raise RecipientsNotApproved(unapproved)
    approve_revision(campaign, revision)
    enqueue_after_commit(tasks.tell_organizers, campaign.id, decision_of("approve", revision.correction), "", "")
    if revision.correction and any(part == "demands" for part, _recipient in revision.changes):
        # what people signed changed: the signers who asked for updates are told, old and new (issue 20)
        enqueue_after_commit(job_by_path(ANNOUNCE_CORRECTION), revision.id)
    return revision.correction


def reject(campaign: Campaign, number: int | None, reason: str, note: str) -> None:
    """Send revision `number` back to the organizers with a reason from the fixed list; a campaign never
    published becomes a draft again, a published one stays as it was."""
    if reason not in set(RejectionReason):
        raise CampaignLocked()
    revision = _waiting(campaign, number)
    reject_revision(campaign, revision, f"{reason}: {note}".strip(": "))
    enqueue_after_commit(tasks.tell_organizers, campaign.id, decision_of("reject", revision.correction), reason, note)


def hide(campaign: Campaign, note: str) -> None:
    """A moderator takes a live campaign off the site; its signatures and counts stay, and a correction
    still waiting is withdrawn."""
    if campaign.status not in PUBLIC_STATUSES:
        raise CampaignLocked()
    campaign.status, campaign.moderation_note = CampaignStatus.HIDDEN, note
    if campaign.closed_at is None:
        campaign.closed_at = utcnow()
    withdraw_pending(campaign)
    enqueue_after_commit(tasks.tell_organizers, campaign.id, decision_of("hide", False), "", note)
