"""Mail to account holders, sent by a job after the commit in the account holder's language. Tokens
are made when the mail is built, so a retried job sends a link that works."""
from flask_babel import gettext

from .. import mail
from ..extensions import db
from ..jobs import job
from ..links import external_url
from ..tokens import make_token
from .models import User
from .queries import CONFIRM, RESET, link_payload

MAIL_CONFIRM = CONFIRM
MAIL_ACCOUNT_EXISTS = "account_exists"
MAIL_RESET = RESET


@job("mail", retry="MAIL_RETRY_INTERVALS")
def send_account_mail(kind: str, user_id: int | None) -> None:
    """One mail about an account. A retry after the SMTP server accepted would send it again, which
    for these single mails (a link to confirm or reset) is harmless; they are never lost. No user (a
    reset asked for an address without an account, queued all the same) sends nothing."""
    user = db.session.get(User, user_id) if user_id is not None else None
    if user is None:
        return
    if kind == MAIL_CONFIRM:
        token = make_token(CONFIRM, link_payload(user, CONFIRM))
        subject, context = (lambda: gettext("Confirm your account")), {"confirm_url": external_url("accounts.confirm", token=token)}
    elif kind == MAIL_ACCOUNT_EXISTS:
        subject = lambda: gettext("You already have an account")  # noqa: E731
        context = {"reset_url": external_url("accounts.reset_request", lang=user.locale)}
    elif kind == MAIL_RESET:
        token = make_token(RESET, link_payload(user, RESET))
        subject, context = (lambda: gettext("Reset your password")), {"reset_url": external_url("accounts.reset", token=token)}
    else:
        raise ValueError(f"unknown account mail {kind}")
    mail.send([mail.build_message(user.email, kind, user.locale, subject, name=user.name, **context)])
