"""The letters' typesetting: the page (A4, margins, footer with page numbers), the DejaVu fonts with their
fallbacks for scripts and characters DejaVu lacks, and text shaping (HarfBuzz) switched on only where a
text needs it. pdf.py writes a letter with it; reach/images.py draws the poster and the share image with
the same fonts. The module constants FONT_DIR and FALLBACK_FONT_FILES may be set (see pdf.py)."""
import logging
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from fpdf import FPDF, FPDFException
from fpdf.fonts import TTFFont

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
INK = (25, 25, 25)
MUTED = (105, 105, 105)

# C0/C1 control characters and line/paragraph separators: never meaningful in a name or a city.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")

class LetterFontError(RuntimeError):
    """A font file the letter needs is missing."""


def clean_text(text: str | None) -> str:
    """One line of plain text: control characters and runs of white space become one space."""
    return " ".join(_CONTROL.sub(" ", text or "").split())


class LetterPDF(FPDF):
    def __init__(self) -> None:
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

    def use_fallbacks(self, on: bool) -> None:
        """Fallback fonts on or off: the annex turns them off, since fpdf2 then measures and writes each
        string without looking at every character, and on again for the few names that need them."""
        self.set_fallback_fonts(self._fallback_families if on else [], exact_match=False)

    def shape(self, on: bool) -> None:
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

    def footer(self) -> None:
        self.set_y(-MARGIN_BOTTOM + 8)
        self.set_font("sans", size=7.5)
        self.set_text_color(*MUTED)
        self.cell(0, 4, _("Page %(page)s of %(total)s", page=self.page_no(), total=self._total_alias), align="C")
        self.set_text_color(*INK)

    def covers(self, text: str) -> bool:
        """Whether DejaVu Sans (and so the serif text, which falls back on it) has every character of `text`."""
        return text.isascii() or self._sans_cmap.issuperset(map(ord, text))

    def ensure_glyphs(self, *texts: str | None) -> None:
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
                "Install fonts-droid-fallback or set petition_app.letters.typesetting.FALLBACK_FONT_FILES."
            )


def font_path(filename: str) -> Path:
    path = Path(FONT_DIR) / filename
    if not path.is_file():
        raise LetterFontError(
            f"font file {path} not found: install the Debian package fonts-dejavu-core, or point "
            "petition_app.letters.typesetting.FONT_DIR (or the LETTER_FONT_DIR environment variable) at a folder "
            f"holding {', '.join(sorted(set(FONT_FILES.values())))}"
        )
    return path


# ---------------------------------------------------------------- the record's mark (issue 22)


@dataclass(frozen=True)
class RecordMark:
    """What a letter prints of its public record: the record's address and its Merkle root (hex)."""

    address: str
    root: str


RECORD_QR_SIZE = 16  # mm: in the first page's top margin, right-aligned with the text


def print_record_mark(pdf: LetterPDF, mark: RecordMark) -> None:
    """In the top margin of the current (first) page, where nothing else is drawn: the record's address
    and the first 16 hex digits of the root, and at the right a QR code of the address, so that a reader
    can check the letter and its count on the public record. Leaves the cursor where it was."""
    x, y = pdf.get_x(), pdf.get_y()
    qr_left = pdf.w - pdf.r_margin - RECORD_QR_SIZE
    draw_qr(pdf, qr_matrix(mark.address), qr_left, (MARGIN_TOP - RECORD_QR_SIZE) / 2, RECORD_QR_SIZE)
    pdf.set_font("sans", size=7)
    pdf.set_text_color(*MUTED)
    width = qr_left - pdf.l_margin - 3
    lines = (
        _("On public record, with its count and this file's SHA-256:"),
        mark.address,
        _("Root of the signatures' Merkle tree: %(root)s", root=mark.root[:16]),
    )
    for number, line in enumerate(lines):
        pdf.set_xy(pdf.l_margin, 6 + 3.5 * number)
        pdf.cell(width, 3.5, line, link=mark.address if line == mark.address else "")
    pdf.set_text_color(*INK)
    pdf.set_xy(x, y)


def qr_matrix(text: str) -> Any:
    """The modules of a full QR code (never a Micro QR, which many phone cameras cannot read), level M."""
    import segno  # imported where it is used: drawing is rare, and it is slow to import

    return segno.make_qr(text, error="m").matrix


def draw_qr(pdf: FPDF, matrix: Any, x: float, y: float, size: float) -> None:
    """A QR code's dark modules as filled rectangles, one per run of dark modules in a row (the letters'
    record mark and the poster, reach/images.py)."""
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
