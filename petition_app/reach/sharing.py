"""Sharing a campaign: links tagged with their source, ready-made messages per channel and language,
Open Graph data, the embed snippets, and what search engines read (canonical and hreflang links,
the sitemap, robots.txt)."""

from typing import Any
from urllib.parse import quote, urlencode

from babel.lists import format_list
from flask import current_app
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from markupsafe import escape

from ..campaigns.models import Campaign
from ..campaigns.queries import public_campaigns
from ..rules import LANGUAGES
from ..rules.goals import count_step  # noqa: F401  (also the campaign page's cache key)
from ..links import external_url
from ..recipients.queries import approved_entries

#: Open Graph wants a territory with the language.
OG_LOCALES = {"nl": "nl_NL", "en": "en_GB"}
SHARE_IMAGE_SIZE = (1200, 630)


# ---------------------------------------------------------------- links


def campaign_url(slug: str, source: str | None=None, **values: Any) -> str:
    """The campaign page's absolute address (BASE_URL), tagged with a share source (?s=whatsapp)."""
    if source:
        values["s"] = source
    return external_url("signing.campaign", slug=slug, **values)


def _share_message(campaign: Campaign, locale: str) -> str:
    return _("Support this petition: “%(title)s”", title=campaign.text("title", locale))


def share_options(campaign: Campaign, locale: str) -> dict[str, Any]:
    """Everything the share step shows, in `locale`: share links for WhatsApp, Telegram, email, X,
    Facebook and LinkedIn in this order, each with its own source tag; the link to copy (one field, one
    copy button); and Signal, which has no share link that carries a message (a signal.me address only
    opens a chat with one person): its entry opens the browser's own share sheet (Signal is in it where
    it is installed) and, where the browser has none, says plainly to copy the link and paste it in
    Signal. `native` is what the share sheet gets."""
    title = campaign.text("title", locale)
    message = _share_message(campaign, locale)

    def url(tag: str) -> str:
        return campaign_url(campaign.slug, tag)

    def query(**values: str) -> str:
        return urlencode(values, quote_via=quote)

    summary = campaign.text("summary", locale)
    links = [
        ("whatsapp", "WhatsApp", "https://wa.me/?" + query(text=f"{message} {url('whatsapp')}")),
        ("telegram", "Telegram", "https://t.me/share/url?" + query(url=url("telegram"), text=message)),
        ("email", _("Email"), "mailto:?" + query(subject=title, body=f"{message}\n\n{summary}\n\n{url('email')}")),
        ("x", "X", "https://x.com/intent/post?" + query(text=message, url=url("x"))),
        ("facebook", "Facebook", "https://www.facebook.com/sharer/sharer.php?" + query(u=url("facebook"))),
        ("linkedin", "LinkedIn", "https://www.linkedin.com/sharing/share-offsite/?" + query(url=url("linkedin"))),
    ]
    return {
        "links": [
            {"key": key, "label": label, "href": href, "external": href.startswith("https://")}
            for key, label, href in links
        ],
        "copy_url": url("link"),
        "native": {"title": title, "text": message, "url": url("share")},
        "signal": {"title": title, "text": message, "url": url("signal")},
    }


def open_graph(campaign: Campaign, locale: str) -> dict[str, Any]:
    """Open Graph and Twitter card fields of a campaign page. The image address names the count's
    step (v=), so that a preview cached by a chat app or a social network is fetched anew past it."""
    title = campaign.text("title", locale)
    return {
        "title": title,
        "description": campaign.text("summary", locale),
        "url": external_url("signing.campaign", slug=campaign.slug, lang=locale),
        "image": external_url(
            "reach.share_image", slug=campaign.slug, language=locale, v=count_step(campaign.goal_count)
        ),
        "image_alt": title,
        "image_width": SHARE_IMAGE_SIZE[0],
        "image_height": SHARE_IMAGE_SIZE[1],
        "locale": OG_LOCALES.get(locale, locale),
        "locale_alternates": [OG_LOCALES[lang] for lang in LANGUAGES if lang != locale],
    }


def share_messages(campaign: Campaign) -> dict[str, dict[str, str]]:
    """Ready-to-paste messages for a group chat and for a course forum, in Dutch and in English (groups
    are mixed: both are always offered, whatever the page's language)."""
    messages = {}
    for lang in LANGUAGES:
        with force_locale(lang):
            title = campaign.text("title", lang)
            summary = campaign.text("summary", lang)
            chat_url = campaign_url(campaign.slug, "chat")
            forum_url = campaign_url(campaign.slug, "forum")
            recipients = format_list([r.display_name(lang) for r in campaign.recipients], locale=lang) if campaign.recipients else ""
            chat = "\n\n".join(
                part
                for part in (
                    f"{title}",
                    summary,
                    _("Sign the petition here; it takes a minute and your email address is never shown: %(url)s", url=chat_url),
                    _("Feel free to share this message in other groups."),
                )
                if part
            )
            forum_lines = [
                _("Hello everyone,"),
                summary,
                _("The petition is addressed to %(recipients)s. You can read the demands and sign it here: %(url)s", recipients=recipients, url=forum_url)
                if recipients
                else _("You can read the demands and sign the petition here: %(url)s", url=forum_url),
                _(
                    "Signing takes a minute. Your signature counts once you confirm it by email; your email address is "
                    "never shown, and your name only if you choose so."
                ),
                _("Thank you for reading, and feel free to share this message."),
            ]
            messages[lang] = {
                "chat": chat,
                "forum_subject": _("Petition: %(title)s", title=title),
                "forum_body": "\n\n".join(line for line in forum_lines if line),
            }
    return messages


#: The fixed-size snippet's height: enough for the widget at 300 px wide with a long title.
EMBED_FIXED_HEIGHT = 320


def embed_snippets(campaign: Campaign) -> dict[str, dict[str, str]]:
    """The code to paste into another site, per language: {"resizing": ..., "fixed": ...}. The resizing
    snippet adds static/embed.js, which gives the iframe the height of its content (the widget posts it);
    the fixed one is a plain <iframe> for sites that take no script. No inline style either way, so
    that both fit sites with a strict Content-Security-Policy."""
    script = escape(external_url("static", filename="embed.js"))
    snippets = {}
    for lang in LANGUAGES:
        src = escape(external_url("reach.embed", slug=campaign.slug, lang=lang))
        title = escape(campaign.text("title", lang))
        frame = f'<iframe src="{src}" title="{title}" width="100%" height="{EMBED_FIXED_HEIGHT}" frameborder="0" loading="lazy"'
        snippets[lang] = {
            "resizing": f'{frame} data-petition-embed></iframe>\n<script src="{script}" async></script>',
            "fixed": f"{frame}></iframe>",
        }
    return snippets


# ---------------------------------------------------------------- what search engines read


def language_links(endpoint: str, **values: Any) -> dict[str, Any]:
    """The canonical address of a page in the language shown (?lang=), and its alternates per
    language; x-default is the default language's address, so that every alternate is canonical."""
    current = str(get_locale())
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    urls = {lang: external_url(endpoint, **values, lang=lang) for lang in current_app.config["LANGUAGES"]}
    return {
        "canonical": urls.get(current, urls[default]),
        "alternates": [(lang, url) for lang, url in urls.items()] + [("x-default", urls[default])],
    }


def sitemap_entries() -> list[dict[str, str]]:
    """[(language -> url)] for the home page, every public campaign (open or closed), the list of
    recipients and each approved recipient's page."""
    entries = [{lang: external_url("campaigns.index", lang=lang) for lang in LANGUAGES}]
    for campaign in public_campaigns():
        entries.append({lang: external_url("signing.campaign", slug=campaign.slug, lang=lang) for lang in LANGUAGES})
    entries.append({lang: external_url("recipients.index", lang=lang) for lang in LANGUAGES})
    for entry in approved_entries():
        entries.append({lang: external_url("recipients.show", key=entry.key, lang=lang) for lang in LANGUAGES})
    return entries


ROBOTS_DISALLOW = ("/verify/", "/unsubscribe/", "/withdraw/", "/my-data/", "/respond/", "/api/", "/embed/")
