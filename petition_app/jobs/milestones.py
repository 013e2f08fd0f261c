"""Jobs that follow a goal being reached."""
import logging

from . import job

log = logging.getLogger(__name__)


@job("milestones")
def announce_milestone(milestone_id):
    """Enqueued only by the transaction that recorded the milestone. The fan-out of updates to
    signers comes with the worker's real jobs; for now the milestone is logged."""
    from ..campaigns.services import milestone_reached

    milestone_reached(milestone_id)
