"""Every mail to a signer is built here, so each one carries the same promises: why it was sent, and
links to stop updates, withdraw the signature, download one's data and read the privacy statement."""
from .. import mail
from ..links import external_url
from ..tokens import make_token


def signer_links(signature):
    locale = signature.locale
    token = {"s": signature.id}
    return {
        "campaign_url": external_url("signing.campaign", slug=signature.campaign.slug, lang=locale),
        "privacy_url": external_url("campaigns.privacy", lang=locale),
        "withdraw_url": external_url("signing.withdraw", token=make_token("withdraw", token), lang=locale),
        "data_url": external_url("signing.my_data", token=make_token("my_data", token)),
        "unsubscribe_url": external_url("signing.unsubscribe", token=make_token("unsubscribe", token), lang=locale),
    }


def signer_message(signature, template, subject, bulk=False, **context):
    """A mail to one signer in their language. `subject(title)` returns the translated subject for the
    campaign title in that language. Bulk mail (milestones, answers, updates) adds one-click unsubscribe."""
    locale = signature.locale
    title = signature.campaign.text("title", locale)
    links = signer_links(signature)
    if not bulk:
        links.pop("unsubscribe_url")
    return mail.build_message(
        signature.email, template, locale, lambda: subject(title),
        headers=mail.bulk_headers(links["unsubscribe_url"]) if bulk else None,
        signature=signature, campaign_title=title, **links, **context,
    )
