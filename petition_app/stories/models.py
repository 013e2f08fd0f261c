"""The tables of stories and support. What people wrote and how to reach them is sealed (see
sealing.py); what is in clear is what the figures need (categories, place) and what the team's queue
needs (status, wishes, the deadline), with dates to the day and no time, address or browser."""
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..campaigns.models import Campaign
from ..columns import EnumText
from ..extensions import Model, db
from ..rules import check_in
from ..rules.stories import ContactMethod, Place, PublicationStatus, SubmissionStatus, TeamAction
from ..timeutil import utcnow


class StorySettings(Model):
    """Stories and support for one campaign: switched on by its organizers (or the campaign file), with
    the texts the form shows in both languages. An empty help or report text means the default."""

    __tablename__ = "story_settings"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Working days within which the team contacts someone who asks for support.
    support_days: Mapped[int] = mapped_column(default=2)
    # Days after the campaign closes before every text and contact detail is deleted (counts stay).
    retention_days: Mapped[int] = mapped_column(default=183)
    contact_by_nl: Mapped[str] = mapped_column(Text, default="")
    contact_by_en: Mapped[str] = mapped_column(Text, default="")
    confidentiality_nl: Mapped[str] = mapped_column(Text, default="")
    confidentiality_en: Mapped[str] = mapped_column(Text, default="")
    help_nl: Mapped[str] = mapped_column(Text, default="")
    help_en: Mapped[str] = mapped_column(Text, default="")
    report_nl: Mapped[str] = mapped_column(Text, default="")
    report_en: Mapped[str] = mapped_column(Text, default="")

    campaign: Mapped[Campaign] = relationship()

    def text(self, field: str, locale: str) -> str:
        other = "en" if locale == "nl" else "nl"
        return getattr(self, f"{field}_{locale}") or getattr(self, f"{field}_{other}") or ""


class StoryTeamMember(Model):
    """An organizer asked onto a campaign's story and support team. Only once `accepted_at` is set (the
    member read and accepted the confidentiality statement in the app) do they see any submission."""

    __tablename__ = "story_team_members"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    accepted_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))

    user = relationship("User")


class StorySubmission(Model):
    """One person's story, wish to be counted, or request for support. No account, no address, no
    browser, no time of day: `submitted_on` is a date. `text`, `contact` and `redacted` are sealed."""

    __tablename__ = "story_submissions"
    __table_args__ = (
        CheckConstraint(check_in("status", SubmissionStatus), name="status"),
        CheckConstraint(check_in("publication", PublicationStatus), name="publication"),
        CheckConstraint(check_in("place", Place), name="place"),
        CheckConstraint(check_in("contact_method", ContactMethod), name="contact_method"),
        UniqueConstraint("code_digest", name="uq_story_submissions_code_digest"),
        UniqueConstraint("public_ref", name="uq_story_submissions_public_ref"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    # The author's private code, as a keyed hash (sealing.code_digests): it opens the status page.
    code_digest: Mapped[str] = mapped_column(String(64))
    # A random name for the public page of the story, so that its address says nothing about order.
    public_ref: Mapped[str] = mapped_column(String(16))
    submitted_on: Mapped[date] = mapped_column(Date)
    status: Mapped[SubmissionStatus] = mapped_column(EnumText(SubmissionStatus, 20), default=SubmissionStatus.NEW)
    categories: Mapped[list] = mapped_column(JSON, default=list)
    place: Mapped[Place | None] = mapped_column(EnumText(Place, 16))
    wants_publish: Mapped[bool] = mapped_column(Boolean, default=False)
    wants_quote: Mapped[bool] = mapped_column(Boolean, default=False)
    wants_support: Mapped[bool] = mapped_column(Boolean, default=False)
    text_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    # How to reach someone who asked for support: sealed {method, value, language}; deleted when the
    # case is closed. The method alone stays in clear for the queue ("by phone").
    contact_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    contact_method: Mapped[ContactMethod | None] = mapped_column(EnumText(ContactMethod, 8))
    support_due_on: Mapped[date | None] = mapped_column(Date)
    screened_on: Mapped[date | None] = mapped_column(Date)
    contacted_on: Mapped[date | None] = mapped_column(Date)
    reminded_on: Mapped[date | None] = mapped_column(Date)
    escalated_on: Mapped[date | None] = mapped_column(Date)
    # The team's redacted copy (sealed; the original stays as it was written) and its state.
    redacted_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    content_notes: Mapped[list] = mapped_column(JSON, default=list)
    publication: Mapped[PublicationStatus | None] = mapped_column(EnumText(PublicationStatus, 20))
    approved_on: Mapped[date | None] = mapped_column(Date)
    # Whether an alert mail to the team has counted this submission yet (alerts are batched per
    # campaign, stories/limits.py); a flag, not a time, so nothing ties the submission to a moment.
    team_alerted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    # Set when the campaign's retention period ended: texts and contact are gone, the count stays.
    purged_on: Mapped[date | None] = mapped_column(Date)

    campaign: Mapped[Campaign] = relationship()

    @property
    def wants_sharing(self) -> bool:
        return self.wants_publish or self.wants_quote

    @property
    def is_public(self) -> bool:
        return self.publication == PublicationStatus.APPROVED and self.wants_publish and self.redacted_sealed is not None


class StoryAccess(Model):
    """The view log: who opened or changed which submission, and when. Visible to the team. It holds no
    content; it outlives a withdrawn submission (then `submission_id` is empty, `number` stays)."""

    __tablename__ = "story_access_log"
    __table_args__ = (CheckConstraint(check_in("action", TeamAction), name="action"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("story_submissions.id", ondelete="SET NULL"), index=True)
    number: Mapped[int]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[TeamAction] = mapped_column(EnumText(TeamAction, 20))
    detail: Mapped[str] = mapped_column(String(40), default="")
    at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    user = relationship("User")
