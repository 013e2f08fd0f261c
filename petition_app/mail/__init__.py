"""Building mails (a text and an HTML part, in the recipient's language) and handing them to a transport.

Each mail knows what it is about (`About`: a signature, a hand-over of letters, an account), so that its
envelope sender can name it: with MAIL_BOUNCE_ADDRESS set, a bounce comes back to
`bounces+<token>@domain`, the token signed and naming the mail (petition_app/bounces reads it)."""
import hashlib
import hmac
import smtplib
import unicodedata
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from enum import StrEnum

from flask import current_app, render_template
from flask_babel import force_locale, gettext
from itsdangerous import BadSignature, Signer

from .transports import get_transport


class About(StrEnum):
    """What a mail is about, as its bounce token names it (one letter: the token must fit in a local part)."""

    SIGNATURE = "s"  # a mail to a signer: confirmation, receipt, bulk mail
    HANDOVER = "h"  # the letters to a recipient, or a reminder of them
    USER = "u"  # a mail to an account holder
    OTHER = "m"  # anything else: the bounce names the address itself


class Message(EmailMessage):
    """A mail that knows what it is about (None: About.OTHER), for its envelope sender."""

    about: tuple[About, int] | None = None


def one_line(text):
    """A header value on one line: a line break in a header (a campaign title typed with one, before
    the forms refused them) makes the email package refuse the whole message. Line breaks and other
    control characters become spaces, runs of spaces one."""
    spaced = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in str(text))
    return " ".join(spaced.split())


def sender(locale):
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


def sender_address() -> str:
    """The bare address of MAIL_DEFAULT_SENDER (without its display name)."""
    configured = current_app.config["MAIL_DEFAULT_SENDER"]
    return parseaddr(configured)[1] or configured


def sender_domain() -> str:
    """The domain of the sender's address: Message-IDs are made on it, DKIM signs for it."""
    return sender_address().rpartition("@")[2].lower() or "localhost"


def message_id() -> str:
    """A new Message-ID on the sender's own domain (a Message-ID on a domain that is not the sender's is
    one more small sign of forged mail to spam filters)."""
    return make_msgid(domain=sender_domain())


def date_header() -> str:
    """Now, as an RFC 5322 Date header in UTC ("Mon, 07 Dec 2026 04:05:31 +0000"): a mail without a
    Date scores 2.7 in SpamAssassin (MISSING_DATE) before it says anything."""
    return format_datetime(datetime.now(timezone.utc))


def bounce_domain() -> str | None:
    """The domain of MAIL_BOUNCE_ADDRESS, or None when bounces are not collected."""
    address = current_app.config.get("MAIL_BOUNCE_ADDRESS")
    return address.rpartition("@")[2].lower() if address else None


def _bounce_signer() -> Signer:
    return Signer(current_app.config["SECRET_KEY"], salt="mail-bounce")


def bounce_token(about: tuple[About, int] | None) -> str:
    """`<kind><id>.<signature>`, e.g. `h12.3sdR...`: short enough for a local part (64 characters)."""
    kind, ref_id = about or (About.OTHER, 0)
    return _bounce_signer().sign(f"{kind.value}{int(ref_id)}").decode("ascii")


def read_bounce_token(address: str) -> tuple[About, int] | None:
    """What the VERP address a bounce came back to names, or None for an address we did not make (or a
    forged token)."""
    local = address.strip().strip("<>").rpartition("@")[0]
    if "+" not in local:
        return None
    token = local.split("+", 1)[1]
    try:
        value = _bounce_signer().unsign(token).decode("ascii")
        return About(value[0]), int(value[1:])
    except (BadSignature, ValueError, IndexError):
        return None


def envelope_sender(about: tuple[About, int] | None = None) -> str:
    """Where a bounce of this mail goes: `bounces+<token>@domain` with MAIL_BOUNCE_ADDRESS, else the sender."""
    bounce = current_app.config.get("MAIL_BOUNCE_ADDRESS")
    if not bounce:
        return sender_address()
    local, _, domain = bounce.rpartition("@")
    return f"{local}+{bounce_token(about)}@{domain}"


def address_hash(address: str) -> str:
    """A keyed hash of an address (lower-cased): what is kept of an address that bounced for good, so that
    no bulk mail goes to it again without keeping the address itself (like hash_ip for client addresses)."""
    key = hashlib.sha256(b"address-hash:" + current_app.config["SECRET_KEY"].encode()).digest()
    return hmac.new(key, address.strip().lower().encode("utf-8"), hashlib.sha256).hexdigest()


def build_message(to, template, locale, subject, headers=None, about=None, **context):
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


def connection():
    """One connection of the configured transport, for sending a batch: `with connection() as c: c.send(m)`."""
    return get_transport()


def send(messages):
    """Send a few messages over one connection of the configured transport."""
    sent = 0
    try:
        with connection() as transport:
            for message in messages:
                transport.send(message)
                sent += 1
    except Exception:
        count_sent(sent, 1)
        raise
    count_sent(sent, 0)


def count_sent(sent, failed):
    """Tell the app's mail counter (set by petition_app.monitoring, which keeps the counts where /metrics
    reads them) how many mails went and how many attempts failed. Without a counter, nothing happens."""
    counter = current_app.extensions.get("petition_mail_counter")
    if counter is not None and (sent or failed):
        counter(sent, failed)


def is_permanent_failure(error):
    """A refusal that will not change by trying again: the server rejected this recipient (5xx)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return False


def bulk_headers(unsubscribe_url):
    """Headers of a mail sent to many signers: one-click unsubscribe (RFC 8058); like every mail it says
    Auto-Submitted (build_message)."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Precedence": "bulk",
    }
