from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..campaigns.models import Campaign
from ..extensions import Model, db
from ..timeutil import utcnow


class PaperEntry(Model):
    """One batch of paper signatures as an organizer recorded it. Never deleted: a moderator who finds
    it wrong voids it, which takes its signatures out of the count and keeps the row for the log.

    The scan (a photo or PDF of the sheets) holds names and signatures of people, so it is never
    public: it is kept in the database (deferred, read only when asked for), like the compiled letters,
    so that it is in the same backup, goes with the campaign, and no web process needs a shared disk."""

    __tablename__ = "paper_entries"
    __table_args__ = (
        CheckConstraint("signatures > 0", name="signatures_positive"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    signatures: Mapped[int]
    collected_on: Mapped[date]
    place: Mapped[str] = mapped_column(String(200))
    scan: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    scan_type: Mapped[str | None] = mapped_column(String(40))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    voided_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    void_reason: Mapped[str | None] = mapped_column(Text)

    campaign: Mapped[Campaign] = relationship()
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
    voided_by = relationship("User", foreign_keys=[voided_by_id])

    @property
    def has_scan(self) -> bool:
        return self.scan_type is not None


class HeldScan(Model):
    """A scan chosen with a batch that would reach a goal, kept while its organizer reads the confirmation
    page: a browser does not send a chosen file twice, so without it the scan had to be chosen again.
    Only the organizer who chose it takes it, for the same campaign. It names people, so it goes when it
    is taken, when the same organizer holds another for the campaign, or HELD_SCAN_LIFETIME after it was
    held (the hourly purge)."""

    __tablename__ = "paper_held_scans"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    scan: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    scan_type: Mapped[str] = mapped_column(String(40))
    # the name the organizer's computer gave the file, shown back to them on the confirmation page
    filename: Mapped[str] = mapped_column(String(200), default="")
    held_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow, index=True)
