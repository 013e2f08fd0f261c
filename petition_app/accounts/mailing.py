"""Mail to account holders about a campaign, each in their own language."""
from collections.abc import Callable, Iterable
from typing import Any

from .. import mail
from ..campaigns.models import Campaign
from .models import User


def mail_users(users: Iterable[User], campaign: Campaign, template: str, subject: Callable[[str], str], **context: Any) -> None:
    """Send `template` to each user over one connection; `subject(title)` is translated in their language."""
    messages = []
    for user in users:
        title = campaign.text("title", user.locale)
        messages.append(mail.build_message(
            user.email, template, user.locale, lambda title=title: subject(title),
            name=user.name, campaign_title=title, campaign=campaign, **context,
        ))
    if messages:
        mail.send(messages)
