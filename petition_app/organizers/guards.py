"""What organizers may do to a campaign in its state, in one place: the checks every operation (and
every page that shows a form for one) passes, and the exceptions they raise. Routes catch these
exceptions; they never compare statuses themselves."""
from ..campaigns.models import Campaign
from ..rules import EDITABLE_STATUSES, PUBLIC_STATUSES, CampaignStatus


class CampaignLocked(Exception):
    """The campaign cannot be changed this way in its state: people signed what a published text says,
    and a closed or hidden campaign stays as it is."""


class CampaignPublished(CampaignLocked):
    """A published campaign is not edited in place: people signed what it says. Corrections go through
    review instead."""


class NotYetPublished(CampaignLocked):
    """A draft (or a campaign waiting for review) is edited in place, not corrected through review."""


class NotPublished(Exception):
    """Invitations, updates and letters wait until a moderator has published the campaign."""


def ensure_editable(campaign: Campaign) -> None:
    """A draft, or a campaign waiting for review, is edited in place; anything else is not."""
    if campaign.status in EDITABLE_STATUSES:
        return
    raise CampaignPublished() if campaign.status in PUBLIC_STATUSES else CampaignLocked()


def ensure_correctable(campaign: Campaign) -> None:
    """Only a published campaign is corrected through review: a draft is edited in place
    (NotYetPublished), a hidden one not at all (CampaignLocked)."""
    if campaign.status in PUBLIC_STATUSES:
        return
    raise NotYetPublished() if campaign.status in EDITABLE_STATUSES else CampaignLocked()


def ensure_published(campaign: Campaign) -> None:
    """Only a campaign a moderator has published may make the platform mail people."""
    if campaign.status not in PUBLIC_STATUSES:
        raise NotPublished()


def ensure_open(campaign: Campaign) -> None:
    """Only an open campaign can be closed."""
    if campaign.status != CampaignStatus.OPEN:
        raise CampaignLocked()
