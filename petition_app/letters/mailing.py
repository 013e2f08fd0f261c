"""Mail to a recipient (its letters, reminders) in the recipient's language, with its private link."""
from collections.abc import Callable
from typing import Any
from email.message import EmailMessage

from flask_babel import force_locale, gettext

from .. import mail
from ..links import external_url
from ..tokens import Purpose, RecipientLink, make_token
from ..campaigns.models import Recipient
from .models import Handover


def answer_url(recipient: Recipient) -> str:
    """The private link where a recipient answers its demands (a signed token with the recipient's link
    secret, no account): a new address gets a new secret, which voids the links mailed before."""
    token = make_token(Purpose.RESPOND, {RecipientLink.RECIPIENT: recipient.id, RecipientLink.SECRET: recipient.link_secret})
    return external_url("responses.respond", token=token, lang=recipient.language)


def mail_opening(recipient: Recipient, locale: str) -> str:
    """How a mail to a recipient opens: the recipient's own salutation, else (in English) "To the Mayor of
    Leiden,". The letter itself keeps the formal "Dear Sir or Madam,", but in a mail's body that phrase
    alone scores 2.0 in SpamAssassin (DEAR_SOMETHING): a letter to the mayor must not land in spam for
    its politeness. The Dutch default ("Geachte heer, mevrouw,") scores nothing and stays."""
    own = (getattr(recipient, f"salutation_{locale}", None) or "").strip()
    if own or locale != "en":
        return recipient.salutation(locale)
    with force_locale(locale):
        return gettext("To %(name)s,", name=recipient.display_name(locale))


def _about(handover: Handover) -> tuple[mail.About, int] | None:
    """What a bounce of this mail names: the hand-over (a preview's stand-in has no id, and is never sent)."""
    handover_id = getattr(handover, "id", None)
    return (mail.About.HANDOVER, handover_id) if handover_id is not None else None


def recipient_message(handover: Handover, template: str, subject: Callable[[], str], **context: Any) -> EmailMessage:
    """A mail about one hand-over to its recipient, in the recipient's language (`context`: more for its
    template, such as a reminder's overdue notice)."""
    recipient = handover.recipient
    campaign = recipient.campaign
    locale = recipient.language
    return mail.build_message(
        recipient.email, template, locale, subject, about=_about(handover),
        recipient=recipient, opening=mail_opening(recipient, locale), campaign_title=campaign.text("title", locale), organizer_name=campaign.organizer_name,
        count=handover.signature_count, paper_count=handover.paper_count, answer_url=answer_url(recipient),
        campaign_url=external_url("signing.campaign", slug=campaign.slug, lang=locale),
        demand_count=len(recipient.demands), **context,
    )


def handover_message(handover: Handover) -> EmailMessage:
    """A recipient's letters (both languages attached) and the private link to answer them."""
    title = handover.recipient.campaign.text("title", handover.recipient.language)
    message = recipient_message(handover, "letter_to_recipient", lambda: gettext("Petition: %(title)s", title=title))
    for letter in (handover.letter_nl, handover.letter_en):
        message.add_attachment(
            letter.pdf, maintype="application", subtype="pdf", filename=f"{handover.recipient.key}.{letter.language}.pdf"
        )
    return message
