"""The annex of a letter: the signers who agreed to be named, drawn entry by entry straight from a
streaming iterator in three columns, so that no list of names ever exists (pdf.py, docs/letters.md)."""
import re
from collections.abc import Iterable
from typing import cast

from .typesetting import MARGIN_BOTTOM, INK, LetterPDF, clean_text

ANNEX_COLUMNS = 3
ANNEX_COLUMN_GAP = 6  # mm
ANNEX_FONT_SIZE = 7.5  # pt
ANNEX_LINE_HEIGHT = 3.3  # mm: 77 lines a column, 231 names a full page
_HANG = 3  # mm: the indent of a long entry's second line


# Scripts that need the bidi algorithm and shaping (joined letters, reordered vowels): Hebrew, Arabic, Syriac,
# Thaana, N'Ko and their presentation forms, Indic, Thai, Lao, Myanmar, Khmer, historic right-to-left blocks.
_COMPLEX_SCRIPT = re.compile(
    "[\u0590-\u08ff\u0900-\u0dff\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\ufb1d-\ufdff\ufe70-\ufefc"
    "\U00010800-\U00010fff\U0001e800-\U0001efff]"
)


def write_annex(pdf: LetterPDF, names: Iterable[tuple[str, str | None]]) -> int:
    """Draw the names below the annex heading, column by column, page by page; return how many.

    Most entries take the fast path: fpdf2's text(), one text operator per line. An entry in a complex
    script (Arabic, Hebrew, Indic...) goes through cell() with text shaping, which joins its letters and
    runs right-to-left text right to left; one with characters DejaVu lacks through cell() too (which
    draws them with the fallback font), and one with a word wider than a column through multi_cell."""
    pdf.set_auto_page_break(False)
    pdf.use_fallbacks(False)
    pdf.c_margin = 0
    pdf.set_font("sans", size=ANNEX_FONT_SIZE)
    pdf.set_text_color(*INK)
    pdf.set_fill_color(*INK)  # text() wraps each string in a colour change unless fill and text colours match
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
            first, *more = _lines(pdf, width, text) or [""]
            lines = [first]
            if more:
                rest = text[len(first):].strip() if text.startswith(first) else " ".join(more)
                lines += _lines(pdf, width - _HANG, rest)
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


def _lines(pdf: LetterPDF, width: float, text: str) -> list[str]:
    """How fpdf2 breaks `text` into lines of `width` (a dry run: nothing is drawn)."""
    return cast(list[str], pdf.multi_cell(width, ANNEX_LINE_HEIGHT, text, align="L", dry_run=True, output="LINES"))


def _needs_shaping(text: str) -> bool:
    return not text.isascii() and _COMPLEX_SCRIPT.search(text) is not None


def _wrap(pdf: LetterPDF, text: str, width: float) -> list[str] | None:
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
