"""What we refuse in short free-text fields such as a signer's name or city."""
import unicodedata

FORMULA_PREFIXES = ("=", "+", "-", "@")


def unsafe_text_reason(value):
    """Why a short text is refused ("markup", "formula", "control"), or None when it is fine.

    Names reach letters, public walls and CSV exports: markup and spreadsheet formulas have no place
    there, nor have invisible control characters.
    """
    if any(ch in value for ch in "<>"):
        return "markup"
    if value.startswith(FORMULA_PREFIXES):
        return "formula"
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in value):
        return "control"
    return None
