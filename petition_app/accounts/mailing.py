"""Mail to account holders about a campaign, each in their own language."""
from collections.abc import Callable, Iterable
from email.message import EmailMessage
from typing import Any

from .. import mail
from ..campaigns.models import Campaign
from .models import User


def user_message(user: Any, campaign: Campaign, template: str, subject: Callable[[str], str], **context: Any) -> EmailMessage:
    """`template` for one account holder (a User, or a stand-in with email, locale and name for a
    preview), in their language; `subject(title)` is translated in that language."""
    title = campaign.text("title", user.locale)
    return mail.build_message(
        user.email, template, user.locale, lambda: subject(title),
        name=user.name, campaign_title=title, campaign=campaign, **context,
    )


def mail_users(users: Iterable[User], campaign: Campaign, template: str, subject: Callable[[str], str], **context: Any) -> None:
    """Send `template` to each user over one connection; `subject(title)` is translated in their language."""
    messages = [user_message(user, campaign, template, subject, **context) for user in users]
    if messages:
        mail.send(messages)


def shown(message: EmailMessage) -> dict[str, str]:
    """A mail as a confirmation page shows it before it is sent: its subject and its plain text."""
    body = message.get_body(("plain",))
    return {"subject": str(message["Subject"]), "text": body.get_content() if body is not None else ""}
