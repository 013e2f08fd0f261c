"""Reads for stories and support: the settings, the team, a submission by its code, the team's queue
and view log, the published stories, and what the figures count (figures.py). Opening a sealed
field is a read too, but only the team's routes and the author's own page call those."""
import json
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select

from ..accounts.models import User
from ..campaigns.models import Campaign
from ..campaigns.queries import public_campaign
from ..extensions import db
from ..rules.stories import COUNTED_STATUSES, PublicationStatus, SubmissionStatus
from ..timeutil import utcnow
from . import sealing
from .models import StoryAccess, StorySettings, StorySubmission, StoryTeamMember


def today() -> date:
    """Today in the campaigns' time zone: every date of a submission is a day, never a moment."""
    return utcnow().astimezone(ZoneInfo(current_app.config["CAMPAIGN_TIMEZONE"])).date()


# ---------------------------------------------------------------- settings and team


def settings_of(campaign_id: int) -> StorySettings | None:
    """A campaign's story settings, switched on or not (None: never set up)."""
    return db.session.get(StorySettings, campaign_id)


def enabled_settings(campaign: Campaign) -> StorySettings | None:
    """The settings of a campaign whose stories are switched on, else None."""
    settings = settings_of(campaign.id)
    return settings if settings is not None and settings.enabled else None


def campaign_taking_stories(slug: str) -> tuple[Campaign, StorySettings] | None:
    """A public campaign whose stories are switched on, with its settings: the form's campaign."""
    campaign = public_campaign(slug)
    settings = enabled_settings(campaign) if campaign is not None else None
    return (campaign, settings) if campaign is not None and settings is not None else None


def all_settings() -> list[StorySettings]:
    """The settings of every campaign that ever had stories (for the retention sweep)."""
    return list(db.session.scalars(select(StorySettings)))


def team_of(campaign_id: int) -> list[StoryTeamMember]:
    """Everyone asked onto the team, accepted or not yet."""
    return list(db.session.scalars(select(StoryTeamMember).where(StoryTeamMember.campaign_id == campaign_id)))


def membership(campaign_id: int, user_id: int) -> StoryTeamMember | None:
    return db.session.get(StoryTeamMember, (campaign_id, user_id))


def is_team(campaign: Campaign, user: Any) -> bool:
    """Whether `user` may see this campaign's submissions: a member who accepted the confidentiality
    statement, or a platform moderator."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_admin:
        return True
    member = membership(campaign.id, user.id)
    return member is not None and member.accepted_at is not None


def team_users(campaign_id: int) -> list[User]:
    """The members who accepted the statement and can log in: who gets the team's mails."""
    return list(
        db.session.scalars(
            select(User)
            .join(StoryTeamMember, StoryTeamMember.user_id == User.id)
            .where(
                StoryTeamMember.campaign_id == campaign_id,
                StoryTeamMember.accepted_at.is_not(None),
                User.email_confirmed_at.is_not(None),
            )
            .order_by(User.id)
        )
    )


def has_team(campaign_id: int) -> bool:
    return bool(db.session.scalar(
        select(func.count()).select_from(StoryTeamMember).where(
            StoryTeamMember.campaign_id == campaign_id, StoryTeamMember.accepted_at.is_not(None)
        )
    ))


def may_configure(campaign: Campaign, user: Any) -> bool:
    """Who may change the settings and the team: moderators, team members, and, until someone accepted
    the statement, the campaign's organizers (so a campaign can set up its team; once there is one, it
    decides)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if is_team(campaign, user):
        return True
    return user in campaign.organizers and not has_team(campaign.id)


# ---------------------------------------------------------------- submissions


def submission_for_code(code: str) -> StorySubmission | None:
    """The submission a private code opens, if any (a wrong code finds nothing, like a missing one)."""
    if not sealing.normalise_code(code):
        return None
    return db.session.scalar(select(StorySubmission).where(StorySubmission.code_digest.in_(sealing.code_digests(code))))


def submission_of(campaign_id: int, submission_id: int) -> StorySubmission | None:
    """One submission of this campaign (the team's pages check the team first)."""
    submission = db.session.get(StorySubmission, submission_id)
    return submission if submission is not None and submission.campaign_id == campaign_id else None


QUEUE_ORDER = (
    SubmissionStatus.URGENT, SubmissionStatus.SUPPORT_REQUESTED, SubmissionStatus.NEW, SubmissionStatus.CONTACTED,
    SubmissionStatus.FILED, SubmissionStatus.CLOSED, SubmissionStatus.DISMISSED,
)


def queue(campaign_id: int, status: str | None = None) -> list[StorySubmission]:
    """The team's queue: the submissions of one status, or all, the most pressing first (urgent, support
    requested by deadline, new), newest first within each."""
    query = select(StorySubmission).where(StorySubmission.campaign_id == campaign_id)
    if status:
        query = query.where(StorySubmission.status == status)
    rows = list(db.session.scalars(query))
    rank = {s: n for n, s in enumerate(QUEUE_ORDER)}
    return sorted(rows, key=lambda s: (rank.get(SubmissionStatus(s.status), 99), s.support_due_on or date.max, -s.id))


def queue_counts(campaign_id: int) -> dict[str, int]:
    """How many submissions are in each status, every status listed."""
    rows = dict(
        db.session.execute(
            select(StorySubmission.status, func.count()).where(StorySubmission.campaign_id == campaign_id)
            .group_by(StorySubmission.status)
        ).all()
    )
    return {status.value: int(rows.get(status, 0)) for status in QUEUE_ORDER}


def access_log(campaign_id: int, submission_id: int | None = None, limit: int = 500) -> list[StoryAccess]:
    """The view log, newest first: of the campaign, or of one submission."""
    query = select(StoryAccess).where(StoryAccess.campaign_id == campaign_id)
    if submission_id is not None:
        query = query.where(StoryAccess.submission_id == submission_id)
    return list(db.session.scalars(query.order_by(StoryAccess.id.desc()).limit(limit)))


def original_text(submission: StorySubmission) -> str:
    """What the author wrote (the team's page and the author's own page only)."""
    if submission.text_sealed is None:
        return ""
    return sealing.unseal(submission.text_sealed, submission.campaign_id, sealing.SealedField.TEXT)


def redacted_text(submission: StorySubmission) -> str | None:
    """The team's redacted copy, if there is one."""
    if submission.redacted_sealed is None:
        return None
    return sealing.unseal(submission.redacted_sealed, submission.campaign_id, sealing.SealedField.REDACTED)


def contact_details(submission: StorySubmission) -> dict[str, str] | None:
    """How to reach someone who asked for support: {method, value, language}, or None once deleted."""
    if submission.contact_sealed is None:
        return None
    details: dict[str, str] = json.loads(sealing.unseal(submission.contact_sealed, submission.campaign_id, sealing.SealedField.CONTACT))
    return details


def campaigns_with_unalerted_submissions() -> list[int]:
    """The campaigns with submissions that no alert to the team has counted yet."""
    return list(db.session.scalars(
        select(StorySubmission.campaign_id).where(StorySubmission.team_alerted.is_(False))
        .distinct().order_by(StorySubmission.campaign_id)
    ))


def support_requests_past_deadline(today: date) -> list[StorySubmission]:
    """Support requests still waiting whose deadline was before `today`, oldest first."""
    return list(db.session.scalars(
        select(StorySubmission).where(
            StorySubmission.status == SubmissionStatus.SUPPORT_REQUESTED,
            StorySubmission.support_due_on.is_not(None),
            StorySubmission.support_due_on < today,
        ).order_by(StorySubmission.id)
    ))


# ---------------------------------------------------------------- what the public sees


@dataclass(frozen=True)
class PublicStory:
    ref: str
    text: str
    content_notes: list[str]
    month: date  # the first of the month it was shared: pages show month and year only


def _public(submission: StorySubmission) -> PublicStory:
    return PublicStory(
        ref=submission.public_ref,
        text=redacted_text(submission) or "",
        content_notes=list(submission.content_notes or []),
        month=submission.submitted_on.replace(day=1),
    )


def _published(campaign_id: int) -> Any:
    return select(StorySubmission).where(
        StorySubmission.campaign_id == campaign_id,
        StorySubmission.publication == PublicationStatus.APPROVED,
        StorySubmission.wants_publish.is_(True),
        StorySubmission.redacted_sealed.is_not(None),
        StorySubmission.status.in_(COUNTED_STATUSES),
    )


def published_stories(campaign_id: int, limit: int | None = None) -> list[PublicStory]:
    """The stories whose authors approved their redacted version for the campaign page, newest first."""
    query = _published(campaign_id).order_by(StorySubmission.submitted_on.desc(), StorySubmission.public_ref)
    if limit is not None:
        query = query.limit(limit)
    return [_public(s) for s in db.session.scalars(query)]


def published_count(campaign_id: int) -> int:
    return int(db.session.scalar(select(func.count()).select_from(_published(campaign_id).subquery())) or 0)


def published_story(campaign_id: int, ref: str) -> PublicStory | None:
    """One published story by its public name."""
    if not isinstance(ref, str) or not ref.isalnum() or len(ref) > 16:
        return None
    submission = db.session.scalar(_published(campaign_id).where(StorySubmission.public_ref == ref))
    return _public(submission) if submission is not None else None


def letter_quotes(campaign_id: int) -> list[str]:
    """The redacted stories whose authors approved them to be quoted in the letters, oldest first."""
    rows = db.session.scalars(
        select(StorySubmission)
        .where(
            StorySubmission.campaign_id == campaign_id,
            StorySubmission.publication == PublicationStatus.APPROVED,
            StorySubmission.wants_quote.is_(True),
            StorySubmission.redacted_sealed.is_not(None),
            StorySubmission.status.in_(COUNTED_STATUSES),
        )
        .order_by(StorySubmission.submitted_on, StorySubmission.id)
    )
    return [text for text in (redacted_text(s) for s in rows) if text]


def counted_categories_and_places(campaign_id: int) -> list[tuple[list[str], str | None]]:
    """The categories and the place of each submission the team screened and did not dismiss (withdrawn
    ones are gone): what the figures count."""
    rows = db.session.execute(
        select(StorySubmission.categories, StorySubmission.place).where(
            StorySubmission.campaign_id == campaign_id, StorySubmission.status.in_(COUNTED_STATUSES)
        )
    ).all()
    return [(list(categories or []), place) for categories, place in rows]
