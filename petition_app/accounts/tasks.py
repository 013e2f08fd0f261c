"""Mail to account holders, sent by a job after the commit in the account holder's language (mailing.py
builds it, with its tokens: a retried job sends a link that works)."""
from .. import mail
from ..extensions import db
from ..jobs import job
from .mailing import account_message
from .models import User


@job("mail", retry="MAIL_RETRY_INTERVALS")
def send_account_mail(kind: str, user_id: int | None, next_path: str | None = None) -> None:
    """One mail about an account. A retry after the SMTP server accepted would send it again, which
    for these single mails (a link to confirm or reset) is harmless; they are never lost. No user (a
    reset asked for an address without an account, queued all the same) sends nothing."""
    user = db.session.get(User, user_id) if user_id is not None else None
    if user is None:
        return
    mail.send([account_message(user, kind, next_path)])
