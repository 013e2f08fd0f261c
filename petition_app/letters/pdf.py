"""The demand letter as a PDF: the letter to one recipient, then an annex listing the signers who agreed to
be named.

One tool does it all: fpdf2 (pure Python; no system library). The letter pages are the Jinja template
templates/letters/letter.html, translated by Flask-Babel and laid out by fpdf2's write_html, which knows a
subset of HTML (see the template's header). The annex is drawn entry by entry straight from the `names`
iterator, in three columns, so no list of names ever exists; fpdf2 keeps only the page content streams,
10 to 20 bytes per name once compressed. docs/letters.md has the measurements behind this choice
(WeasyPrint for the whole document passes 1.6 GB at 100,000 names; this stays under 140 MB).

Fonts are DejaVu TrueType files, embedded as subsets. They are looked up in FONT_DIR, which can be
overridden by setting the module constant (or LETTER_FONT_DIR in the environment); a missing file fails
with LetterFontError, never with a silent fallback to a font that cannot write "Zoë" or "Łukasz".
The serif letter borrows from DejaVu Sans the scripts DejaVu Serif lacks (Arabic, Hebrew...).
Characters neither has (Chinese, Japanese, Korean) are drawn with the first of FALLBACK_FONT_FILES that
exists, loaded only when a text needs it; with none installed those characters are left out and a
warning is logged. Names in a complex script (Arabic, Hebrew, Indic) are shaped by HarfBuzz (uharfbuzz):
joined letters, right-to-left runs. fpdf2's write_html does not shape, so such text in the letter's own
fields (title, recipient, organizer) shows its letters unjoined and in typing order.
"""
import logging
import os
import re
import secrets
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO, Iterable, Mapping

from flask import render_template
from flask_babel import force_locale, format_date, format_decimal
from flask_babel import gettext as _
from fpdf import FPDF, FPDFException
from fpdf.fonts import FontFace, TextStyle, TTFFont

log = logging.getLogger(__name__)

#: Folder of the TrueType files named in FONT_FILES (Debian: fonts-dejavu-core).
FONT_DIR = Path(os.environ.get("LETTER_FONT_DIR") or "/usr/share/fonts/truetype/dejavu")
#: (family, style) -> file name in FONT_DIR (an absolute path works too). All four are in fonts-dejavu-core.
FONT_FILES = {
    ("serif", ""): "DejaVuSerif.ttf",
    ("serif", "B"): "DejaVuSerif-Bold.ttf",
    ("sans", ""): "DejaVuSans.ttf",
    ("sans", "B"): "DejaVuSans-Bold.ttf",
}
#: Optional fonts for characters DejaVu lacks, tried in order; a missing file is skipped.
#: Debian: fonts-droid-fallback (4 MB, covers Chinese, Japanese and Korean).
FALLBACK_FONT_FILES = (Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),)

PAGE_FORMAT = "A4"
MARGIN_SIDE = 22  # mm
MARGIN_TOP = 20
MARGIN_BOTTOM = 20  # the footer sits inside it
LETTER_FONT_SIZE = 10.5  # pt
ANNEX_COLUMNS = 3
ANNEX_COLUMN_GAP = 6  # mm
ANNEX_FONT_SIZE = 7.5  # pt
ANNEX_LINE_HEIGHT = 3.3  # mm: 77 lines a column, 231 names a full page
_HANG = 3  # mm: the indent of a long entry's second line

# C0/C1 control characters and line/paragraph separators: never meaningful in a name or a city.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_BETWEEN_TAGS = re.compile(r">\s+<")
# Scripts that need the bidi algorithm and shaping (joined letters, reordered vowels): Hebrew, Arabic, Syriac,
# Thaana, N'Ko and their presentation forms, Indic, Thai, Lao, Myanmar, Khmer, historic right-to-left blocks.
_COMPLEX_SCRIPT = re.compile(
    "[\u0590-\u08ff\u0900-\u0dff\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\ufb1d-\ufdff\ufe70-\ufefc"
    "\U00010800-\U00010fff\U0001e800-\U0001efff]"
)


class LetterFontError(RuntimeError):
    """A font file the letter needs is missing."""


@dataclass
class LetterContent:
    campaign_title: str  # in the letter's language
    campaign_summary: str  # plain text, in the letter's language
    organizer_name: str
    recipient_name: str  # in the letter's language
    demands: list[str]  # this recipient's demands only, in order, in the letter's language
    signature_count: int  # confirmed signatures at compile time
    goal: int  # the goal reached (or the next goal if not yet reached)
    goal_reached: bool
    letter_date: date
    campaign_url: str
    named_count: int  # how many signers agreed to be named (length of the annex)
    # Stories and support (a campaign that takes them): {"total", "categories", "places", "minimum"},
    # every group already 5 or more (stories.queries.figures), or None; and the redacted stories whose
    # authors approved them for the letters, for an annex of their own.
    story_figures: Mapping[str, Any] | None = None
    story_quotes: list[str] = field(default_factory=list)
    # How the letter opens, in its language ("Geachte burgemeester,"); empty: the formal default.
    salutation: str = ""
    # Where the recipient reaches the organizers (their contact address; never a signer's).
    organizer_contact: str = ""
    # Paper signatures the organizers recorded (stated apart from the confirmed ones, and their total),
    # and whether they count toward the goal.
    paper_count: int = 0
    paper_counts_toward_goals: bool = True


def write_letter_pdf(
    out: BinaryIO, content: LetterContent, names: Iterable[tuple[str, str | None]], locale: str
) -> None:
    """Write the letter (in `locale`, "nl" or "en") followed by an annex listing (name, city or None)
    of the signers who agreed to be named, in the order given. `names` is a streaming iterator over
    database rows (possibly 100,000 of them): consume it once, never materialise it as a list."""
    with force_locale(locale):
        names = iter(names)
        first = next(names, None)  # only to know whether there is an annex at all
        pdf = LetterPDF()
        pdf.ensure_glyphs(
            content.campaign_title,
            content.campaign_summary,
            content.organizer_name,
            content.recipient_name,
            content.salutation,
            content.organizer_contact,
            *content.demands,
            *content.story_quotes,
        )
        pdf.set_font("serif", size=LETTER_FONT_SIZE)
        pdf.add_page()
        pdf.write_html(_letter_html(content, has_annex=first is not None), **_HTML_OPTIONS)
        if first is not None:
            listed = _write_annex(pdf, _chain_first(first, names))
            if listed != content.named_count:
                log.warning(
                    "letter to %r: named_count is %d but the annex lists %d names",
                    content.recipient_name,
                    content.named_count,
                    listed,
                )
        elif content.named_count:
            log.warning("letter to %r: named_count is %d but no names were given", content.recipient_name, content.named_count)
        pdf.output(out)


def _chain_first(first, rest):
    yield first
    yield from rest


def clean_text(text):
    """One line of plain text: control characters and runs of white space become one space."""
    return " ".join(_CONTROL.sub(" ", text or "").split())


def _paragraphs(text):
    """Plain text to paragraphs (split on blank lines), each a list of its lines."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = []
    for block in re.split(r"\n\s*\n", text):
        lines = [clean_text(line) for line in block.split("\n")]
        lines = [line for line in lines if line]
        if lines:
            paragraphs.append(lines)
    return paragraphs


def _letter_html(content, has_annex):
    html = render_template(
        "letters/letter.html",
        organizer_name=clean_text(content.organizer_name),
        recipient_name=clean_text(content.recipient_name),
        # The address line starts with a capital ("De burgemeester van Leiden"), in a sentence it need not.
        recipient_address=clean_text(content.recipient_name)[:1].upper() + clean_text(content.recipient_name)[1:],
        salutation=clean_text(content.salutation),
        organizer_contact=clean_text(content.organizer_contact),
        campaign_title=clean_text(content.campaign_title),
        summary_paragraphs=_paragraphs(content.campaign_summary),
        demands=[clean_text(demand) for demand in content.demands if clean_text(demand)],
        signature_count=content.signature_count,
        signature_count_text=format_decimal(content.signature_count),
        paper_count=content.paper_count,
        paper_count_text=format_decimal(content.paper_count),
        total_count=content.signature_count + content.paper_count,
        total_count_text=format_decimal(content.signature_count + content.paper_count),
        paper_counts_toward_goals=content.paper_counts_toward_goals,
        goal_text=format_decimal(content.goal),
        goal_reached=content.goal_reached,
        named_count=content.named_count,
        named_count_text=format_decimal(content.named_count),
        date_text=format_date(content.letter_date, format="long"),
        campaign_url=clean_text(content.campaign_url),
        has_annex=has_annex,
        story_figures=content.story_figures,
        story_quotes=[_paragraphs(quote) for quote in content.story_quotes],
    )
    # fpdf2 prints white space between two block tags as an empty line: drop it (spaces that matter are
    # inside text, never between a closing and an opening tag).
    return _BETWEEN_TAGS.sub("><", html.strip())


_INK = (25, 25, 25)
_MUTED = (105, 105, 105)
_HTML_OPTIONS = {
    "li_prefix_color": _INK,
    "warn_on_tags_not_matching": False,
    "tag_styles": {
        "h1": TextStyle(font_family="serif", font_style="B", font_size_pt=15, color=_INK, t_margin=8, b_margin=1.2),
        "h2": TextStyle(font_family="serif", font_style="B", font_size_pt=12, color=_INK, t_margin=5, b_margin=0.4),
        "p": TextStyle(t_margin=0, b_margin=2.5),
        "ol": TextStyle(t_margin=0, b_margin=2),
        "li": TextStyle(l_margin=6, t_margin=1.5),
        "a": FontFace(color=(30, 60, 110)),
    },
}


class LetterPDF(FPDF):
    def __init__(self):
        super().__init__(orientation="portrait", unit="mm", format=PAGE_FORMAT)
        # A random alias for the page total: fpdf2's default "{nb}" would also replace that text in a name.
        self._total_alias = "{" + secrets.token_hex(6) + "}"
        self.alias_nb_pages(self._total_alias)
        self.set_margins(MARGIN_SIDE, MARGIN_TOP, MARGIN_SIDE)
        self.set_auto_page_break(True, margin=MARGIN_BOTTOM)
        self.set_creator("petition_app")
        for (family, style), filename in FONT_FILES.items():
            self.add_font(family, style, str(font_path(filename)))
        sans = self.fonts["sans"]
        assert isinstance(sans, TTFFont)  # added from a TrueType file just above, never a core font
        self._sans_cmap = frozenset(sans.cmap)
        # DejaVu Serif lacks scripts DejaVu Sans has (Arabic, Hebrew, ...): the letter's serif text borrows them.
        self._fallback_families = ["sans"]
        self.use_fallbacks(True)
        self._fallbacks_tried = False
        self._shaping_unavailable = False

    def use_fallbacks(self, on):
        """Fallback fonts on or off: the annex turns them off, since fpdf2 then measures and writes each
        string without looking at every character, and on again for the few names that need them."""
        self.set_fallback_fonts(self._fallback_families if on else [], exact_match=False)

    def shape(self, on):
        """Text shaping (HarfBuzz, through uharfbuzz) on or off: on for the few texts in a complex script,
        since it costs about ten times the plain path. Without uharfbuzz, such text stays unjoined."""
        if on == bool(self.text_shaping) or (on and self._shaping_unavailable):
            return
        if not on:
            self.set_text_shaping(False)
            return
        try:
            self.set_text_shaping(True, direction="ltr")  # the paragraph is left to right; Arabic runs still run right to left
        except FPDFException:
            self._shaping_unavailable = True
            log.warning("uharfbuzz is not installed: Arabic, Hebrew and Indic names are drawn unshaped")

    def footer(self):
        self.set_y(-MARGIN_BOTTOM + 8)
        self.set_font("sans", size=7.5)
        self.set_text_color(*_MUTED)
        self.cell(0, 4, _("Page %(page)s of %(total)s", page=self.page_no(), total=self._total_alias), align="C")
        self.set_text_color(*_INK)

    def covers(self, text):
        """Whether DejaVu Sans (and so the serif text, which falls back on it) has every character of `text`."""
        return text.isascii() or self._sans_cmap.issuperset(map(ord, text))

    def ensure_glyphs(self, *texts):
        """Load the fallback fonts the first time a text holds a character DejaVu cannot draw."""
        if self._fallbacks_tried or all(self.covers(text or "") for text in texts):
            return
        self._fallbacks_tried = True
        for number, path in enumerate(FALLBACK_FONT_FILES):
            if Path(path).is_file():
                self.add_font(f"fallback{number}", "", str(path))
                self._fallback_families.append(f"fallback{number}")
        if len(self._fallback_families) > 1:
            self.use_fallbacks(True)
        else:
            log.warning(
                "the letter holds characters the DejaVu fonts lack (e.g. Chinese); they are left out. "
                "Install fonts-droid-fallback or set petition_app.letters.pdf.FALLBACK_FONT_FILES."
            )


def font_path(filename):
    path = Path(FONT_DIR) / filename
    if not path.is_file():
        raise LetterFontError(
            f"font file {path} not found: install the Debian package fonts-dejavu-core, or point "
            "petition_app.letters.pdf.FONT_DIR (or the LETTER_FONT_DIR environment variable) at a folder "
            f"holding {', '.join(sorted(set(FONT_FILES.values())))}"
        )
    return path


def _write_annex(pdf, names):
    """Draw the names below the annex heading, column by column, page by page; return how many.

    Most entries take the fast path: fpdf2's text(), one text operator per line. An entry in a complex
    script (Arabic, Hebrew, Indic...) goes through cell() with text shaping, which joins its letters and
    runs right-to-left text right to left; one with characters DejaVu lacks through cell() too (which
    draws them with the fallback font), and one with a word wider than a column through multi_cell."""
    pdf.set_auto_page_break(False)
    pdf.use_fallbacks(False)
    pdf.c_margin = 0
    pdf.set_font("sans", size=ANNEX_FONT_SIZE)
    pdf.set_text_color(*_INK)
    pdf.set_fill_color(*_INK)  # text() wraps each string in a colour change unless fill and text colours match
    width = (pdf.epw - ANNEX_COLUMN_GAP * (ANNEX_COLUMNS - 1)) / ANNEX_COLUMNS
    baseline = ANNEX_LINE_HEIGHT / 2 + 0.3 * pdf.font_size  # where cell() puts it
    bottom = pdf.h - MARGIN_BOTTOM
    top = pdf.get_y() + 2  # below the heading on the annex's first page
    y, column, count = top, 0, 0
    for name, city in names:
        name, city = clean_text(name), clean_text(city)
        text = f"{name} ({city})" if city else name
        count += 1
        covered = pdf.covers(text)
        if not covered:
            pdf.ensure_glyphs(text)
            pdf.use_fallbacks(True)
        shaped = _needs_shaping(text)
        if shaped:
            pdf.shape(True)
        lines = _wrap(pdf, text, width) if covered else None
        if lines is None:
            first, *more = pdf.multi_cell(width, ANNEX_LINE_HEIGHT, text, align="L", dry_run=True, output="LINES") or [""]
            lines = [first]
            if more:
                rest = text[len(first):].strip() if text.startswith(first) else " ".join(more)
                lines += pdf.multi_cell(width - _HANG, ANNEX_LINE_HEIGHT, rest, align="L", dry_run=True, output="LINES")
        if y + len(lines) * ANNEX_LINE_HEIGHT > bottom and y > top:
            column += 1
            if column == ANNEX_COLUMNS:
                if shaped:
                    pdf.shape(False)  # for the footer
                pdf.add_page()
                pdf.set_font("sans", size=ANNEX_FONT_SIZE)
                if shaped:
                    pdf.shape(True)
                column, top = 0, pdf.t_margin
            y = top
        x = pdf.l_margin + column * (width + ANNEX_COLUMN_GAP)
        for number, line in enumerate(lines):
            indent = _HANG if number else 0
            if covered and not shaped:
                pdf.text(x + indent, y + baseline, line)
            else:
                pdf.set_xy(x + indent, y)
                pdf.cell(width - indent, ANNEX_LINE_HEIGHT, line)
            y += ANNEX_LINE_HEIGHT
        if shaped:
            pdf.shape(False)
        if not covered:
            pdf.use_fallbacks(False)
    return count


def _needs_shaping(text):
    return not text.isascii() and _COMPLEX_SCRIPT.search(text) is not None


def _wrap(pdf, text, width):
    """The lines of an entry, the second and later indented by _HANG; None when a word is too wide."""
    if pdf.get_string_width(text) <= width:
        return [text]
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if pdf.get_string_width(candidate) <= (width - _HANG if lines else width):
            line = candidate
        elif not line or pdf.get_string_width(word) > width - _HANG:
            return None
        else:
            lines.append(line)
            line = word
    lines.append(line)
    return lines
