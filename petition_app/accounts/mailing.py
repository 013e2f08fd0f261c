"""Mail to account holders, each in their own language: about their account (confirm, reset) and
about a campaign."""
from collections.abc import Callable, Iterable
from email.message import EmailMessage
from typing import Any

from flask_babel import gettext

from .. import mail
from ..campaigns.models import Campaign
from ..links import external_url
from ..rules.paths import local_path
from ..tokens import make_token
from .models import User
from .queries import CONFIRM, RESET, link_payload

# The kinds of mail of accounts.tasks.send_account_mail (each its own template).
MAIL_CONFIRM = CONFIRM
MAIL_ACCOUNT_EXISTS = "account_exists"
MAIL_RESET = RESET


def account_message(user: User, kind: str, next_path: str | None = None) -> EmailMessage:
    """A mail about the account itself, with a fresh link (confirm, reset) made as it is built. The
    confirmation link carries `next_path` (a path on this site), where the login leads afterwards."""
    subject: Callable[[], str]
    context: dict[str, Any]
    if kind == MAIL_CONFIRM:
        token = make_token(CONFIRM, link_payload(user, CONFIRM))
        subject, context = (lambda: gettext("Confirm your account")), {"confirm_url": external_url("accounts.confirm", token=token, next=local_path(next_path))}
    elif kind == MAIL_ACCOUNT_EXISTS:
        subject = lambda: gettext("You already have an account")  # noqa: E731
        context = {"reset_url": external_url("accounts.reset_request", lang=user.locale)}
    elif kind == MAIL_RESET:
        token = make_token(RESET, link_payload(user, RESET))
        subject, context = (lambda: gettext("Reset your password")), {"reset_url": external_url("accounts.reset", token=token)}
    else:
        raise ValueError(f"unknown account mail {kind}")
    return mail.build_message(user.email, kind, user.locale, subject, name=user.name, **context)


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
