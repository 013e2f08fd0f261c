"""Every mail of stories and support: the team's alerts, the reminders and escalations of support
requests past their deadline, and the private code an author asked to have mailed. No mail holds what
anyone wrote or how to reach them: a submission is named by its number."""
from email.message import EmailMessage

from flask_babel import gettext

from .. import mail
from ..accounts.mailing import user_message
from ..accounts.models import User
from ..campaigns.models import Campaign
from ..links import external_url
from .models import StorySubmission


def alert_messages(users: list[User], campaign: Campaign, new: int) -> list[EmailMessage]:
    """How many submissions are new in the queue, to each of `users` in their language."""
    return [
        user_message(
            user, campaign, "stories_new", lambda title: gettext("New in the story queue: %(title)s", title=title),
            queue_url=external_url("stories.queue", slug=campaign.slug), new=new,
        )
        for user in users
    ]


def overdue_messages(users: list[User], submission: StorySubmission, template: str) -> list[EmailMessage]:
    """A support request past its deadline (`template`: to the team, or to the moderators)."""
    campaign = submission.campaign
    return [
        user_message(
            user, campaign, template,
            lambda title: gettext("Support request past its deadline: %(title)s", title=title),
            number=submission.id, deadline=submission.support_due_on,
            submission_url=external_url("stories.submission", slug=campaign.slug, submission_id=submission.id),
        )
        for user in users
    ]


def code_message(campaign: Campaign, email: str, code: str, locale: str) -> EmailMessage:
    """The private code, to the address its author typed for it."""
    return mail.build_message(
        email, "stories_code", locale, lambda: gettext("Your private code"),
        code=code, status_url=external_url("stories.status", lang=locale),
        campaign_title=campaign.text("title", locale),
    )
