"""Every mail of answers: the news of a recipient's answer to the signers (a fan-out), and the reminder
to a recipient who stays silent."""
from email.message import EmailMessage

from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import get_locale, gettext

from ..campaigns.models import Recipient
from ..letters.mailing import recipient_message
from ..letters.models import Handover
from ..links import external_url
from ..notifications.mailing import BulkMail
from ..rules.workdays import working_days_between
from ..timeutil import local_day, utcnow
from .queries import first_letter_sent


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


def overdue_notice(recipient: Recipient, now: datetime | None = None) -> dict[str, Any]:
    """What a reminder says when the recipient's demands are overdue: more than RESPONSE_WORKING_DAYS
    working days since the first letter with demands unanswered (and the recipient's public page, for an
    entry of the registry). Empty when nothing is overdue."""
    first = first_letter_sent(recipient.id)
    unanswered = sum(1 for demand in recipient.demands if demand.answer is None)
    if first is None or not unanswered:
        return {}
    zone, limit = current_app.config["CAMPAIGN_TIMEZONE"], current_app.config["RESPONSE_WORKING_DAYS"]
    days = working_days_between(local_day(first, zone), local_day(now or utcnow(), zone))
    if days <= limit:
        return {}
    page = external_url("recipients.show", key=recipient.organisation_key, lang=recipient.language) if recipient.organisation_key else None
    return {"overdue_days": days, "overdue_limit": limit, "overdue_demands": unanswered, "recipient_page_url": page}


def reminder_message(handover: Handover) -> EmailMessage:
    """A reminder to a recipient who has not answered, in the recipient's language; once its demands are
    overdue it says so, with the link to its public page."""
    title = handover.recipient.campaign.text("title", handover.recipient.language)
    return recipient_message(handover, "reminder_to_recipient", lambda: gettext("Reminder: %(title)s", title=title),
                             **overdue_notice(handover.recipient))
