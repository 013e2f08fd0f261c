"""What a signer sends, as the operations take it: the web form and the API fill the same classes
(the room of input classes in every domain, docs/architecture.md)."""
from dataclasses import dataclass
from typing import Any

from .models import Signature, SignRequest


@dataclass(frozen=True)
class Details:
    """What a signer chooses about their signature: shown on the wall and in letters only as confirmed."""

    name: str
    city: str | None
    locale: str
    wants_updates: bool
    is_public: bool

    @classmethod
    def of(cls, row: Signature | SignRequest) -> "Details":
        return cls(row.name, row.city, row.locale, bool(row.wants_updates), bool(row.is_public))

    def values(self) -> dict[str, Any]:
        """The columns these details set, on a signature or a request alike."""
        return {
            "name": self.name.strip(), "city": (self.city or "").strip() or None, "locale": self.locale,
            "wants_updates": bool(self.wants_updates), "is_public": bool(self.is_public),
        }


@dataclass
class SignatureInput:
    name: str
    email: str
    locale: str
    city: str | None = None
    wants_updates: bool = False
    is_public: bool = False
    ip: str | None = None
    source: str | None = None

    def details(self) -> Details:
        return Details(self.name, self.city, self.locale, bool(self.wants_updates), bool(self.is_public))
