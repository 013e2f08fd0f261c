from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..campaigns.models import Campaign
from ..extensions import db
from ..timeutil import utcnow


class Signature(db.Model):
    """One person's signature on one campaign. `email` holds the normalised address: the unique
    constraint on it is what makes "one signature per person per campaign" true under any concurrency."""

    __tablename__ = "signatures"
    __table_args__ = (
        UniqueConstraint("campaign_id", "email", name="uq_signatures_campaign_email"),
        Index("ix_signatures_campaign_confirmed", "campaign_id", "confirmed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254))
    city: Mapped[str | None] = mapped_column(String(80))
    locale: Mapped[str] = mapped_column(String(2), default="nl")
    wants_updates: Mapped[bool] = mapped_column(default=False)
    is_public: Mapped[bool] = mapped_column(default=False)
    ip_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    # Mails asked for and mails actually handed to the transport; the first is capped so that nobody
    # can use the sign form to flood someone's inbox, the second makes a re-run of a mail job harmless.
    mails_requested: Mapped[int] = mapped_column(default=0)
    mails_sent: Mapped[int] = mapped_column(default=0)

    campaign: Mapped[Campaign] = relationship()
