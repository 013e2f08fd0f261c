"""What we refuse in short free-text fields such as a signer's name or city."""
import unicodedata

FORMULA_PREFIXES = ("=", "+", "-", "@")
#: What a spreadsheet may run as a formula at the start of a cell (OWASP's list).
CELL_FORMULA_PREFIXES = (*FORMULA_PREFIXES, "\t", "\r")
# Zero-width joiners are needed to write Persian, Indic scripts and many emoji; every other
# invisible format character (right-to-left overrides, zero-width spaces, BOM) can only mislead.
ALLOWED_FORMAT = {"\u200c", "\u200d"}
MAX_COMBINING_MARKS = 4


def invisible(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category in ("Cc", "Cs", "Co") or (category == "Cf" and ch not in ALLOWED_FORMAT) or ch == "\ufffd"


def stacked_marks(value: str) -> int:
    """The longest run of combining marks: a few make accents, dozens make text spill over a page."""
    longest = run = 0
    for ch in value:
        run = run + 1 if unicodedata.category(ch).startswith("M") else 0
        longest = max(longest, run)
    return longest


def unsafe_text_reason(value: str) -> str | None:
    """Why a short text is refused ("markup", "formula", "control", "stacked"), or None when it is fine.

    Names reach letters, public walls and CSV exports: markup and spreadsheet formulas have no place
    there, nor have invisible control characters.
    """
    if any(ch in value for ch in "<>"):
        return "markup"
    if value.startswith(FORMULA_PREFIXES):
        return "formula"
    if any(invisible(ch) for ch in value):
        return "control"
    if stacked_marks(value) > MAX_COMBINING_MARKS:
        return "stacked"
    return None


def neutralise_cell(value: object) -> object:
    """A cell that a spreadsheet would run as a formula starts with a quote instead (OWASP's advice).
    Only text can be a formula: numbers and empty cells pass unchanged."""
    if isinstance(value, str) and value.startswith(CELL_FORMULA_PREFIXES):
        return "'" + value
    return value
