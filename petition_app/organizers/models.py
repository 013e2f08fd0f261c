from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..campaigns.models import Campaign, new_link_secret
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

    campaign: Mapped[Campaign] = relationship(back_populates="updates")

    def text(self, locale: str) -> str:
        return self.body_nl if locale == "nl" else self.body_en


class Invitation(Model):
    """An invitation of a co-organizer: the link in its mail carries the row's id and random secret,
    names no address, and works once, for the account of the invited address. Withdrawing it (or
    using it) voids the link."""

    __tablename__ = "invitations"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    inviter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    email: Mapped[str] = mapped_column(String(254))
    secret: Mapped[str] = mapped_column(String(64), default=new_link_secret)
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    voided_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))

    campaign: Mapped[Campaign] = relationship()

    @property
    def masked_email(self) -> str:
        """Enough of the address for the organizers to tell their invitations apart: "f…@example.org"."""
        local, _, domain = self.email.partition("@")
        return f"{local[:1]}…@{domain}"
