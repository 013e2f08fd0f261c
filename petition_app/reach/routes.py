"""The reach pages and files: share kit, QR code, poster, share image, embed, signer wall, sitemap and
robots.txt. Public, for anyone; routes are thin: sharing, images, queries and opendata make the content."""
from typing import Any

from flask import Response, abort, current_app, render_template, request
from flask_babel import get_locale
from flask.typing import ResponseReturnValue

from ..campaigns.queries import public_campaign
from ..extensions import limiter
from ..formfields import page_number
from ..links import external_url
from ..security import allow_framing
from . import bp, images, queries, sharing

# Files that only change with the campaign's text (the QR code) or with the count (image, poster).
QR_CACHE = "public, max-age=86400"
COUNT_CACHE = "public, max-age=600"


def _locale() -> str:
    return str(get_locale())


def _file_language() -> str:
    """A file's language: ?language= (a poster in English from a Dutch page, without switching the
    visitor's language as ?lang= would), else the page language."""
    chosen = request.args.get("language")
    return chosen if chosen is not None and chosen in current_app.config["LANGUAGES"] else _locale()


def _file(data: str | bytes, mimetype: str, cache: str, filename: str | None=None) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Cache-Control"] = cache
    if filename:
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@bp.app_context_processor
def reach_helpers() -> dict[str, Any]:
    return {
        "language_links": sharing.language_links,
        "share_options": sharing.share_options,
        "open_graph": sharing.open_graph,
    }


@bp.route("/campaigns/<slug>/share")
def share_kit(slug: str) -> ResponseReturnValue:
    """Ready-made messages, links, embed code and QR code for sharing; public, for anyone."""
    campaign = public_campaign(slug) or abort(404)
    return render_template(
        "reach/share.html",
        campaign=campaign,
        messages=sharing.share_messages(campaign),
        snippets=sharing.embed_snippets(campaign),
        qr_url=images.qr_url(campaign),
    )


@bp.route("/campaigns/<slug>/qr.svg")
def qr_svg(slug: str) -> ResponseReturnValue:
    """The QR code to the campaign page as SVG; public."""
    campaign = public_campaign(slug) or abort(404)
    return _file(images.qr_svg(campaign), "image/svg+xml", QR_CACHE, f"{slug}-qr.svg")


@bp.route("/campaigns/<slug>/qr.png")
def qr_png(slug: str) -> ResponseReturnValue:
    """The QR code to the campaign page as PNG; public."""
    campaign = public_campaign(slug) or abort(404)
    return _file(images.qr_png(campaign), "image/png", QR_CACHE, f"{slug}-qr.png")


def _file_limit() -> str:
    return current_app.config["LINK_RATE_LIMIT"]


@bp.route("/campaigns/<slug>/poster.pdf")
@limiter.limit(_file_limit)  # drawn on every request (it shows today's exact count)
def poster(slug: str) -> ResponseReturnValue:
    """A printable A4 poster with the QR code, in the language asked for; public."""
    campaign = public_campaign(slug) or abort(404)
    locale = _file_language()
    return _file(images.poster_pdf(campaign, locale), "application/pdf", "no-cache", f"{slug}-poster-{locale}.pdf")


@bp.route("/campaigns/<slug>/share.png")
def share_image(slug: str) -> ResponseReturnValue:
    """The image link previews show (title and count); public."""
    campaign = public_campaign(slug) or abort(404)
    return _file(images.share_image(campaign, _file_language()), "image/png", COUNT_CACHE)


@bp.route("/embed/<slug>")
@allow_framing
def embed(slug: str) -> ResponseReturnValue:
    """The widget other sites put in an iframe: the only view that may be framed."""
    campaign = public_campaign(slug) or abort(404)
    return render_template("reach/embed.html", campaign=campaign, sign_url=sharing.campaign_url(slug, "embed"))


@bp.route("/campaigns/<slug>/signers")
def signers(slug: str) -> ResponseReturnValue:
    """The signer wall: names and cities of counted signers who chose to be shown; public."""
    campaign = public_campaign(slug) or abort(404)
    page = page_number() or abort(404)
    names = queries.signer_wall(campaign, page)
    if page > 1 and not names.entries:
        abort(404)
    response = Response(render_template("reach/signers.html", campaign=campaign, wall=names))
    # Signers agreed to be named on the campaign, not to be found by their name in a search engine.
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.route("/sitemap.xml")
def sitemap() -> ResponseReturnValue:
    """sitemap.xml for search engines: home and public campaigns in both languages; public."""
    xml = render_template("reach/sitemap.xml", entries=sharing.sitemap_entries(), languages=sharing.LANGUAGES)
    return _file(xml, "application/xml", "public, max-age=3600")


@bp.route("/robots.txt")
def robots() -> ResponseReturnValue:
    """robots.txt: keeps personal links (confirm, withdraw, my data, answers) out of search engines; public."""
    lines = ["User-agent: *"]
    lines += [f"Disallow: {path}" for path in sharing.ROBOTS_DISALLOW]
    lines += ["", f"Sitemap: {external_url('reach.sitemap')}", ""]
    return _file("\n".join(lines), "text/plain", "public, max-age=3600")
