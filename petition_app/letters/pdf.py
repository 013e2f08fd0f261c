"""The demand letter as a PDF: the letter to one recipient, then an annex listing the signers who agreed to
be named.

One tool does it all: fpdf2 (pure Python; no system library). The letter pages are the Jinja template
templates/letters/letter.html, translated by Flask-Babel and laid out by fpdf2's write_html, which knows a
subset of HTML (see the template's header). The annex is drawn entry by entry straight from the `names`
iterator, in three columns, so no list of names ever exists; fpdf2 keeps only the page content streams,
10 to 20 bytes per name once compressed. docs/letters.md has the measurements behind this choice
(WeasyPrint for the whole document passes 1.6 GB at 100,000 names; this stays under 140 MB).

Fonts are DejaVu TrueType files, embedded as subsets. They are looked up in FONT_DIR, which can be
overridden by setting typesetting.FONT_DIR (or LETTER_FONT_DIR in the environment); a missing file fails
with LetterFontError, never with a silent fallback to a font that cannot write "Zoë" or "Łukasz".
The serif letter borrows from DejaVu Sans the scripts DejaVu Serif lacks (Arabic, Hebrew...).
Characters neither has (Chinese, Japanese, Korean) are drawn with the first of FALLBACK_FONT_FILES that
exists, loaded only when a text needs it; with none installed those characters are left out and a
warning is logged. Names in a complex script (Arabic, Hebrew, Indic) are shaped by HarfBuzz (uharfbuzz):
joined letters, right-to-left runs. fpdf2's write_html does not shape, so such text in the letter's own
fields (title, recipient, organizer) shows its letters unjoined and in typing order.
"""
import logging
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, BinaryIO, Iterable, Iterator, Mapping, TypeVar

from flask import render_template
from flask_babel import force_locale, format_date, format_decimal
from fpdf.fonts import FontFace, TextStyle

from .annex import write_annex
from .typesetting import INK, LETTER_FONT_SIZE, LetterPDF, RecordMark, clean_text, print_record_mark

log = logging.getLogger(__name__)

_BETWEEN_TAGS = re.compile(r">\s+<")


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
    # every group already 5 or more (stories.figures.figures), or None; and the redacted stories whose
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
    out: BinaryIO, content: LetterContent, names: Iterable[tuple[str, str | None]], locale: str,
    mark: RecordMark | None = None,
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
        if mark is not None:
            print_record_mark(pdf, mark)  # the letter's public record (issue 22)
        _write_keeping_the_closing_together(pdf, _letter_html(content, has_annex=first is not None))
        if first is not None:
            listed = write_annex(pdf, _chain_first(first, names))
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


T = TypeVar("T")


def _chain_first(first: T, rest: Iterable[T]) -> Iterator[T]:
    yield first
    yield from rest


def _paragraphs(text: str | None) -> list[list[str]]:
    """Plain text to paragraphs (split on blank lines), each a list of its lines."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = []
    for block in re.split(r"\n\s*\n", text):
        lines = [clean_text(line) for line in block.split("\n")]
        lines = [line for line in lines if line]
        if lines:
            paragraphs.append(lines)
    return paragraphs


def _letter_html(content: LetterContent, has_annex: bool) -> str:
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


#: Marks, in templates/letters/letter.html, the closing that stays on one page with the signature.
KEEP_TOGETHER = "<!--keep-together-->"


def _write_keeping_the_closing_together(pdf: LetterPDF, html: str) -> None:
    """Lay out the letter's HTML; the part between the two KEEP_TOGETHER marks (the link to the petition,
    the annex sentence, the closing and the signature) starts on a new page when it would not fit on the
    current one, so that the signature never stands alone on a page (issue 20)."""
    parts = html.split(KEEP_TOGETHER)
    if len(parts) != 3:
        pdf.write_html(html.replace(KEEP_TOGETHER, ""), **_HTML_OPTIONS)
        return
    head, closing, tail = parts
    pdf.write_html(head, **_HTML_OPTIONS)
    with pdf.offset_rendering() as trial:
        trial.write_html(closing, **_HTML_OPTIONS)
    if trial.page_break_triggered:
        pdf.add_page()
    pdf.write_html(closing, **_HTML_OPTIONS)
    if tail:
        pdf.write_html(tail, **_HTML_OPTIONS)


_HTML_OPTIONS = {
    "li_prefix_color": INK,
    "warn_on_tags_not_matching": False,
    "tag_styles": {
        "h1": TextStyle(font_family="serif", font_style="B", font_size_pt=15, color=INK, t_margin=8, b_margin=1.2),
        "h2": TextStyle(font_family="serif", font_style="B", font_size_pt=12, color=INK, t_margin=5, b_margin=0.4),
        "p": TextStyle(t_margin=0, b_margin=2.5),
        "ol": TextStyle(t_margin=0, b_margin=2),
        "li": TextStyle(l_margin=6, t_margin=1.5),
        "a": FontFace(color=(30, 60, 110)),
    },
}
