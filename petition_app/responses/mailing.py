"""Every mail of answers: the news of a recipient's answer to the signers (a fan-out), and the reminder
to a recipient who stays silent."""
from email.message import EmailMessage

from flask_babel import get_locale, gettext

from ..campaigns.models import Recipient
from ..letters.mailing import recipient_message
from ..letters.models import Handover
from ..links import external_url
from ..notifications.mailing import BulkMail


def capitalised(text: str) -> str:
    """A subject that starts with a recipient's name in a sentence ("de burgemeester van Leiden")."""
    return text[:1].upper() + text[1:]


def answer_bulk_mail(recipient: Recipient) -> BulkMail:
    """The news that `recipient` answered, to each signer in their language, with a link to the answers.
    What the signers are told is what was answered: "3 of 7 demands", not "the demands"."""
    campaign = recipient.campaign
    answered = sum(1 for demand in recipient.demands if demand.answer is not None)
    return BulkMail(
        "answer_to_signers",
        lambda title: capitalised(gettext(
            "%(recipient)s answered: %(title)s", recipient=recipient.display_name(str(get_locale())), title=title
        )),
        lambda locale: {
            "recipient_name": recipient.display_name(locale),
            "answered": answered,
            "total": len(recipient.demands),
            "answers_url": external_url(
                "signing.campaign", slug=campaign.slug, lang=locale, _anchor=f"recipient-{recipient.key}"
            ),
        },
    )


def reminder_message(handover: Handover) -> EmailMessage:
    """A reminder to a recipient who has not answered, in the recipient's language."""
    title = handover.recipient.campaign.text("title", handover.recipient.language)
    return recipient_message(handover, "reminder_to_recipient", lambda: gettext("Reminder: %(title)s", title=title))
