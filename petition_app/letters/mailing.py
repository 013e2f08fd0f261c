"""Mail to a recipient (its letters, reminders) in the recipient's language, with its private link."""
from collections.abc import Callable
from email.message import EmailMessage

from .. import mail
from ..links import external_url
from ..tokens import make_token
from ..campaigns.models import Recipient
from .models import Handover


def answer_url(recipient: Recipient) -> str:
    """The private link where a recipient answers its demands (a signed token with the recipient's link
    secret, no account): a new address gets a new secret, which voids the links mailed before."""
    token = make_token("respond", {"r": recipient.id, "s": recipient.link_secret})
    return external_url("responses.respond", token=token, lang=recipient.language)


def recipient_message(handover: Handover, template: str, subject: Callable[[], str]) -> EmailMessage:
    """A mail about one hand-over to its recipient, in the recipient's language."""
    recipient = handover.recipient
    campaign = recipient.campaign
    locale = recipient.language
    return mail.build_message(
        recipient.email, template, locale, subject,
        recipient=recipient, campaign_title=campaign.text("title", locale), organizer_name=campaign.organizer_name,
        count=handover.signature_count, answer_url=answer_url(recipient),
        campaign_url=external_url("signing.campaign", slug=campaign.slug, lang=locale),
        demand_count=len(recipient.demands),
    )
