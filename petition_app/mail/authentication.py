"""Mail that proves where it comes from: a DKIM signature on every mail (when a key is configured), and
the DNS records to publish for it (DKIM, SPF, DMARC), printed by `flask mail dns`.

Why dkimpy: DKIM is canonicalisation, a body hash and an RSA signature over chosen headers, easy to get
subtly wrong; dkimpy is the reference implementation in Python (used by dkimpy-milter and Mailman),
pure Python with dnspython as its only dependency, and it verifies too, so a test checks our signature
against the very record `flask mail dns` prints."""
from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import dkim
from dkim.crypto import parse_pem_private_key
from flask import current_app

from .addresses import bounce_domain, sender_domain

#: The headers each signature covers, those of them a mail has (relaxed/relaxed canonicalisation).
SIGNED_HEADERS = (
    "From", "To", "Subject", "Date", "Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post",
    "Auto-Submitted", "MIME-Version", "Content-Type",
)


@dataclass(frozen=True)
class DKIMKey:
    selector: str
    domain: str
    pem: bytes


def dkim_key() -> DKIMKey | None:
    """The configured key (DKIM_SELECTOR, DKIM_PRIVATE_KEY: the path of a PEM file, DKIM_DOMAIN or the
    sender's domain), or None when mail goes unsigned."""
    config = current_app.config
    selector, path = config.get("DKIM_SELECTOR"), config.get("DKIM_PRIVATE_KEY")
    if not selector or not path:
        return None
    return DKIMKey(selector, (config.get("DKIM_DOMAIN") or sender_domain()).lower(), _read_key(str(path)))


@lru_cache(maxsize=4)
def _read_key(path: str) -> bytes:
    return Path(path).read_bytes()


def _header_names(data: bytes) -> set[str]:
    """The names of the headers of a message given as bytes (up to the first empty line)."""
    head = data.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    names = set()
    for line in head.splitlines():
        if line[:1] not in (b" ", b"\t") and b":" in line:
            names.add(line.split(b":", 1)[0].strip().lower().decode("ascii", "replace"))
    return names


def sign(data: bytes) -> bytes:
    """`data` (a whole message, CRLF line ends) with a DKIM-Signature header in front, or unchanged
    without a configured key."""
    key = dkim_key()
    if key is None:
        return data
    present = _header_names(data)
    headers = [name.encode() for name in SIGNED_HEADERS if name.lower() in present]
    signature = dkim.sign(
        data, key.selector.encode(), key.domain.encode(), key.pem,
        canonicalize=(b"relaxed", b"relaxed"), include_headers=headers,
    )
    return signature + data


# ------------------------------------------------------------------ the DNS records to publish


def _der(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        encoded = bytes([length])
    else:
        raw = length.to_bytes((length.bit_length() + 7) // 8, "big")
        encoded = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + encoded + content


def _der_integer(value: int) -> bytes:
    raw = value.to_bytes(value.bit_length() // 8 + 1, "big")  # a leading zero byte keeps it positive
    return _der(0x02, raw)


RSA_ENCRYPTION = bytes.fromhex("06092a864886f70d010101")  # OID 1.2.840.113549.1.1.1


def public_key_record(pem: bytes) -> str:
    """The p= of the DKIM record: the key's SubjectPublicKeyInfo (RFC 6376, 3.6.1), base64."""
    private = parse_pem_private_key(pem)
    rsa_public = _der(0x30, _der_integer(private["modulus"]) + _der_integer(private["publicExponent"]))
    spki = _der(0x30, _der(0x30, RSA_ENCRYPTION + _der(0x05, b"")) + _der(0x03, b"\x00" + rsa_public))
    return base64.b64encode(spki).decode("ascii")


def dkim_record(key: DKIMKey) -> tuple[str, str]:
    """(name, value) of the DKIM TXT record for `key`."""
    return f"{key.selector}._domainkey.{key.domain}", f"v=DKIM1; k=rsa; p={public_key_record(key.pem)}"


def txt_chunks(value: str) -> str:
    """A TXT value as zone files write it: quoted strings of at most 255 characters each."""
    return " ".join(f'"{value[i:i + 255]}"' for i in range(0, len(value), 255))


def dns_records() -> list[tuple[str, str, str]]:
    """(name, type, value) of the records to publish: DKIM (from the key, when one is configured), an SPF
    suggestion for the envelope sender's domain and a DMARC suggestion for the sender's domain."""
    records = []
    key = dkim_key()
    if key is not None:
        name, value = dkim_record(key)
        records.append((name, "TXT", value))
    envelope_domain = bounce_domain() or sender_domain()
    records.append((envelope_domain, "TXT", "v=spf1 mx -all"))
    domain = sender_domain()
    records.append((f"_dmarc.{domain}", "TXT", f"v=DMARC1; p=none; adkim=r; aspf=r; rua=mailto:postmaster@{domain}"))
    return records
