"""Changes to campaigns, by seam: the count and the row lock (`counting`), revisions (`revisions`) and
campaign files (`campaign_file`). This module is the one other packages import from; it holds no code
of its own. Operations flush; the request, job or command around them commits."""
from .campaign_file import CampaignFileError, import_campaign
from .counting import add_to_count, lock
from .revisions import (
    apply_content,
    approve_revision,
    freeze_revision,
    reject_revision,
    snapshot,
    withdraw_pending,
)

__all__ = [
    "CampaignFileError",
    "add_to_count",
    "apply_content",
    "approve_revision",
    "freeze_revision",
    "import_campaign",
    "lock",
    "reject_revision",
    "snapshot",
    "withdraw_pending",
]
