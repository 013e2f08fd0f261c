"""Jobs that follow a goal being reached."""
from . import job


@job("milestones", retry="MAIL_RETRY_INTERVALS")
def announce_milestone(milestone_id):
    """Enqueued only by the transaction that recorded the milestone (or by the sweep, for one that
    never finished); the service skips whatever was already sent, so a retry is harmless."""
    from ..notifications.services import announce_milestone as announce

    announce(milestone_id)
