from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..columns import EnumText
from ..extensions import Model, db
from ..rules import DeliveryKind, DeliveryStatus, check_in
from ..timeutil import utcnow


class Delivery(Model):
    """One bulk mail to one signer about one thing (`kind` and `ref_id`, e.g. milestone 3). Written for a
    whole batch with one INSERT once its mails are sent, so that a second run skips them (a worker killed
    mid-batch re-sends at most that batch); a permanent refusal is recorded too, so it is not tried forever."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("kind", "ref_id", "signature_id", name="uq_deliveries_kind_ref_signature"),
        CheckConstraint(check_in("kind", DeliveryKind), name="kind"),
        CheckConstraint(check_in("status", DeliveryStatus), name="status"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[DeliveryKind] = mapped_column(EnumText(DeliveryKind, 16))
    ref_id: Mapped[int]
    signature_id: Mapped[int] = mapped_column(ForeignKey("signatures.id", ondelete="CASCADE"), index=True)
    status: Mapped[DeliveryStatus] = mapped_column(EnumText(DeliveryStatus, 16), default=DeliveryStatus.SENT)
    error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
