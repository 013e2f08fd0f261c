"""Jobs that follow a recipient's answer, and the reminders to recipients who stay silent."""
from .. import mail
from ..campaigns.models import Recipient
from ..extensions import db
from ..rules import DeliveryKind
from ..jobs import job
from ..letters.models import Handover
from ..notifications.fanout import run_batch
from ..notifications.operations import plan_fan_out
from ..notifications.queries import opted_in
from . import operations
from .mailing import answer_bulk_mail, reminder_message


@job("milestones", retry="MAIL_RETRY_INTERVALS")
def announce_answer(recipient_id: int) -> None:
    """Tell every confirmed signer who asked for updates that this recipient answered: queues one
    announce_answer_batch job per FANOUT_BATCH_SIZE signers, so that every worker shares the work."""
    recipient = db.session.get(Recipient, recipient_id)
    if recipient is None:
        return
    plan_fan_out(DeliveryKind.ANSWER, recipient.id, opted_in(recipient.campaign_id), announce_answer_batch, recipient.id)


@job("milestones", retry="MAIL_RETRY_INTERVALS")
def announce_answer_batch(recipient_id: int, first_id: int, last_id: int) -> None:
    """The news of an answer to the signers with ids from first_id to last_id, in their language, with a
    link to the answers. A delivery record per signer: safe to interrupt and run again."""
    recipient = db.session.get(Recipient, recipient_id)
    if recipient is None:
        return
    run_batch(DeliveryKind.ANSWER, recipient.id, opted_in(recipient.campaign_id), first_id, last_id, answer_bulk_mail(recipient))


@job("mail", retry="MAIL_RETRY_INTERVALS")
def send_reminder(handover_id: int) -> None:
    """One reminder, claimed before it was queued; a retry after the server accepted it would remind
    twice, which a recipient can bear better than a reminder lost."""
    handover = db.session.get(Handover, handover_id)
    if handover is None:
        return
    mail.send([reminder_message(handover)])


@job("default")
def send_reminders() -> int:
    """Periodic: claim the reminders that are due and queue one mail each."""
    return len(operations.claim_due_reminders())
