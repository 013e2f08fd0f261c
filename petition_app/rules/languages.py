"""The languages of the platform: every text, mail and letter exists in each of them."""

LANGUAGES: tuple[str, ...] = ("nl", "en")
DEFAULT_LANGUAGE = "nl"


def other_language(locale: str) -> str:
    """The language to fall back to when a text is missing in `locale`."""
    return "en" if locale == "nl" else "nl"
