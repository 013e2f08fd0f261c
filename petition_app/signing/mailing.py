"""Every mail to a signer is built here, so each one carries the same promises: why it was sent, and
links to stop updates, withdraw the signature, download one's data and read the privacy statement.

Every link carries the signature's id and its random secret (`Signature.secret`), signed and dated by
tokens.make_token: a link acts only on the row it was made for, and withdrawing voids all of them."""
from collections.abc import Callable
from typing import Any
from email.message import EmailMessage

from flask import current_app
from flask_babel import gettext

from .. import mail
from ..links import external_url
from ..tokens import Purpose, SignatureLink, make_token
from .inputs import Details
from .models import Signature, SignRequest

# The kinds of mail of signing.tasks.send_signature_mail.
MAIL_CONFIRM = "confirm"
MAIL_ALREADY_SIGNED = "already_signed"


def link_token(signature: Signature, purpose: Purpose) -> str:
    """The token of a link to this signature (withdraw, my_data, unsubscribe)."""
    return make_token(purpose, {SignatureLink.SIGNATURE: signature.id, SignatureLink.SECRET: signature.secret})


def verify_token(signature: Signature, sign_request: SignRequest) -> str:
    """The token of a confirmation link: it confirms the details of this one request."""
    return make_token(Purpose.VERIFY, {
        SignatureLink.SIGNATURE: signature.id, SignatureLink.SECRET: signature.secret, SignatureLink.REQUEST: sign_request.id,
    })


def signer_links(signature: Signature) -> dict[str, str]:
    locale = signature.locale
    return {
        "campaign_url": external_url("signing.campaign", slug=signature.campaign.slug, lang=locale),
        "privacy_url": external_url("campaigns.privacy", lang=locale),
        "withdraw_url": external_url("signing.withdraw", token=link_token(signature, Purpose.WITHDRAW), lang=locale),
        "data_url": external_url("signing.my_data", token=link_token(signature, Purpose.MY_DATA)),
        "unsubscribe_url": external_url("signing.unsubscribe", token=link_token(signature, Purpose.UNSUBSCRIBE), lang=locale),
    }


def signer_message(signature: Signature, template: str, subject: Callable[[str], str], bulk: bool=False, locale: str | None=None, **context: Any) -> mail.Message:
    """A mail to one signer in their language (or in `locale`: a confirmation mail speaks the language
    of the request that caused it). `subject(title)` returns the translated subject for the campaign
    title in that language. Bulk mail (milestones, answers, updates) adds one-click unsubscribe."""
    locale = locale or signature.locale
    title = signature.campaign.text("title", locale)
    links = signer_links(signature)
    if not bulk:
        links.pop("unsubscribe_url")
    return mail.build_message(
        signature.email, template, locale, lambda: subject(title),
        headers=mail.bulk_headers(links["unsubscribe_url"]) if bulk else None,
        about=(mail.About.SIGNATURE, signature.id), signature=signature, campaign_title=title, **links, **context,
    )


def confirmation_message(signature: Signature, sign_request: SignRequest) -> EmailMessage:
    """The mail that confirms a signature: the details of its own sign request, in that request's
    language, and a link that confirms exactly those."""
    return signer_message(
        signature, "confirm_signature", lambda title: gettext("Confirm your signature: %(title)s", title=title),
        locale=sign_request.locale,
        details=Details.of(sign_request),
        verify_url=external_url("signing.verify", token=verify_token(signature, sign_request), lang=sign_request.locale),
        valid_days=max(1, current_app.config["VERIFY_TOKEN_MAX_AGE"] // 86400),
    )


def already_signed_message(signature: Signature) -> EmailMessage:
    """"You have already signed", with the confirmed name and a link to change the details."""
    return signer_message(
        signature, "already_signed", lambda title: gettext("You have already signed: %(title)s", title=title),
        details=Details.of(signature),
        change_url=external_url("signing.change_details", token=link_token(signature, Purpose.MY_DATA), lang=signature.locale),
    )


def withdrawal_receipt(signature: Signature) -> EmailMessage:
    """The receipt of a withdrawal, the last mail a signer gets."""
    return signer_message(
        signature, "withdrawn", lambda title: gettext("Your signature is withdrawn: %(title)s", title=title)
    )
