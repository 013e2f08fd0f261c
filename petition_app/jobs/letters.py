"""Jobs for letters to recipients and their answers."""
from . import job


@job("default")
def compile_letters(campaign_id):
    """Each run adds a fresh set of letters with the count of that moment; running twice only adds a set."""
    from ..letters.services import compile_letters as compile_all

    compile_all(campaign_id)


@job("mail", retry="MAIL_RETRY_INTERVALS")
def deliver_handover(handover_id):
    """The service skips a hand-over already sent, so a retry never mails a recipient twice."""
    from ..letters.services import deliver_handover as deliver

    deliver(handover_id)


@job("milestones", retry="MAIL_RETRY_INTERVALS")
def announce_answer(recipient_id):
    """A fan-out with a delivery record per signer: safe to interrupt and run again."""
    from ..responses.services import announce_answer as announce

    announce(recipient_id)
