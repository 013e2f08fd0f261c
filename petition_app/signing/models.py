from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, and_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..campaigns.models import Campaign
from ..extensions import Model, db
from ..timeutil import utcnow


class Signature(Model):
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
    # Where the signer came from: the short tag a share link carries (?s=whatsapp, ?s=poster), if any.
    source: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    # Set when the signer withdraws: the signature stops counting at once and the row is deleted as
    # soon as the receipt mail is out (the mail needs the address).
    withdrawn_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    # Mails asked for and mails actually handed to the transport; the first is capped so that nobody
    # can use the sign form to flood someone's inbox, the second makes a re-run of a mail job harmless.
    mails_requested: Mapped[int] = mapped_column(default=0)
    mails_sent: Mapped[int] = mapped_column(default=0)
    # Why this signature is not counted although it may be confirmed ("blocked", "rate", "invalidated"):
    # the signer is answered like anyone else, but the count, letters and mailings leave it out.
    suspect_reason: Mapped[str | None] = mapped_column(String(16))
    # Set when the organizers take a name off the public wall and out of the letters' annex (a fake or
    # offensive name); the signature itself still counts.
    hidden_from_wall_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))

    @classmethod
    def counted(cls):
        """The one definition of a signature that counts: confirmed, not suspect (withdrawing unconfirms)."""
        return and_(cls.confirmed_at.is_not(None), cls.suspect_reason.is_(None))

    @classmethod
    def named(cls):
        """Counted, agreed to be named, and not taken off the wall by the organizers."""
        return and_(cls.counted(), cls.is_public.is_(True), cls.hidden_from_wall_at.is_(None))

    campaign: Mapped[Campaign] = relationship()
