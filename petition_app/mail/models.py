"""What is kept of a bounce: what the mail was about, a keyed hash of the address (never the address
itself), whether it was for good, and when."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..columns import EnumText
from ..extensions import Model, db
from ..rules import check_in
from ..timeutil import utcnow
from .addresses import About


class BounceType(StrEnum):
    """A delivery status notification's verdict: a 5.x.x failure is for good, a 4.x.x delay passes."""

    HARD = "hard"
    SOFT = "soft"


class MailBounce(Model):
    """One bounce, as `flask mail bounce` read it from a delivery status notification (RFC 3464).

    `about` and `ref_id` are what the mail's VERP token named (mail.About: a signature, a hand-over, an
    account, or "m" and 0 for anything else). `address_hash` is mail.address_hash of the address that
    bounced: a hard bounce keeps bulk mail from that address for good (notifications/operations.py),
    and nobody can read from the table who signed. Soft bounces are only counted: the MTA retries them."""

    __tablename__ = "mail_bounces"
    __table_args__ = (
        CheckConstraint(check_in("type", BounceType), name="mail_bounce_type"),
        CheckConstraint(check_in("about", About), name="about"),
        Index("ix_mail_bounces_about_ref", "about", "ref_id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    about: Mapped[About] = mapped_column(EnumText(About, 1))
    ref_id: Mapped[int] = mapped_column(default=0)
    address_hash: Mapped[str] = mapped_column(String(64), index=True)
    type: Mapped[BounceType] = mapped_column(EnumText(BounceType, 4))
    # The DSN's status code ("5.1.1"): shown to the organizers for a letter, so they can tell a wrong
    # address from a full mailbox.
    status: Mapped[str] = mapped_column(String(16), default="")
    bounced_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
