"""What we refuse in short free-text fields such as a signer's name or city."""
import re
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


#: What marks a web address in a name: a scheme ("https://", "hxxp://"), "www.", a host name with a
#: path ("evil.example/login"), or a host name under a top-level domain that phishing favours. Bare
#: "a.b" is not enough: initials and names such as "J.R. Tolkien" or "St.Clair" look like that.
LINK_MARKERS = ("://", "www.")
_HOST_WITH_PATH = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)+/", re.IGNORECASE)
_HOST_UNDER_COMMON_TLD = re.compile(
    r"\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|info|biz|io|co|me|ly|app|link|click|site|online|shop|top|xyz|"
    r"ru|cn|tk|nl|be|de|eu|uk|fr)\b",
    re.IGNORECASE,
)


def contains_link(value: str) -> bool:
    """Whether a display name (a signer's, an organizer's, their group's) holds a web address. Such a
    name stands at the top of mails we send ("Hello URGENT: verify your bank at https://..."), so it is
    refused, as on the UK Parliament's e-petitions. Read after NFKC folding, so full-width or styled
    look-alikes (ｗｗｗ．) count the same."""
    folded = unicodedata.normalize("NFKC", value).casefold()
    if any(marker in folded for marker in LINK_MARKERS):
        return True
    return bool(_HOST_WITH_PATH.search(folded) or _HOST_UNDER_COMMON_TLD.search(folded))
