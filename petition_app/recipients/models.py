"""The registry of recipients: organisations that campaigns address (a university, a mayor), shared by
every campaign, each with a public page. Its address is private: it appears on moderators' pages and in
letters, never on a public page, feed or API answer. Every change to an entry is a row in its change
log; a change of the address waits for a moderator's review, like a campaign revision."""
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..columns import EnumText
from ..extensions import Model, db
from ..i18n import localized
from ..rules import check_in
from ..rules.recipients import OrganisationStatus
from ..rules.revisions import RevisionStatus
from ..timeutil import utcnow


class Organisation(Model):
    """One entry of the registry. `key` is its public name in addresses and campaign files and never
    changes; the names and salutations are said in both languages; `email` is where letters go."""

    __tablename__ = "organisations"
    __table_args__ = (CheckConstraint(check_in("status", OrganisationStatus), name="status"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    status: Mapped[OrganisationStatus] = mapped_column(EnumText(OrganisationStatus, 16), default=OrganisationStatus.PROPOSED)
    name_nl: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    salutation_nl: Mapped[str] = mapped_column(String(200), default="")
    salutation_en: Mapped[str] = mapped_column(String(200), default="")
    # Where letters go: never on a public page, feed or API answer.
    email: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(2), default="nl")
    website: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    # The organizer who proposed it (None for a moderator's entry or an import).
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    changes: Mapped[list["OrganisationChange"]] = relationship(
        back_populates="organisation", order_by="OrganisationChange.number", cascade="all, delete-orphan"
    )

    def name(self, locale: str) -> str:
        """The name in `locale` (the other language's when that one is empty)."""
        return localized(self, "name", locale)

    @property
    def is_approved(self) -> bool:
        return self.status == OrganisationStatus.APPROVED

    def content(self) -> dict[str, str]:
        """What a change of the entry holds: every field a moderator reviews."""
        return {field: getattr(self, field) or "" for field in CHANGE_FIELDS}


#: The fields of an entry its change log records, in the order a moderator reads them.
CHANGE_FIELDS = ("name_nl", "name_en", "salutation_nl", "salutation_en", "email", "language", "website")


class OrganisationChange(Model):
    """One change of a registry entry: the fields before and after (`before` is None for a new entry).
    A change of the address (or a new entry) waits for a moderator (pending); one that leaves the address
    as it was is recorded as approved at once."""

    __tablename__ = "organisation_changes"
    __table_args__ = (
        UniqueConstraint("organisation_id", "number", name="uq_organisation_changes_number"),
        CheckConstraint(check_in("status", RevisionStatus), name="status"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    status: Mapped[RevisionStatus] = mapped_column(EnumText(RevisionStatus, 16), default=RevisionStatus.PENDING)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict] = mapped_column(JSON)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(Text)

    organisation: Mapped[Organisation] = relationship(back_populates="changes")

    @property
    def address_changed(self) -> bool:
        return self.before is None or self.before.get("email") != self.after.get("email")
