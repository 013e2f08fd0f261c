from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..columns import EnumText
from ..extensions import Model, db
from ..rules import check_in
from ..rules.abuse import ClusterKind
from ..timeutil import utcnow


class ClusterAlert(Model):
    """A cluster of signatures the moderators were told about, so that each cluster is mailed once:
    the unique constraint settles two workers finding the same cluster at the same moment."""

    __tablename__ = "cluster_alerts"
    __table_args__ = (
        UniqueConstraint("campaign_id", "kind", "key", name="uq_cluster_alerts_campaign_kind_key"),
        CheckConstraint(check_in("kind", ClusterKind), name="kind"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    kind: Mapped[ClusterKind] = mapped_column(EnumText(ClusterKind, 16))
    # The address hash, the mail domain, or the number of the window of minutes (rules.abuse)
    key: Mapped[str] = mapped_column(String(253))
    size: Mapped[int]  # signatures in the cluster when it was found
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    mailed_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
