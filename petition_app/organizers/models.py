from datetime import datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..campaigns.models import Campaign
from ..extensions import Model, db
from ..timeutil import utcnow


class Update(Model):
    """News from the organizers to the signers who asked for it, in Dutch and English; also listed on
    the campaign page."""

    __tablename__ = "updates"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    body_nl: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    campaign: Mapped[Campaign] = relationship(
        backref=db.backref("updates", order_by="Update.created_at.desc()", cascade="all, delete-orphan")
    )

    def text(self, locale):
        return self.body_nl if locale == "nl" else self.body_en
