"""Jobs of stories and support: the team's alerts (a new submission, a support request past its
deadline) and the moderators' escalation, the code an author asked to have mailed, and the periodic
work. No mail holds what anyone wrote or how to reach them: a submission is named by its number."""
import base64
import json

from email.message import EmailMessage

from .. import mail
from ..accounts.models import User
from ..accounts.queries import confirmed_admins
from ..campaigns.models import Campaign
from ..extensions import db
from ..jobs import job
from ..rules.stories import SubmissionStatus
from . import operations, queries, sealing
from .mailing import alert_messages, code_message, overdue_messages
from .models import StorySubmission


def _send(messages: list[EmailMessage]) -> None:
    if messages:
        mail.send(messages)


def _team_or_moderators(campaign_id: int) -> list[User]:
    """The team; while no one has accepted the statement yet, the moderators, so nothing goes unseen."""
    return queries.team_users(campaign_id) or confirmed_admins()


@job("mail", retry="MAIL_RETRY_INTERVALS")
def alert_team(campaign_id: int) -> None:
    """Tell the team how many submissions are new in the queue since the last alert (at most one alert
    per campaign per window, stories/limits.py). It takes the campaign only, not the submission:
    neither the mail nor the queued job links a submission to a moment."""
    campaign = db.session.get(Campaign, campaign_id)
    new = operations.claim_alert(campaign_id) if campaign is not None else 0
    if campaign is None or not new:
        return  # another alert counted them already
    _send(alert_messages(_team_or_moderators(campaign_id), campaign, new))


def _overdue_mail(submission_id: int, users: list[User], template: str) -> None:
    submission = db.session.get(StorySubmission, submission_id)
    if submission is None or submission.status != SubmissionStatus.SUPPORT_REQUESTED or submission.support_due_on is None:
        return  # contacted, closed or withdrawn in the meantime
    _send(overdue_messages(users, submission, template))


@job("mail", retry="MAIL_RETRY_INTERVALS")
def remind_team(submission_id: int) -> None:
    """The deadline of a support request has passed and nobody marked it as contacted: remind the team."""
    submission = db.session.get(StorySubmission, submission_id)
    if submission is not None:
        _overdue_mail(submission_id, _team_or_moderators(submission.campaign_id), "stories_overdue_team")


@job("mail", retry="MAIL_RETRY_INTERVALS")
def escalate(submission_id: int) -> None:
    """A working day after the reminder the request is still waiting: tell the platform's moderators."""
    _overdue_mail(submission_id, confirmed_admins(), "stories_overdue_moderators")


@job("mail", retry="MAIL_RETRY_INTERVALS")
def mail_code(campaign_id: int, sealed: str) -> None:
    """The private code, to the address its author typed for it (and nowhere else). The address and the
    code are sealed in the job's arguments; once the mail is out they exist only in the author's inbox."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        return
    payload = json.loads(sealing.unseal(base64.urlsafe_b64decode(sealed), campaign_id, sealing.SealedField.CODE_MAIL))
    mail.send([code_message(campaign, payload["email"], payload["code"], payload.get("locale") or "nl")])


@job("default")
def look_after_stories() -> tuple[int, int, int]:
    """Periodic: delete what the retention period no longer allows, alert the teams of submissions that
    came while their alert window was closed, and remind the team (then the moderators) of support
    requests past their deadline. Returns (purged, reminded, escalated)."""
    purged = operations.purge_expired()
    operations.alert_waiting()
    reminded, escalated = operations.claim_overdue()
    return purged, len(reminded), len(escalated)
