from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..campaigns.models import Recipient
from ..extensions import Model, db
from ..timeutil import utcnow


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
