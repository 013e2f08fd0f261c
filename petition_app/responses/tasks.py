"""Jobs that follow a recipient's answer, and the reminders to recipients who stay silent."""
from email.message import EmailMessage

from flask_babel import gettext

from .. import mail
from ..campaigns.models import Recipient
from ..extensions import db
from ..jobs import job
from ..letters.mailing import recipient_message
from ..letters.models import Handover
from ..links import external_url
from ..notifications.operations import fan_out
from ..notifications.queries import opted_in
from ..signing.mailing import signer_message
from ..signing.models import Signature
from . import operations


def capitalised(text: str) -> str:
    """A subject that starts with a recipient's name in a sentence ("de burgemeester van Leiden")."""
    return text[:1].upper() + text[1:]


@job("milestones", retry="MAIL_RETRY_INTERVALS")
def announce_answer(recipient_id: int) -> None:
    """Tell every confirmed signer who asked for updates that this recipient answered, in their language.
    A fan-out with a delivery record per signer: safe to interrupt and run again."""
    recipient = db.session.get(Recipient, recipient_id)
    if recipient is None:
        return
    campaign = recipient.campaign
    # What the signers are told is what was answered: "3 of 7 demands", not "the demands".
    answered = sum(1 for demand in recipient.demands if demand.answer is not None)

    def build(signature: Signature) -> EmailMessage:
        """The news in the signer's own language, with a link to the answers and their unsubscribe link."""
        name = recipient.display_name(signature.locale)
        return signer_message(
            signature, "answer_to_signers",
            lambda title: capitalised(gettext("%(recipient)s answered: %(title)s", recipient=name, title=title)),
            bulk=True, recipient_name=name, answered=answered, total=len(recipient.demands),
            answers_url=external_url(
                "signing.campaign", slug=campaign.slug, lang=signature.locale, _anchor=f"recipient-{recipient.key}"
            ),
        )

    fan_out("answer", recipient.id, opted_in(campaign.id), build)


@job("mail", retry="MAIL_RETRY_INTERVALS")
def send_reminder(handover_id: int) -> None:
    """One reminder, claimed before it was queued; a retry after the server accepted it would remind
    twice, which a recipient can bear better than a reminder lost."""
    handover = db.session.get(Handover, handover_id)
    if handover is None:
        return
    title = handover.recipient.campaign.text("title", handover.recipient.language)
    mail.send([recipient_message(handover, "reminder_to_recipient", lambda: gettext("Reminder: %(title)s", title=title))])


@job("default")
def send_reminders() -> int:
    """Periodic: claim the reminders that are due and queue one mail each."""
    return len(operations.claim_due_reminders())
