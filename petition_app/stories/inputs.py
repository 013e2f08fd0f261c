"""What an author sends, as the operations take it, and the bounds the forms and the campaign file
check (the room of input classes in every domain, docs/architecture.md)."""
from dataclasses import dataclass

TEXT_MAX = 10_000
SUPPORT_DAYS = (1, 10)
RETENTION_DAYS = (1, 3650)


@dataclass(frozen=True)
class SubmissionInput:
    text: str
    categories: list[str]
    place: str | None
    wants_publish: bool
    wants_quote: bool
    wants_support: bool
    contact_method: str | None = None
    contact_value: str | None = None
    contact_language: str | None = None
