"""What a campaign looks like on paper and in link previews: the QR code, the A4 poster (with the
letters' fonts, through letters.typesetting) and the share image."""
from __future__ import annotations

import hashlib
import io
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, cast
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale, format_date, format_decimal, ngettext
from flask_babel import gettext as _

from ..letters.typesetting import FONT_FILES, LetterPDF, clean_text, draw_qr, font_path  # the letters' fonts, fallback glyphs included
from .sharing import SHARE_IMAGE_SIZE, campaign_url, count_step
from ..campaigns.models import Campaign
from ..timeutil import utcnow

if TYPE_CHECKING:  # imported where they are used: drawing is rare, and these are slow to import
    from PIL.ImageDraw import ImageDraw
    from PIL.ImageFont import FreeTypeFont
    from segno import QRCode

#: Raise when the share image's design changes, so that cached images are drawn anew.
SHARE_IMAGE_VERSION = "1"


# ---------------------------------------------------------------- QR code


def qr_url(campaign: Campaign) -> str:
    return campaign_url(campaign.slug, "poster")


def _qr(campaign: Campaign) -> QRCode:
    import segno

    # Always a full QR code (never a Micro QR, which many phone cameras cannot read); level M survives
    # a poster being scuffed or partly covered.
    return segno.make_qr(qr_url(campaign), error="m")


def qr_svg(campaign: Campaign) -> bytes:
    out = io.BytesIO()
    _qr(campaign).save(out, kind="svg", scale=10, border=4, xmldecl=True, title=qr_url(campaign))
    return out.getvalue()


def qr_png(campaign: Campaign) -> bytes:
    out = io.BytesIO()
    _qr(campaign).save(out, kind="png", scale=10, border=4)
    return out.getvalue()


# ---------------------------------------------------------------- the poster (A4 PDF)


def _count_line(count: int) -> str:
    return ngettext("%(count)s signature so far", "%(count)s signatures so far", count, count=format_decimal(count))


def _goal_line(goal: int | None) -> str:
    if goal is None:  # a campaign has at least one goal (rules.validate_goals): never, but then no line
        return ""
    return ngettext("Goal: %(count)s signature", "Goal: %(count)s signatures", goal, count=format_decimal(goal))


def poster_pdf(campaign: Campaign, locale: str) -> bytes:
    """An A4 poster in `locale`: the title, the summary, the current count and the goal, and a large QR
    code (drawn as vector squares, sharp at any print size) with the address written under it."""

    class PosterPDF(LetterPDF):
        def footer(self) -> None:
            pass

    with force_locale(locale):
        title = clean_text(campaign.text("title", locale))
        summary = clean_text(campaign.text("summary", locale))
        count, goal = campaign.goal_count, campaign.next_goal
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
        # (fpdf2 types multi_cell's result as the union of every `output`; output="LINES" is a list of lines.)
        for title_size, summary_size in ((40, 17), (36, 16), (32, 15), (28, 14), (24, 13), (20, 12), (16, 11)):
            pdf.set_font("sans", "B", title_size)
            title_lines = cast(list[str], pdf.multi_cell(width, title_size * 0.45, title, align="L", dry_run=True, output="LINES"))
            pdf.set_font("serif", "", summary_size)
            summary_lines = cast(list[str], pdf.multi_cell(width, summary_size * 0.5, summary, align="L", dry_run=True, output="LINES")) if summary else []
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
        draw_qr(pdf, _qr(campaign).matrix, (pdf.w - qr_size) / 2, qr_top, qr_size)
        pdf.set_text_color(*ink)
        pdf.set_font("sans", "", 11)
        pdf.set_xy(pdf.l_margin, qr_top + qr_size + 3)
        pdf.cell(width, 6, plain_url, align="C")
        return bytes(pdf.output())


# ---------------------------------------------------------------- the share image (Open Graph)


def share_image_key(campaign: Campaign, locale: str) -> str:
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
    return f"{locale}-{count_step(campaign.goal_count)}-{digest}"


def _share_image_folder(slug: str) -> Path:
    return Path(current_app.instance_path) / "share-images" / slug


def share_image(campaign: Campaign, locale: str) -> bytes:
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


def _wrap(draw: ImageDraw, text: str, font: FreeTypeFont, width: float) -> list[str]:
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


def render_share_image(campaign: Campaign, locale: str) -> bytes:
    from PIL import Image, ImageDraw, ImageFont


    bold_path, regular_path = str(font_path(FONT_FILES[("sans", "B")])), str(font_path(FONT_FILES[("sans", "")]))
    width, height = SHARE_IMAGE_SIZE
    pad = 72
    inner = width - 2 * pad
    background, ink, soft, bar, fill = (31, 92, 153), (255, 255, 255), (208, 224, 240), (21, 64, 107), (120, 214, 160)
    image = Image.new("RGB", SHARE_IMAGE_SIZE, background)
    draw = ImageDraw.Draw(image)

    with force_locale(locale):
        title = clean_text(campaign.text("title", locale))
        step, goal = count_step(campaign.goal_count), campaign.next_goal
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
