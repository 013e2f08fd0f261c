"""Jobs for the organizers' updates to signers."""
from . import job


@job("milestones", retry="MAIL_RETRY_INTERVALS")
def announce_update(update_id):
    """A fan-out with a delivery record per signer: safe to interrupt and run again."""
    from ..organizers.services import announce_update as announce

    announce(update_id)
