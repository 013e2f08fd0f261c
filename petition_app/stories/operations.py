"""Every change to a submission: what its author does with the private code (approve, withdraw),
what the team does (screen, redact, ask for approval, take down), the view log, and the periodic work
(deadlines, deletion); the settings and the team are changed in settings.py. Operations flush; the
request, job or command commits once, and every mail leaves through a job after that commit, with ids
only and never any content."""
import base64
import json
import secrets
from datetime import date, datetime, timedelta

from sqlalchemy import update

from ..accounts.models import User
from ..campaigns.models import Campaign
from ..extensions import db, rowcount
from ..jobs import enqueue_after_commit, job_by_path
from ..rules.stories import (
    COUNTED_STATUSES,
    ContactMethod,
    ContentNote,
    PublicationStatus,
    SubmissionStatus,
    TeamAction,
    is_escalation_due,
    is_overdue,
)
from ..rules.workdays import add_working_days
from ..timeutil import as_utc, utcnow
from . import limits, queries, sealing
from .inputs import SubmissionInput
from .models import StoryAccess, StorySettings, StorySubmission

# The jobs queued here, by path: tasks.py imports this module (its jobs run operations), so this one
# names its jobs instead of importing them (tests/test_domain_rooms.py checks that each names a job).
ALERT_TEAM = "petition_app.stories.tasks.alert_team"
MAIL_CODE = "petition_app.stories.tasks.mail_code"
REMIND_TEAM = "petition_app.stories.tasks.remind_team"
ESCALATE = "petition_app.stories.tasks.escalate"


class NotScreened(Exception):
    """A story is screened (counted, not dismissed) before its author is asked to approve a version."""


class NothingToApprove(Exception):
    """The author's page offered no version to approve (it changed, or was approved already)."""


# ---------------------------------------------------------------- a submission and its author


def submit(campaign: Campaign, settings: StorySettings, data: SubmissionInput) -> tuple[StorySubmission, str]:
    """Store a submission, sealed, and alert the team (a mail without any content, after the commit).
    Returns the submission and its private code, which is shown once and stored only as a keyed hash."""
    code = sealing.new_code()
    day = queries.today()
    submission = StorySubmission(
        campaign_id=campaign.id,
        code_digest=sealing.code_digests(code)[0],
        public_ref=secrets.token_hex(8),
        submitted_on=day,
        status=SubmissionStatus.SUPPORT_REQUESTED if data.wants_support else SubmissionStatus.NEW,
        categories=list(data.categories),
        place=data.place or None,
        wants_publish=data.wants_publish,
        wants_quote=data.wants_quote,
        wants_support=data.wants_support,
        publication=PublicationStatus.DRAFT if (data.wants_publish or data.wants_quote) else None,
        content_notes=[],
    )
    if data.text.strip():
        submission.text_sealed = sealing.seal(data.text.strip(), campaign.id, sealing.SealedField.TEXT)
    if data.wants_support and data.contact_method and data.contact_value:
        contact = {"method": data.contact_method, "value": data.contact_value, "language": data.contact_language or "nl"}
        submission.contact_sealed = sealing.seal(json.dumps(contact), campaign.id, sealing.SealedField.CONTACT)
        submission.contact_method = ContactMethod(data.contact_method)
        submission.support_due_on = add_working_days(day, settings.support_days)
    db.session.add(submission)
    db.session.flush()
    _alert_team(campaign.id)
    return submission, code


def _alert_team(campaign_id: int) -> None:
    """Queue the team's alert if the campaign's alert window is open; otherwise the submission waits
    for the next one (`alert_waiting`), so a flood of submissions is one mail per window."""
    if limits.may_alert_team(campaign_id):
        enqueue_after_commit(job_by_path(ALERT_TEAM), campaign_id)


def claim_alert(campaign_id: int) -> int:
    """Mark every submission of the campaign that no alert has counted yet as counted; returns how many
    (the number the alert mail gives). A conditional update: two alerts never count one twice."""
    return rowcount(db.session.execute(
        update(StorySubmission)
        .where(StorySubmission.campaign_id == campaign_id, StorySubmission.team_alerted.is_(False))
        .values(team_alerted=True)
        .execution_options(synchronize_session=False)
    ))


def alert_waiting() -> list[int]:
    """Periodic: the campaigns whose submissions came while their alert window was closed get their
    alert now, if the window has opened again. Returns the campaigns alerted."""
    alerted = []
    for campaign_id in queries.campaigns_with_unalerted_submissions():
        if limits.may_alert_team(campaign_id):
            enqueue_after_commit(job_by_path(ALERT_TEAM), campaign_id)
            alerted.append(campaign_id)
    return alerted


def mail_code(campaign: Campaign, code: str, email: str, locale: str) -> bool:
    """Mail the author their code, because they asked, within the limits per code and per address
    (`limits.may_mail_code`; beyond them nothing is mailed and the caller answers the same). The
    address is not stored: it travels sealed in the job's arguments (the outbox and the queue hold only
    the sealed value) and is gone after. Returns whether a mail was queued."""
    if not limits.may_mail_code(code, email):
        return False
    payload = json.dumps({"code": code, "email": email, "locale": locale})
    sealed = base64.urlsafe_b64encode(sealing.seal(payload, campaign.id, sealing.SealedField.CODE_MAIL)).decode()
    enqueue_after_commit(job_by_path(MAIL_CODE), campaign.id, sealed)
    return True


def approve(submission: StorySubmission) -> None:
    """The author approves the redacted version they were shown: from now on it is published and/or
    quoted, as they chose. Without this step nothing is ever published."""
    if submission.publication != PublicationStatus.AWAITING_AUTHOR or submission.redacted_sealed is None:
        raise NothingToApprove()
    submission.publication = PublicationStatus.APPROVED
    submission.approved_on = queries.today()
    db.session.flush()


def ask_changes(submission: StorySubmission) -> None:
    """The author does not approve this version: it goes back to the team, and nothing is published."""
    if submission.publication not in (PublicationStatus.AWAITING_AUTHOR, PublicationStatus.APPROVED):
        raise NothingToApprove()
    submission.publication = PublicationStatus.CHANGES_ASKED
    submission.approved_on = None
    db.session.flush()


def withdraw(submission: StorySubmission) -> None:
    """The author withdraws: the text, the redacted copy and the contact details are deleted at once,
    with the rest of the row (it stops counting too). The view log keeps its lines, without content."""
    db.session.execute(
        update(StoryAccess).where(StoryAccess.submission_id == submission.id).values(submission_id=None)
        .execution_options(synchronize_session=False)
    )
    db.session.delete(submission)
    db.session.flush()


# ---------------------------------------------------------------- the team's work


def log_access(submission: StorySubmission, user: User, action: TeamAction, detail: str = "") -> None:
    """One line of the view log: who, when, what (never any content)."""
    db.session.add(StoryAccess(
        campaign_id=submission.campaign_id, submission_id=submission.id, number=submission.id,
        user_id=user.id, action=action, detail=detail[:40],
    ))
    db.session.flush()


def _forget_contact(submission: StorySubmission) -> None:
    submission.contact_sealed = None


def set_status(submission: StorySubmission, status: SubmissionStatus, user: User) -> None:
    """Screen or move a submission: urgent, filed (counted), support requested, contacted, closed (the
    contact details are deleted), dismissed (not counted; the texts and contact are deleted)."""
    day = queries.today()
    submission.status = status
    if status in COUNTED_STATUSES and submission.screened_on is None:
        submission.screened_on = day
    if status == SubmissionStatus.CONTACTED and submission.contacted_on is None:
        submission.contacted_on = day
    if status in (SubmissionStatus.CLOSED, SubmissionStatus.DISMISSED):
        _forget_contact(submission)
    if status == SubmissionStatus.DISMISSED:
        submission.text_sealed = submission.redacted_sealed = None
        submission.publication = None
        submission.screened_on = None
    log_access(submission, user, TeamAction.STATUS, str(status))


def save_redaction(submission: StorySubmission, text: str, notes: list[str], user: User, ask_author: bool) -> None:
    """Keep the team's redacted copy (the original stays sealed as it was) and its content notes. Any
    change takes back an earlier approval; `ask_author` offers this version to the author's code."""
    if not submission.wants_sharing or submission.text_sealed is None:
        raise NothingToApprove()
    if ask_author and submission.status not in COUNTED_STATUSES:
        raise NotScreened()
    submission.redacted_sealed = sealing.seal(text.strip(), submission.campaign_id, sealing.SealedField.REDACTED)
    submission.content_notes = [note for note in (ContentNote(n) for n in notes)]
    submission.publication = PublicationStatus.AWAITING_AUTHOR if ask_author else PublicationStatus.DRAFT
    submission.approved_on = None
    log_access(submission, user, TeamAction.ASKED_APPROVAL if ask_author else TeamAction.REDACTED)


def take_down(submission: StorySubmission, user: User) -> None:
    """Take a published story off the page and out of the letters; the author's approval is void."""
    if submission.publication == PublicationStatus.APPROVED:
        submission.publication = PublicationStatus.DRAFT
        submission.approved_on = None
        log_access(submission, user, TeamAction.TAKEN_DOWN)


# ---------------------------------------------------------------- periodic work


def purge_expired(now: datetime | None = None) -> int:
    """Delete every text, redacted copy and contact detail of campaigns whose retention period after
    closing has ended (the counts stay), and any contact detail a closed case still holds. Returns how
    many submissions lost their texts."""
    now = now or utcnow()
    day = queries.today()
    db.session.execute(
        update(StorySubmission)
        .where(StorySubmission.status.in_((SubmissionStatus.CLOSED, SubmissionStatus.DISMISSED)),
               StorySubmission.contact_sealed.is_not(None))
        .values(contact_sealed=None)
        .execution_options(synchronize_session=False)
    )
    purged = 0
    for settings in queries.all_settings():
        closing = settings.campaign.closing_moment()
        if closing is None or as_utc(closing) + timedelta(days=settings.retention_days) > now:
            continue
        purged += rowcount(db.session.execute(
            update(StorySubmission)
            .where(StorySubmission.campaign_id == settings.campaign_id, StorySubmission.purged_on.is_(None))
            .values(text_sealed=None, redacted_sealed=None, contact_sealed=None, publication=None, purged_on=day)
            .execution_options(synchronize_session=False)
        ))
    return purged


def claim_overdue(today: date | None = None) -> tuple[list[int], list[int]]:
    """Support requests not answered by their deadline: claim a reminder to the team the day after the
    deadline, then an escalation to the moderators a working day later, each once (a conditional
    update, so two runs never mail twice); the mails follow after the commit. Returns both id lists."""
    today = today or queries.today()
    reminded, escalated = [], []
    for submission in queries.support_requests_past_deadline(today):
        due: date = submission.support_due_on  # type: ignore[assignment]
        if is_overdue(due, today) and submission.reminded_on is None and _claim(submission.id, "reminded_on", today):
            enqueue_after_commit(job_by_path(REMIND_TEAM), submission.id)
            reminded.append(submission.id)
        if is_escalation_due(due, today) and submission.escalated_on is None and _claim(submission.id, "escalated_on", today):
            enqueue_after_commit(job_by_path(ESCALATE), submission.id)
            escalated.append(submission.id)
    return reminded, escalated


def _claim(submission_id: int, column: str, today: date) -> bool:
    attribute = getattr(StorySubmission, column)
    return bool(rowcount(db.session.execute(
        update(StorySubmission)
        .where(StorySubmission.id == submission_id, attribute.is_(None))
        .values({column: today})
        .execution_options(synchronize_session=False)
    )))
