"""What the reach pages are made of: share links and texts, the QR code, the poster, the share image,
the signer wall, open data (counts per day and per city) and the links search engines read.

Counting: the headline number everywhere is the campaign's `confirmed_count`, the counter that is
raised in the confirming transaction and kept equal to the rows `Signature.counted()` selects (see
signing/moderation.recount); every query over signature rows (the wall, the statistics) selects them
with `Signature.counted()`.
"""
import csv
import hashlib
import io
import os
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit
from zoneinfo import ZoneInfo

from babel.lists import format_list
from flask import current_app
from flask_babel import force_locale, format_date, format_decimal, ngettext
from flask_babel import gettext as _
from markupsafe import escape
from sqlalchemy import func, select

from ..campaigns.models import PUBLIC_STATUSES, Campaign
from ..extensions import db
from ..links import external_url
from ..signing.models import Signature
from ..timeutil import as_utc, utcnow

LANGUAGES = ("nl", "en")
#: Open Graph wants a territory with the language.
OG_LOCALES = {"nl": "nl_NL", "en": "en_GB"}
#: A city with fewer counted signers than this is folded into "other", so that nobody is singled out.
MIN_CITY_GROUP = 5
SIGNERS_PER_PAGE = 50
SHARE_IMAGE_SIZE = (1200, 630)
#: Raise when the share image's design changes, so that cached images are drawn anew.
SHARE_IMAGE_VERSION = "1"


# ---------------------------------------------------------------- links


def campaign_url(slug, source=None, **values):
    """The campaign page's absolute address (BASE_URL), tagged with a share source (?s=whatsapp)."""
    if source:
        values["s"] = source
    return external_url("campaigns.show", slug=slug, **values)


def _share_message(campaign, locale):
    return _("Support this petition: “%(title)s”", title=campaign.text("title", locale))


def share_options(campaign, locale):
    """Everything the share step shows, in `locale`, in this order: WhatsApp, Telegram, Signal, email,
    X, Facebook, LinkedIn and copy-link. Each carries its own source tag. Signal has no share link, so
    its entry leads to a message to copy and paste (share.js copies it on click); copy-link leads to a
    field holding the link. `native` is what the browser's own share sheet gets, where it has one."""
    title = campaign.text("title", locale)
    message = _share_message(campaign, locale)

    def url(tag):
        return campaign_url(campaign.slug, tag)

    def query(**values):
        return urlencode(values, quote_via=quote)

    summary = campaign.text("summary", locale)
    links = [
        ("whatsapp", "WhatsApp", "https://wa.me/?" + query(text=f"{message} {url('whatsapp')}")),
        ("telegram", "Telegram", "https://t.me/share/url?" + query(url=url("telegram"), text=message)),
        ("signal", "Signal", "#share-signal"),
        ("email", _("Email"), "mailto:?" + query(subject=title, body=f"{message}\n\n{summary}\n\n{url('email')}")),
        ("x", "X", "https://x.com/intent/post?" + query(text=message, url=url("x"))),
        ("facebook", "Facebook", "https://www.facebook.com/sharer/sharer.php?" + query(u=url("facebook"))),
        ("linkedin", "LinkedIn", "https://www.linkedin.com/sharing/share-offsite/?" + query(url=url("linkedin"))),
        ("link", _("Copy link"), "#share-link"),
    ]
    return {
        "links": [
            {"key": key, "label": label, "href": href, "external": href.startswith("https://")}
            for key, label, href in links
        ],
        "signal_text": f"{message} {url('signal')}",
        "copy_url": url("link"),
        "native": {"title": title, "text": message, "url": url("share")},
    }


def open_graph(campaign, locale):
    """Open Graph and Twitter card fields of a campaign page. The image address names the count's
    step (v=), so that a preview cached by a chat app or a social network is fetched anew past it."""
    title = campaign.text("title", locale)
    return {
        "title": title,
        "description": campaign.text("summary", locale),
        "url": external_url("campaigns.show", slug=campaign.slug, lang=locale),
        "image": external_url(
            "reach.share_image", slug=campaign.slug, language=locale, v=count_step(campaign.confirmed_count)
        ),
        "image_alt": title,
        "image_width": SHARE_IMAGE_SIZE[0],
        "image_height": SHARE_IMAGE_SIZE[1],
        "locale": OG_LOCALES.get(locale, locale),
        "locale_alternates": [OG_LOCALES[lang] for lang in LANGUAGES if lang != locale],
    }


def share_messages(campaign):
    """Ready-to-paste messages for a group chat and for a course forum, in Dutch and in English (groups
    are mixed: both are always offered, whatever the page's language)."""
    messages = {}
    for lang in LANGUAGES:
        with force_locale(lang):
            title = campaign.text("title", lang)
            summary = campaign.text("summary", lang)
            chat_url = campaign_url(campaign.slug, "chat")
            forum_url = campaign_url(campaign.slug, "forum")
            recipients = format_list([r.name for r in campaign.recipients], locale=lang) if campaign.recipients else ""
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


def embed_snippets(campaign):
    """The <iframe> to paste into another site, one per language. No inline style (the widget sizes
    itself to the frame), so that it also fits sites with a strict Content-Security-Policy."""
    snippets = {}
    for lang in LANGUAGES:
        src = external_url("reach.embed", slug=campaign.slug, lang=lang)
        title = campaign.text("title", lang)
        snippets[lang] = (
            f'<iframe src="{escape(src)}" title="{escape(title)}" width="100%" height="260" '
            'frameborder="0" loading="lazy"></iframe>'
        )
    return snippets


# ---------------------------------------------------------------- QR code


def qr_url(campaign):
    return campaign_url(campaign.slug, "poster")


def _qr(campaign):
    import segno

    # Always a full QR code (never a Micro QR, which many phone cameras cannot read); level M survives
    # a poster being scuffed or partly covered.
    return segno.make_qr(qr_url(campaign), error="m")


def qr_svg(campaign):
    out = io.BytesIO()
    _qr(campaign).save(out, kind="svg", scale=10, border=4, xmldecl=True, title=qr_url(campaign))
    return out.getvalue()


def qr_png(campaign):
    out = io.BytesIO()
    _qr(campaign).save(out, kind="png", scale=10, border=4)
    return out.getvalue()


# ---------------------------------------------------------------- the poster (A4 PDF)


def _count_line(count):
    return ngettext("%(count)s signature so far", "%(count)s signatures so far", count, count=format_decimal(count))


def _goal_line(goal):
    return ngettext("Goal: %(count)s signature", "Goal: %(count)s signatures", goal, count=format_decimal(goal))


def poster_pdf(campaign, locale):
    """An A4 poster in `locale`: the title, the summary, the current count and the goal, and a large QR
    code (drawn as vector squares, sharp at any print size) with the address written under it."""
    from ..letters.pdf import _clean, _LetterPDF  # the project's DejaVu fonts, fallback glyphs included

    class PosterPDF(_LetterPDF):
        def footer(self):
            pass

    with force_locale(locale):
        title = _clean(campaign.text("title", locale))
        summary = _clean(campaign.text("summary", locale))
        count, goal = campaign.confirmed_count, campaign.next_goal
        plain_url = campaign_url(campaign.slug)
        open_ = campaign.accepts_signatures()
        pdf = PosterPDF()
        pdf.ensure_glyphs(title, summary, campaign.organizer_name)
        pdf.set_auto_page_break(False)
        pdf.set_title(title)
        pdf.add_page()
        width = pdf.epw
        ink, accent, muted = (25, 25, 25), (31, 92, 153), (105, 105, 105)

        qr_size = 78.0
        url_height = 12.0
        qr_top = pdf.h - 18 - url_height - qr_size
        text_bottom = qr_top - 16  # room for the "scan" caption

        # Pick the largest title and summary sizes that leave room for the count above the QR code.
        for title_size, summary_size in ((40, 17), (36, 16), (32, 15), (28, 14), (24, 13), (20, 12), (16, 11)):
            pdf.set_font("sans", "B", title_size)
            title_lines = pdf.multi_cell(width, title_size * 0.45, title, align="L", dry_run=True, output="LINES")
            pdf.set_font("serif", "", summary_size)
            summary_lines = pdf.multi_cell(width, summary_size * 0.5, summary, align="L", dry_run=True, output="LINES") if summary else []
            needed = 12 + len(title_lines) * title_size * 0.45 + 6 + len(summary_lines) * summary_size * 0.5 + 8 + 34
            if pdf.t_margin + needed <= text_bottom:
                break
        else:  # still too long at the smallest size: shorten the summary to the lines that fit
            room = text_bottom - pdf.t_margin - (12 + len(title_lines) * title_size * 0.45 + 6 + 8 + 34)
            keep = max(0, int(room // (summary_size * 0.5)))
            summary_lines = summary_lines[:keep]
            if summary_lines:
                last = summary_lines[-1]
                while last and pdf.get_string_width(last + " …") > width:
                    last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
                summary_lines[-1] = last.rstrip(" .,;:") + " …"

        pdf.set_text_color(*accent)
        pdf.set_font("sans", "B", 13)
        pdf.cell(width, 8, _("Petition") + " · " + campaign.organizer_name, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        pdf.set_text_color(*ink)
        pdf.set_font("sans", "B", title_size)
        pdf.multi_cell(width, title_size * 0.45, title, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(6)
        if summary_lines:
            pdf.set_font("serif", "", summary_size)
            pdf.multi_cell(width, summary_size * 0.5, "\n".join(summary_lines), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(8)
        pdf.set_font("sans", "B", 24)
        pdf.cell(width, 12, _count_line(count), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("sans", "", 15)
        pdf.cell(width, 8, _goal_line(goal), new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(*muted)
        pdf.set_font("sans", "", 10)
        pdf.cell(width, 6, _("Count on %(date)s", date=format_date(utcnow().date(), format="long")), new_x="LMARGIN", new_y="NEXT")

        pdf.set_text_color(*accent)
        pdf.set_font("sans", "B", 16)
        pdf.set_xy(pdf.l_margin, qr_top - 12)
        caption = _("Scan the code to sign") if open_ else _("This campaign is closed and no longer takes signatures.")
        pdf.cell(width, 9, caption, align="C")
        _draw_qr(pdf, _qr(campaign), (pdf.w - qr_size) / 2, qr_top, qr_size)
        pdf.set_text_color(*ink)
        pdf.set_font("sans", "", 11)
        pdf.set_xy(pdf.l_margin, qr_top + qr_size + 3)
        pdf.cell(width, 6, plain_url, align="C")
        return bytes(pdf.output())


def _draw_qr(pdf, qr, x, y, size):
    """The QR code's dark modules as filled rectangles, one per run of dark modules in a row."""
    matrix = qr.matrix
    modules = len(matrix)
    step = size / modules
    pdf.set_fill_color(0, 0, 0)
    for row_index, row in enumerate(matrix):
        start = None
        for col, dark in enumerate(list(row) + [0]):
            if dark and start is None:
                start = col
            elif not dark and start is not None:
                # A hair of overlap, so that no viewer shows seams between neighbouring squares.
                pdf.rect(x + start * step, y + row_index * step, (col - start) * step + 0.02, step + 0.02, style="F")
                start = None


# ---------------------------------------------------------------- the share image (Open Graph)


def count_step(count):
    """The count rounded down to two significant digits (exact below 100, then 120, 1,200, 15,000):
    the share image is drawn once per step, not once per signature."""
    if count < 100:
        return max(0, count)
    magnitude = 10 ** (len(str(count)) - 2)
    return count // magnitude * magnitude


def share_image_key(campaign, locale):
    """The cache key of a campaign's share image: the language, the count's step, and a digest of
    everything else drawn on it (so that an edited title or goal draws the image anew)."""
    drawn = "\x1f".join(
        (
            SHARE_IMAGE_VERSION,
            campaign.text("title", locale),
            str(campaign.next_goal),
            campaign.status,
            urlsplit(current_app.config["BASE_URL"]).netloc,
        )
    )
    digest = hashlib.sha256(drawn.encode("utf-8")).hexdigest()[:12]
    return f"{locale}-{count_step(campaign.confirmed_count)}-{digest}"


def _share_image_folder(slug):
    return Path(current_app.instance_path) / "share-images" / slug


def share_image(campaign, locale):
    """The PNG for link previews (1200x630), from the cache in the instance folder while the count stays
    in the same step; drawn anew (and older images of this campaign and language removed) past it."""
    key = share_image_key(campaign, locale)
    folder = _share_image_folder(campaign.slug)
    path = folder / f"{key}.png"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    data = render_share_image(campaign, locale)
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{key}.{secrets.token_hex(4)}.tmp"
    temporary.write_bytes(data)
    os.replace(temporary, path)  # atomic: a concurrent request reads the old file or the new one
    for old in folder.glob(f"{locale}-*.png"):
        if old != path:
            old.unlink(missing_ok=True)
    return data


def _wrap(draw, text, font, width):
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if draw.textlength(candidate, font=font) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        while draw.textlength(word, font=font) > width:  # a word longer than the line: break it
            cut = len(word)
            while cut > 1 and draw.textlength(word[:cut], font=font) > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line:
        lines.append(line)
    return lines


def render_share_image(campaign, locale):
    from PIL import Image, ImageDraw, ImageFont

    from ..letters.pdf import FONT_FILES, _clean, _font_path

    bold_path, regular_path = str(_font_path(FONT_FILES[("sans", "B")])), str(_font_path(FONT_FILES[("sans", "")]))
    width, height = SHARE_IMAGE_SIZE
    pad = 72
    inner = width - 2 * pad
    background, ink, soft, bar, fill = (31, 92, 153), (255, 255, 255), (208, 224, 240), (21, 64, 107), (120, 214, 160)
    image = Image.new("RGB", SHARE_IMAGE_SIZE, background)
    draw = ImageDraw.Draw(image)

    with force_locale(locale):
        title = _clean(campaign.text("title", locale))
        step, goal = count_step(campaign.confirmed_count), campaign.next_goal
        shown = format_decimal(step) + ("+" if step >= 100 else "")
        count_text = ngettext("%(count)s signature", "%(count)s signatures", step, count=shown)
        goal_text = _goal_line(goal)
        label = _("Petition") + " · " + urlsplit(current_app.config["BASE_URL"]).netloc

    draw.text((pad, 56), label, font=ImageFont.truetype(regular_path, 28), fill=soft)
    for size in (68, 60, 54, 48, 42, 38):
        font = ImageFont.truetype(bold_path, size)
        lines = _wrap(draw, title, font, inner)
        if len(lines) <= 4:
            break
    else:
        lines = lines[:4]
        last = lines[-1]
        while last and draw.textlength(last + " …", font=font) > inner:
            last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
        lines[-1] = last.rstrip(" .,;:") + " …"
    y = 120
    for line in lines:
        draw.text((pad, y), line, font=font, fill=ink)
        y += int(size * 1.2)

    draw.text((pad, 440), count_text, font=ImageFont.truetype(bold_path, 54), fill=ink)
    goal_font = ImageFont.truetype(regular_path, 30)
    draw.text((width - pad - draw.textlength(goal_text, font=goal_font), 458), goal_text, font=goal_font, fill=soft)
    draw.rounded_rectangle((pad, 526, width - pad, 552), radius=13, fill=bar)
    done = min(1.0, step / goal) if goal else 1.0
    if done > 0:
        draw.rounded_rectangle((pad, 526, pad + max(26, int(inner * done)), 552), radius=13, fill=fill)

    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


# ---------------------------------------------------------------- the signer wall


@dataclass
class WallPage:
    entries: list  # (name, city or None), newest first
    page: int
    has_next: bool
    total: int  # counted signers who chose to be named


def signer_wall(campaign, page=1, per_page=SIGNERS_PER_PAGE):
    """Names and cities of the counted signers who agreed to be shown, most recently confirmed first.
    Nothing else: never an email address, never a date (which, with a name, says more than needed)."""
    where = (Signature.campaign_id == campaign.id, Signature.named())
    total = db.session.scalar(select(func.count()).select_from(Signature).where(*where))
    rows = db.session.execute(
        select(Signature.name, Signature.city)
        .where(*where)
        .order_by(Signature.confirmed_at.desc(), Signature.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page + 1)
    ).all()
    return WallPage(entries=[tuple(r) for r in rows[:per_page]], page=page, has_next=len(rows) > per_page, total=total)


# ---------------------------------------------------------------- open data


def public_campaigns(status=None):
    statuses = (status,) if status else PUBLIC_STATUSES
    return db.session.scalars(
        select(Campaign).where(Campaign.status.in_(statuses)).order_by(Campaign.created_at.desc(), Campaign.id.desc())
    ).all()


def daily_counts(campaign):
    """Counted signatures per day of confirmation (in the campaign's time zone), from the first day to
    the last, days without any included as 0: [(date, count)]."""
    zone = ZoneInfo(current_app.config["CAMPAIGN_TIMEZONE"])
    moments = db.session.scalars(
        select(Signature.confirmed_at)
        .where(Signature.campaign_id == campaign.id, Signature.counted())
        .execution_options(yield_per=5000)
    )
    per_day = Counter(as_utc(moment).astimezone(zone).date() for moment in moments)
    if not per_day:
        return []
    first, last = min(per_day), max(per_day)
    return [(first + timedelta(days=n), per_day.get(first + timedelta(days=n), 0)) for n in range((last - first).days + 1)]


def _city_key(city):
    return " ".join(city.split()).casefold()


def city_counts(campaign, minimum=MIN_CITY_GROUP):
    """Counted signatures per city. Spellings that differ only in case or spacing are one city, named by
    its most common spelling; a city with fewer than `minimum` signers is folded into `other`, and
    signers who gave no city are counted as `not_given`. Returns (cities [(name, count)], other,
    not_given), cities by count, largest first."""
    rows = db.session.execute(
        select(Signature.city, func.count())
        .where(Signature.campaign_id == campaign.id, Signature.counted())
        .group_by(Signature.city)
    ).all()
    totals, spellings, not_given = Counter(), {}, 0
    for city, count in rows:
        cleaned = " ".join((city or "").split())
        if not cleaned:
            not_given += count
            continue
        key = _city_key(cleaned)
        totals[key] += count
        spellings.setdefault(key, Counter())[cleaned] += count
    cities, other = [], 0
    for key, count in totals.items():
        if count >= minimum:
            name = sorted(spellings[key].items(), key=lambda item: (-item[1], item[0]))[0][0]
            cities.append((name, count))
        else:
            other += count
    cities.sort(key=lambda item: (-item[1], item[0].casefold()))
    return cities, other, not_given


def _safe_cell(value):
    """A spreadsheet must never run a cell as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_text(header, rows):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_safe_cell(cell) for cell in row])
    return out.getvalue()


# ---------------------------------------------------------------- what search engines read


def language_links(endpoint, **values):
    """The canonical address of a page in the language shown (?lang=), and its alternates per
    language; x-default is the default language's address, so that every alternate is canonical."""
    from flask_babel import get_locale

    current = str(get_locale())
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    urls = {lang: external_url(endpoint, **values, lang=lang) for lang in current_app.config["LANGUAGES"]}
    return {
        "canonical": urls.get(current, urls[default]),
        "alternates": [(lang, url) for lang, url in urls.items()] + [("x-default", urls[default])],
    }


def sitemap_entries():
    """[(language -> url)] for the home page and every public campaign, open or closed."""
    entries = [{lang: external_url("campaigns.index", lang=lang) for lang in LANGUAGES}]
    for campaign in public_campaigns():
        entries.append({lang: external_url("campaigns.show", slug=campaign.slug, lang=lang) for lang in LANGUAGES})
    return entries


ROBOTS_DISALLOW = ("/verify/", "/unsubscribe/", "/withdraw/", "/my-data/", "/respond/", "/api/", "/embed/")
