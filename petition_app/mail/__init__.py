"""Building mails (a text and an HTML part, in the recipient's language) and handing them to a transport.

Each mail knows what it is about (`About`: a signature, a hand-over of letters, an account), so that its
envelope sender can name it: with MAIL_BOUNCE_ADDRESS set, a bounce comes back to
`bounces+<token>@domain`, the token signed and naming the mail (petition_app/bounces reads it)."""
import smtplib
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale, gettext

from .addresses import (
    About,
    address_hash,
    bounce_domain,
    bounce_token,
    envelope_sender,
    read_bounce_token,
    sender_address,
    sender_domain,
)
from ..jobs import progress
from .transports import OutboxTransport, SMTPTransport, get_transport

__all__ = [
    "About", "Message", "address_hash", "bounce_domain", "bounce_token", "build_message", "bulk_headers", "connection",
    "count_sent", "date_header", "envelope_sender", "is_permanent_failure", "message_id", "one_line", "read_bounce_token",
    "send", "sender", "sender_address", "sender_domain",
]


class Message(EmailMessage):
    """A mail that knows what it is about (None: About.OTHER), for its envelope sender."""

    about: tuple[About, int] | None = None


def one_line(text: object) -> str:
    """A header value on one line: a line break in a header (a campaign title typed with one, before
    the forms refused them) makes the email package refuse the whole message. Line breaks and other
    control characters become spaces, runs of spaces one."""
    spaced = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in str(text))
    return " ".join(spaced.split())


def sender(locale: str) -> str:
    """The From header: MAIL_DEFAULT_SENDER's address with its own display name if it has one, else the
    platform's name (PLATFORM_NAME, or "Petities" / "Petitions" in `locale`), so that a Dutch mail
    comes from "Petities <...>"."""
    configured = current_app.config["MAIL_DEFAULT_SENDER"]
    name, address = parseaddr(configured)
    if name:
        return configured
    with force_locale(locale):
        name = current_app.config.get("PLATFORM_NAME") or gettext("Petitions")
    return formataddr((one_line(name), address or configured))


def message_id() -> str:
    """A new Message-ID on the sender's own domain (a Message-ID on a domain that is not the sender's is
    one more small sign of forged mail to spam filters)."""
    return make_msgid(domain=sender_domain())


def date_header() -> str:
    """Now, as an RFC 5322 Date header in UTC ("Mon, 07 Dec 2026 04:05:31 +0000"): a mail without a
    Date scores 2.7 in SpamAssassin (MISSING_DATE) before it says anything."""
    return format_datetime(datetime.now(timezone.utc))


def build_message(
    to: str, template: str, locale: str, subject: Callable[[], str], headers: Mapping[str, str] | None = None,
    about: tuple[About, int] | None = None, **context: Any,
) -> Message:
    """Render `templates/email/<template>.txt` and `.html` in `locale`; `subject` is a callable that
    returns the translated subject, so it is translated inside the same locale. The subject is put on
    one line (see one_line).

    Every mail is made by the platform, not typed by a person to this one recipient, so every mail says
    `Auto-Submitted: auto-generated` (RFC 3834): no out-of-office answers to it. `about` (an About and
    an id) is what its envelope sender names, for bounces."""
    with force_locale(locale):
        context["locale"] = locale
        text = render_template(f"email/{template}.txt", **context)
        html = render_template(f"email/{template}.html", **context)
        subject_text = one_line(subject())
    message = Message()
    message.about = about
    message["Subject"] = subject_text
    message["From"] = sender(locale)
    message["To"] = to
    message["Date"] = date_header()
    message["Message-ID"] = message_id()
    message["Auto-Submitted"] = "auto-generated"
    for name, value in (headers or {}).items():
        if name in message:
            del message[name]
        message[name] = value
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    # After the content: set_content clears every Content-* header set before it.
    message["Content-Language"] = locale
    return message


def connection() -> SMTPTransport | OutboxTransport:
    """One connection of the configured transport, for sending a batch: `with connection() as c: c.send(m)`."""
    return get_transport()


def send(messages: Sequence[EmailMessage]) -> None:
    """Send a few messages over one connection of the configured transport. Inside a job, each message an
    earlier run of the same job already sent is skipped, and each one sent is written down at once
    (jobs/progress.py), so that no run after a crash sends a message twice."""
    job = progress.current()
    if job is not None and job.sent_before(len(messages)):
        return  # every one of them went out in an earlier run of this job
    sent = 0
    try:
        with connection() as transport:
            for message in messages:
                if job is not None and job.skip():
                    continue
                transport.send(message)
                sent += 1
                if job is not None:
                    job.sent()
    except Exception:
        count_sent(sent, 1)
        raise
    count_sent(sent, 0)


def count_sent(sent: int, failed: int) -> None:
    """Tell the app's mail counter (set by petition_app.monitoring, which keeps the counts where /metrics
    reads them) how many mails went and how many attempts failed. Without a counter, nothing happens."""
    counter = current_app.extensions.get("petition_mail_counter")
    if counter is not None and (sent or failed):
        counter(sent, failed)


def is_permanent_failure(error: BaseException) -> bool:
    """A refusal that will not change by trying again: the server rejected this recipient (5xx)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return False


def bulk_headers(unsubscribe_url: str) -> dict[str, str]:
    """Headers of a mail sent to many signers: one-click unsubscribe (RFC 8058); like every mail it says
    Auto-Submitted (build_message)."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Precedence": "bulk",
    }
