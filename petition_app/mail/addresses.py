"""The addresses of a mail: the sender's, its domain, and the envelope sender that names the mail for
bounces (VERP). Apart from mail/__init__ so that the transports and DKIM read them without a cycle."""
import hashlib
import hmac
from email.utils import parseaddr
from enum import StrEnum

from flask import current_app
from itsdangerous import BadSignature, Signer


class About(StrEnum):
    """What a mail is about, as its bounce token names it (one letter: the token must fit in a local part)."""

    SIGNATURE = "s"  # a mail to a signer: confirmation, receipt, bulk mail
    HANDOVER = "h"  # the letters to a recipient, or a reminder of them
    USER = "u"  # a mail to an account holder
    OTHER = "m"  # anything else: the bounce names the address itself


def sender_address() -> str:
    """The bare address of MAIL_DEFAULT_SENDER (without its display name)."""
    configured = current_app.config["MAIL_DEFAULT_SENDER"]
    return parseaddr(configured)[1] or configured


def sender_domain() -> str:
    """The domain of the sender's address: Message-IDs are made on it, DKIM signs for it."""
    return sender_address().rpartition("@")[2].lower() or "localhost"


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
