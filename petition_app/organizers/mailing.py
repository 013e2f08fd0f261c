"""The organizers' mails, built once for the job that sends them and for the confirmation page that
shows them first: an update to the signers, an invitation, the letters' mail to each recipient. Each
mail is built in the language of the person who reads it."""
import re
from email.message import EmailMessage
from functools import partial
from types import SimpleNamespace
from typing import Any, cast

from flask_babel import force_locale, gettext

from .. import mail
from ..accounts.mailing import shown
from ..campaigns.models import Campaign
from ..letters.mailing import recipient_message
from ..letters.models import Handover
from ..links import external_url
from ..rules import LANGUAGES
from ..signing.mailing import signer_message
from ..tokens import InvitationLink, Purpose, make_token
from .models import Invitation


def update_subject(title: str) -> str:
    """The subject of an update, the same in the mails sent and on the organizers' confirmation page."""
    return gettext("News: %(title)s", title=title)


def update_message(campaign: Campaign, text: str, signature: Any) -> EmailMessage:
    """The mail of an update to one signer (or to a preview's stand-in), in the signer's language."""
    return signer_message(
        signature, "update_to_signers", update_subject,
        bulk=True, update_text=text, organizer_name=campaign.organizer_name,
    )


def update_previews(campaign: Campaign, body_nl: str, body_en: str) -> dict[str, dict[str, str]]:
    """The update exactly as a Dutch and an English signer would get it (subject and text), for the
    confirmation page: the same template and links, addressed to a stand-in signer (id 0, whose links
    act on nothing)."""
    texts = {"nl": body_nl, "en": body_en}
    previews = {}
    for locale in LANGUAGES:
        with force_locale(locale):
            name = gettext("(the signer's name)")
        stand_in = SimpleNamespace(id=0, secret="preview", locale=locale, campaign=campaign, name=name, email="preview@invalid")
        previews[locale] = shown(update_message(campaign, texts[locale], stand_in))
    return previews


def invitation_message(invitation: Invitation, inviter_name: str) -> EmailMessage:
    """The invitation of a co-organizer, in the campaign's organizer language. Its link carries the
    invitation's id and secret, not the address."""
    campaign = invitation.campaign
    token = make_token(Purpose.INVITE, {InvitationLink.INVITATION: invitation.id, InvitationLink.SECRET: invitation.secret})
    locale = campaign.organizer_language
    title = campaign.text("title", locale)
    return mail.build_message(
        invitation.email, "invitation", locale, lambda: gettext("Join the campaign “%(title)s”", title=title),
        inviter=inviter_name, campaign_title=title, join_url=external_url("organizers.join", token=token),
    )


def letter_previews(campaign: Campaign, plan: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The mail each recipient in `plan` would get now, in its language (subject and text), built as the
    letters job builds it with today's count. The recipient's private answer link is not shown to the
    organizers: the page shows a placeholder in its place."""
    previews = []
    for item in plan:
        recipient = item["recipient"]
        locale = recipient.language
        title = campaign.text("title", locale)
        stand_in = cast(Handover, SimpleNamespace(
            recipient=recipient, signature_count=campaign.confirmed_count, paper_count=campaign.paper_count))
        message = shown(recipient_message(stand_in, "letter_to_recipient", partial(gettext, "Petition: %(title)s", title=title)))
        with force_locale(locale):
            placeholder = gettext("(the recipient's private link to answer)")
        message["text"] = re.sub(r"https?://\S+/respond/\S+", placeholder, message["text"])
        previews.append({"recipient": recipient, "language": locale, "goes": item["goes"], **message})
    return previews
