from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..campaigns.models import Campaign, Recipient
from ..extensions import Model, db
from ..timeutil import as_utc, utcnow


class Letter(Model):
    """One compiled letter to one recipient in one language. It keeps the count and the goal it was
    compiled with: a letter is a statement of what stood on that day, not a live view."""

    __tablename__ = "letters"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("recipients.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(2))
    signature_count: Mapped[int]
    # The paper signatures the letter stated beside the confirmed ones (issue 20: one count sentence).
    paper_count: Mapped[int] = mapped_column(default=0, server_default="0")
    named_count: Mapped[int]
    goal: Mapped[int]
    compiled_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    pdf: Mapped[bytes] = deferred(mapped_column(LargeBinary))

    recipient: Mapped[Recipient] = relationship()


class Handover(Model):
    """The hand-over log: one row each time a recipient is sent its letters (with which count), when
    the recipient first opened their answer page, and the reminders sent since."""

    __tablename__ = "handovers"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("recipients.id", ondelete="CASCADE"), index=True)
    letter_nl_id: Mapped[int] = mapped_column(ForeignKey("letters.id", ondelete="CASCADE"))
    letter_en_id: Mapped[int] = mapped_column(ForeignKey("letters.id", ondelete="CASCADE"))
    signature_count: Mapped[int]
    paper_count: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    opened_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    reminders_sent: Mapped[int] = mapped_column(default=0)
    last_reminder_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))

    recipient: Mapped[Recipient] = relationship()
    letter_nl: Mapped[Letter] = relationship(foreign_keys=[letter_nl_id])
    letter_en: Mapped[Letter] = relationship(foreign_keys=[letter_en_id])


class LetterRecord(Model):
    """The public record of one hand-over (issue 22, docs/verifiable-letters.md), numbered per campaign
    1, 2, ...: when, the counts, the SHA-256 of every PDF sent, the Merkle tree over the counted online
    signatures (its size and root; `leaves` keeps the leaves themselves, commitments that name nobody,
    so that receipts keep working after signers withdraw) and the hash of the record before it. Written
    once in the transaction of the hand-over and never changed (an update raises)."""

    __tablename__ = "letter_records"
    __table_args__ = (
        UniqueConstraint("campaign_id", "number", name="uq_letter_records_campaign_number"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    number: Mapped[int]
    sent_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True))
    online_count: Mapped[int]
    paper_count: Mapped[int]
    total_count: Mapped[int]
    tree_size: Mapped[int]
    root: Mapped[str] = mapped_column(String(64))
    previous: Mapped[str | None] = mapped_column(String(64))
    record_hash: Mapped[str] = mapped_column(String(64))
    files: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    leaves: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))

    campaign: Mapped[Campaign] = relationship()

    def public(self) -> dict[str, Any]:
        """The record as the API, the page and its hash see it: exactly these fields, nothing personal."""
        return {
            "number": self.number,
            "sent_at": as_utc(self.sent_at).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "counts": {"online": self.online_count, "paper": self.paper_count, "total": self.total_count},
            "tree_size": self.tree_size,
            "root": self.root,
            "previous": self.previous,
            "record_hash": self.record_hash,
            "files": [dict(file) for file in self.files],
        }


@event.listens_for(LetterRecord, "before_update")
def _records_are_never_edited(mapper: Any, connection: Any, target: LetterRecord) -> None:
    raise ValueError("a letter record is never edited: the next hand-over writes the next record")
