from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..campaigns.models import Demand
from ..columns import EnumText
from ..extensions import Model, db
from ..rules import AnswerStatus, check_in
from ..timeutil import utcnow



class Answer(Model):
    """A recipient's answer to one demand addressed to it; the latest answer replaces the earlier one."""

    __tablename__ = "answers"
    __table_args__ = (
        CheckConstraint(check_in("status", AnswerStatus), name="status"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("demands.id", ondelete="CASCADE"), unique=True)
    status: Mapped[AnswerStatus] = mapped_column(EnumText(AnswerStatus, 16))
    text: Mapped[str] = mapped_column(Text, default="")
    # The language the recipient wrote the text in (nl or en); None for answers given before it was asked.
    language: Mapped[str | None] = mapped_column(String(2))
    # The same explanation in the other language, written by the recipient (optional, issue 20).
    translation: Mapped[str] = mapped_column(Text, default="", server_default="")
    answered_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    demand: Mapped[Demand] = relationship(back_populates="answer")
