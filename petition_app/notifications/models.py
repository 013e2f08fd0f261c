from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model, db
from ..timeutil import utcnow

KINDS = ("milestone", "answer", "update")


class Delivery(Model):
    """One bulk mail to one signer about one thing (`kind` and `ref_id`, e.g. milestone 3). Written right
    after the SMTP server accepted the mail, one commit each, so a fan-out killed half-way knows exactly
    whom it reached; a permanent refusal is recorded too, so it is not tried forever."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("kind", "ref_id", "signature_id", name="uq_deliveries_kind_ref_signature"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    ref_id: Mapped[int]
    signature_id: Mapped[int] = mapped_column(ForeignKey("signatures.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="sent")  # sent | failed
    error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
