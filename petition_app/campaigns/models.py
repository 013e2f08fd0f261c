import secrets
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint, and_, event
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, deferred, foreign, mapped_column, relationship
from typing import Any

from flask import current_app
from flask_babel import force_locale, gettext
from markupsafe import Markup

from ..columns import EnumText
from ..extensions import Model, db
from ..i18n import localized
from ..markdown import render_markdown
from ..rules import other_language
from ..rules import PUBLIC_STATUSES, CampaignStatus, accepts_confirmations, accepts_signatures, check_in, closing_moment, goal_count, next_goal
from ..rules.revisions import RevisionStatus
from ..timeutil import utcnow


def new_link_secret() -> str:
    """A random per-row secret that links in mails carry: a new one voids every link made before."""
    return secrets.token_urlsafe(24)


class Campaign(Model):
    __tablename__ = "campaigns"
    __table_args__ = (
        CheckConstraint(check_in("status", CampaignStatus), name="status"),
        CheckConstraint("confirmed_count >= 0", name="confirmed_count_not_negative"),
        CheckConstraint("paper_count >= 0", name="paper_count_not_negative"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    status: Mapped[CampaignStatus] = mapped_column(EnumText(CampaignStatus, 16), default=CampaignStatus.DRAFT)
    title_nl: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    summary_nl: Mapped[str] = mapped_column(Text, default="")
    summary_en: Mapped[str] = mapped_column(Text, default="")
    body_nl: Mapped[str] = mapped_column(Text, default="")
    body_en: Mapped[str] = mapped_column(Text, default="")
    # The body rendered from Markdown and sanitised, stored whenever the body changes (an approved
    # revision, an edit of a draft, an import), so that no page view renders it (issue 12).
    # Deferred: only the campaign page (signing.queries.campaign_for_page_view) loads them.
    body_html_nl: Mapped[str | None] = deferred(mapped_column(Text))
    body_html_en: Mapped[str | None] = deferred(mapped_column(Text))
    goals: Mapped[list] = mapped_column(JSON)
    organizer_name: Mapped[str] = mapped_column(String(200))
    organizer_email: Mapped[str] = mapped_column(String(254))
    organizer_language: Mapped[str] = mapped_column(String(2), default="nl", server_default="nl")
    closes_on: Mapped[date | None]
    closed_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    # When the signers' personal data was deleted after the retention period; the counts stay.
    personal_data_purged_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    # The exact number of confirmed signatures, raised in the same transaction as each confirmation.
    confirmed_count: Mapped[int] = mapped_column(default=0)
    # Signatures collected on paper, as the organizers recorded them (minus entries a moderator voided),
    # raised in SQL like confirmed_count (campaigns.operations.add_to_count). Whether they count toward
    # the goals is the campaign's choice, shown on its page; online and paper are always shown apart.
    paper_count: Mapped[int] = mapped_column(default=0, server_default="0")
    paper_counts_toward_goals: Mapped[bool] = mapped_column(default=True, server_default=sa_true())

    recipients: Mapped[list["Recipient"]] = relationship(
        back_populates="campaign", order_by="Recipient.position", cascade="all, delete-orphan"
    )
    milestones: Mapped[list["Milestone"]] = relationship(
        back_populates="campaign", order_by="Milestone.goal", cascade="all, delete-orphan"
    )
    organizers = relationship("User", secondary="campaign_organizers", back_populates="campaigns")
    # The organizers' news, newest first (organizers/models.py, where its foreign key lives). Named by
    # string: organizers sits above campaigns in the layers, so its class cannot be imported here.
    updates: Mapped[list[Any]] = relationship(
        "Update", back_populates="campaign", order_by="Update.created_at.desc()", cascade="all, delete-orphan"
    )
    # Moderation: why a campaign was sent back or hidden, shown to its organizers.
    moderation_note: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    published_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    revisions: Mapped[list["CampaignRevision"]] = relationship(
        back_populates="campaign", order_by="CampaignRevision.number", cascade="all, delete-orphan",
        passive_deletes=True,
    )
    # The reviewed corrections made after publishing, oldest first: the campaign page lists them.
    corrections: Mapped[list["CampaignRevision"]] = relationship(
        primaryjoin=lambda: and_(
            foreign(CampaignRevision.campaign_id) == Campaign.id,
            CampaignRevision.correction.is_(True),
            CampaignRevision.status == RevisionStatus.APPROVED,
        ),
        order_by=lambda: CampaignRevision.number,
        viewonly=True,
    )

    def text(self, field: str, locale: str) -> str:
        return localized(self, field, locale)

    def body_html(self, locale: str) -> Markup:
        """The body in `locale` (or the other language when that one is empty), as safe HTML: the
        stored rendering, unless the body changed since it was stored."""
        lang = locale if getattr(self, f"body_{locale}", None) else other_language(locale)
        state = db.inspect(self)
        stored = None if f"body_html_{lang}" in state.unloaded else getattr(self, f"body_html_{lang}")
        if stored is None or state.attrs[f"body_{lang}"].history.has_changes():
            # loaded without it (a preview), never stored (a row written by hand), or changed since
            return render_markdown(getattr(self, f"body_{lang}", None))
        return Markup(stored)  # nosec B704  # stored output of render_markdown: nh3-sanitised

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES

    @property
    def total_count(self) -> int:
        """Everyone who signed: confirmed online signatures and paper signatures."""
        return self.confirmed_count + self.paper_count

    @property
    def goal_count(self) -> int:
        """The count the goals and milestones are measured by (paper included if the campaign says so)."""
        return goal_count(self.confirmed_count, self.paper_count, self.paper_counts_toward_goals)

    @property
    def next_goal(self) -> int | None:
        return next_goal(self.goal_count, self.goals)

    def closing_moment(self) -> datetime | None:
        return closing_moment(self.status, self.closes_on, self.closed_at, current_app.config["CAMPAIGN_TIMEZONE"])

    def accepts_signatures(self, now: datetime | None=None) -> bool:
        return accepts_signatures(self.status, self.closing_moment(), now or utcnow())

    def accepts_confirmations(self, now: datetime | None=None) -> bool:
        grace = current_app.config["CONFIRM_GRACE_AFTER_CLOSE"]
        return accepts_confirmations(self.status, self.closing_moment(), now or utcnow(), grace)


@event.listens_for(Campaign, "before_insert")
@event.listens_for(Campaign, "before_update")
def _render_body(mapper: Any, connection: Any, campaign: Campaign) -> None:
    """Render the body once, when it changes: whatever changed it, the stored HTML follows."""
    state = db.inspect(campaign)
    for lang in ("nl", "en"):
        if state.pending or state.attrs[f"body_{lang}"].history.has_changes():
            setattr(campaign, f"body_html_{lang}", str(render_markdown(getattr(campaign, f"body_{lang}") or "")))


class Recipient(Model):
    __tablename__ = "recipients"
    __table_args__ = (UniqueConstraint("campaign_id", "key", name="uq_recipients_campaign_key"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    # The name as first entered; `name_nl` and `name_en` say it in each language ("de burgemeester van
    # Leiden" / "the Mayor of Leiden") and fall back to it when empty.
    name: Mapped[str] = mapped_column(String(200))
    name_nl: Mapped[str] = mapped_column(String(200), default="", server_default="")
    name_en: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # How a letter or mail opens, per language ("Geachte burgemeester," / "Dear Mayor,"); empty means
    # the formal default ("Geachte heer, mevrouw," / "Dear Sir or Madam,").
    salutation_nl: Mapped[str] = mapped_column(String(200), default="", server_default="")
    salutation_en: Mapped[str] = mapped_column(String(200), default="", server_default="")
    email: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(2), default="nl")
    position: Mapped[int] = mapped_column(default=0)
    # Carried by the recipient's private answer link; a new address gets a new secret, which voids the
    # links mailed to the old one.
    link_secret: Mapped[str] = mapped_column(String(64), default=new_link_secret)
    # When letters were last handed over to this recipient: at most one hand-over per day (claimed by
    # a conditional update, so two clicks at once send once).
    letters_sent_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    # The registry entry this recipient is (recipients/models.py, by its key that never changes), or None
    # for a recipient the organizers typed in themselves. The entry's public page lists this campaign's
    # demands; its name, salutations and address were copied from the entry when it was chosen, and a
    # reviewed change of the entry's address reaches this row too.
    organisation_key: Mapped[str | None] = mapped_column(
        ForeignKey("organisations.key", ondelete="SET NULL", onupdate="CASCADE"), index=True
    )

    campaign: Mapped[Campaign] = relationship(back_populates="recipients")
    # Named by string: the recipients package sits above campaigns in the layers.
    organisation: Mapped[Any] = relationship("Organisation", viewonly=True)
    demands: Mapped[list["Demand"]] = relationship(
        back_populates="recipient", order_by="Demand.position", cascade="all, delete-orphan"
    )

    def display_name(self, locale: str) -> str:
        """The recipient's name in `locale`: its own name in that language, else the name as entered."""
        return (getattr(self, f"name_{locale}", None) or "").strip() or self.name

    def salutation(self, locale: str) -> str:
        """How a letter or mail to this recipient opens in `locale`, with the comma."""
        own = (getattr(self, f"salutation_{locale}", None) or "").strip()
        if own:
            return own
        with force_locale(locale):
            return gettext("Dear Sir or Madam,")


class Demand(Model):
    __tablename__ = "demands"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("recipients.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    text_nl: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)

    recipient: Mapped[Recipient] = relationship(back_populates="demands")
    # The recipient's Answer (responses/models.py, where its foreign key lives) or None. Named by string:
    # responses sits above campaigns in the layers, so its class cannot be imported here.
    answer: Mapped[Any] = relationship("Answer", back_populates="demand", uselist=False, passive_deletes=True)

    def text(self, locale: str) -> str:
        return localized(self, "text", locale)


class Milestone(Model):
    """A goal reached. The unique constraint is the last line of defence: the count is raised atomically,
    so only one confirmation can ever see the count land on a goal, and only it records the milestone."""

    __tablename__ = "milestones"
    __table_args__ = (UniqueConstraint("campaign_id", "goal", name="uq_milestones_campaign_goal"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    goal: Mapped[int]
    reached_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    # Set once the organizers were told, and once every opted-in signer was reached: a sweep
    # resumes the announcements of milestones whose fan-out never finished.
    organizers_told_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    announced_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))

    campaign: Mapped[Campaign] = relationship(back_populates="milestones")


class CampaignRevision(Model):
    """A frozen copy of everything a campaign shows and sends (texts in both languages, goals, closing
    date, recipients with names, addresses, languages and demands), made when it is submitted for
    review. Moderators approve a revision by its number; only an approved revision reaches the public
    page. A revision submitted after publishing is a correction, listed on the page with its date."""

    __tablename__ = "campaign_revisions"
    __table_args__ = (
        UniqueConstraint("campaign_id", "number", name="uq_campaign_revisions_campaign_number"),
        CheckConstraint(check_in("status", RevisionStatus), name="status"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    status: Mapped[RevisionStatus] = mapped_column(EnumText(RevisionStatus, 16), default=RevisionStatus.PENDING)
    # Submitted while the campaign was already public: a correction, listed on the page once approved.
    correction: Mapped[bool] = mapped_column(default=False)
    content: Mapped[dict] = deferred(mapped_column(JSON, nullable=False))
    # What differs from the published campaign, as [part, recipient name] pairs (rules.revisions).
    changes: Mapped[list] = mapped_column(JSON, default=list)
    submitted_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    # The moderator's reason when a revision is sent back.
    note: Mapped[str | None] = mapped_column(Text)

    campaign: Mapped[Campaign] = relationship(back_populates="revisions")
