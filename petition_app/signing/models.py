import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ColumnElement, ForeignKey, Index, String, UniqueConstraint, and_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..campaigns.models import Campaign
from ..columns import EnumText
from ..extensions import Model, db
from ..rules import SuspectReason, check_in, uniqueness_key
from ..rules.abuse import ReviewFlag
from ..timeutil import utcnow


def _email_key_of_row(context: Any) -> str:
    """The default of `email_key`: the key of the row's own address (for rows made without `sign`)."""
    return uniqueness_key(context.get_current_parameters()["email"])


def new_secret() -> str:
    """A random secret per row: every link to the row carries it, so a link can never act on another
    row (even one that took the same id) and changing the secret voids every earlier link."""
    return secrets.token_urlsafe(32)


def new_leaf_secret() -> str:
    """32 random bytes (hex) that key the signature's leaves in the letter records (letters/records.py):
    never in a link, never shown, gone with the row, so a leaf cannot be tied to anyone afterwards."""
    return secrets.token_hex(32)


class Signature(Model):
    """One person's signature on one campaign. `email` holds the normalised address, which mails go to;
    `email_key` is what identifies the person (`rules.emails.uniqueness_key`: without a `+tag`), and the
    unique constraint on it is what makes "one signature per person per campaign" true under any
    concurrency.

    Its name, city and choices are what the owner of the address confirmed: they are set from a
    SignRequest only by the confirmation that came through that request's mail (or changed later
    through a link from a mail), never by anyone who merely types the address into the form."""

    __tablename__ = "signatures"
    __table_args__ = (
        UniqueConstraint("campaign_id", "email_key", name="uq_signatures_campaign_email_key"),
        Index("ix_signatures_campaign_confirmed", "campaign_id", "confirmed_at"),
        CheckConstraint(check_in("review_flag", ReviewFlag), name="review_flag"),
        CheckConstraint(check_in("suspect_reason", SuspectReason), name="suspect_reason"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254))
    # One person, one signature: the address without its `+tag` (set from `email` when not given).
    email_key: Mapped[str] = mapped_column(String(254), default=_email_key_of_row)
    city: Mapped[str | None] = mapped_column(String(80))
    locale: Mapped[str] = mapped_column(String(2), default="nl")
    wants_updates: Mapped[bool] = mapped_column(default=False)
    is_public: Mapped[bool] = mapped_column(default=False)
    ip_hash: Mapped[str | None] = mapped_column(String(64))
    # Where the signer came from: the short tag a share link carries (?s=whatsapp, ?s=poster), if any.
    source: Mapped[str | None] = mapped_column(String(16))
    # Carried by every link in the signer's mails; replaced when the signature is withdrawn, which
    # voids every earlier link for good.
    secret: Mapped[str] = mapped_column(String(64), default=new_secret)
    # Keys this signature's leaf in each letter record (rules/merkle.leaf_commitment); unlike `secret`
    # it never leaves the server and never changes.
    leaf_secret: Mapped[str] = mapped_column(String(64), default=new_leaf_secret)
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    # Set when the signer withdraws: the signature stops counting at once and the row is deleted as
    # soon as the receipt mail is out (the mail needs the address).
    withdrawn_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    # Mails asked for and mails actually handed to the transport; the first is capped so that nobody
    # can use the sign form to flood someone's inbox, the second makes a re-run of a mail job harmless.
    mails_requested: Mapped[int] = mapped_column(default=0)
    mails_sent: Mapped[int] = mapped_column(default=0)
    # Why this signature is not counted although it may be confirmed ("blocked", "invalidated"): the
    # signer is answered like anyone else, but the count, letters and mailings leave it out.
    suspect_reason: Mapped[SuspectReason | None] = mapped_column(EnumText(SuspectReason, 16))
    # Why a moderator should look at this signature ("rate": beyond the soft limits of its client
    # address). A flagged signature gets its mail and counts once confirmed like any other.
    review_flag: Mapped[ReviewFlag | None] = mapped_column(EnumText(ReviewFlag, 16))
    # Set when the organizers take a name off the public wall and out of the letters' annex (a fake or
    # offensive name); the signature itself still counts.
    hidden_from_wall_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))

    @classmethod
    def counted(cls) -> ColumnElement[bool]:
        """The one definition of a signature that counts: confirmed, not suspect (withdrawing unconfirms)."""
        return and_(cls.confirmed_at.is_not(None), cls.suspect_reason.is_(None))

    @classmethod
    def named(cls) -> ColumnElement[bool]:
        """Counted, agreed to be named, and not taken off the wall by the organizers."""
        return and_(cls.counted(), cls.is_public.is_(True), cls.hidden_from_wall_at.is_(None))

    campaign: Mapped[Campaign] = relationship()


class SignRequest(Model):
    """The details one sign request gave (name, city, choices, language), kept until the owner of the
    address confirms. Each confirmation mail belongs to one request and its link confirms exactly
    that request's details (which the owner may correct on the page first); confirming deletes every
    pending request of the signature, so no later click can change what was confirmed."""

    __tablename__ = "sign_requests"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    signature_id: Mapped[int] = mapped_column(ForeignKey("signatures.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    city: Mapped[str | None] = mapped_column(String(80))
    locale: Mapped[str] = mapped_column(String(2), default="nl")
    wants_updates: Mapped[bool] = mapped_column(default=False)
    is_public: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
