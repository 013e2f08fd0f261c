"""Sealing: what survivors write, and how to reach them, is stored encrypted with STORIES_KEY.

PyNaCl (libsodium): XChaCha20-Poly1305 (`nacl.secret.Aead`) with a random 24-byte nonce per value, so
equal texts never look alike, and with associated data naming the campaign and the field, so a sealed
value cannot be moved to another row's field or another campaign unnoticed. Unlike Fernet, nothing in
a sealed value tells when it was made (Fernet writes the time of encryption in clear into every
token, and we keep no exact time).

STORIES_KEY is not SECRET_KEY and never in the database: a stolen database dump, or a leaked
SECRET_KEY, opens nothing. Several keys may be given, comma-separated, to rotate: the first seals,
every one opens (a sealed value starts with a short fingerprint of its key). The private codes
authors get are stored only as a keyed BLAKE2b hash, so the database cannot even be searched for them.
"""
import base64
import hashlib
import secrets
from dataclasses import dataclass
from enum import StrEnum

from flask import current_app
from flask.sansio.app import App  # what a blueprint's setup state holds
from nacl.exceptions import CryptoError
from nacl.secret import Aead

from ..config import instance_secret_key

VERSION = b"\x01"
FINGERPRINT = 4  # bytes of the key's fingerprint after the version byte
MIN_KEY_BYTES = 32
# 20 characters of an alphabet without look-alikes (no 0/O, 1/I/L): 100 bits, written in groups of 4.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 20


class SealedField(StrEnum):
    """What a sealed value is: named in its associated data, so a value sealed as one field never opens
    as another (the names are in every sealed value already stored: they never change)."""

    TEXT = "text"  # what the author wrote (StorySubmission.text_sealed)
    REDACTED = "redacted"  # the team's anonymous version (StorySubmission.redacted_sealed)
    CONTACT = "contact"  # how to reach someone who asked for support (StorySubmission.contact_sealed)
    CODE_MAIL = "code-mail"  # the job that mails an author their code carries the address sealed


class StoriesKeyMissing(RuntimeError):
    """APP_ENV=production without STORIES_KEY, or a key too short to be one."""


class Unsealable(ValueError):
    """A sealed value that no configured key opens (a wrong key, or a value moved between rows)."""


@dataclass(frozen=True)
class _Key:
    seal: bytes
    code: bytes
    fingerprint: bytes


def _derive(material: bytes) -> _Key:
    def sub(purpose: bytes) -> bytes:
        return hashlib.blake2b(purpose, key=material[:64], digest_size=32, person=b"petition-stories").digest()

    return _Key(seal=sub(b"seal"), code=sub(b"code"), fingerprint=sub(b"fingerprint")[:FINGERPRINT])


def _decode(text: str) -> bytes:
    text = text.strip()
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise StoriesKeyMissing("STORIES_KEY must be base64url text") from exc
    if len(raw) < MIN_KEY_BYTES:
        raise StoriesKeyMissing(
            f"STORIES_KEY must hold at least {MIN_KEY_BYTES} random bytes; make one with "
            "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    return raw


def configure(app: App) -> None:
    """At start-up: production refuses to run without STORIES_KEY; elsewhere a key is generated once
    into the instance folder (like SECRET_KEY). A malformed key fails here, not at the first story."""
    if not app.config.get("STORIES_KEY"):
        if app.config.get("APP_ENV") == "production":
            raise StoriesKeyMissing("STORIES_KEY must be set when APP_ENV=production (see README: Configuration)")
        app.config["STORIES_KEY"] = instance_secret_key(app.instance_path, "stories_key", 32)
    keys = [_derive(_decode(part)) for part in str(app.config["STORIES_KEY"]).split(",") if part.strip()]
    if not keys:
        raise StoriesKeyMissing("STORIES_KEY holds no key")
    app.extensions["petition_stories_keys"] = keys


def _keys() -> list[_Key]:
    keys: list[_Key] = current_app.extensions["petition_stories_keys"]
    return keys


def _context(campaign_id: int, field: SealedField) -> bytes:
    return f"petition-stories|{campaign_id}|{field.value}".encode()


def seal(text: str, campaign_id: int, field: SealedField) -> bytes:
    """`text` encrypted for one field of one campaign's submission."""
    key = _keys()[0]
    return VERSION + key.fingerprint + bytes(Aead(key.seal).encrypt(text.encode("utf-8"), _context(campaign_id, field)))


def unseal(sealed: bytes, campaign_id: int, field: SealedField) -> str:
    """The text of a sealed value, with whichever configured key sealed it."""
    sealed = bytes(sealed)
    if not sealed.startswith(VERSION):
        raise Unsealable("unknown format")
    fingerprint, box = sealed[1 : 1 + FINGERPRINT], sealed[1 + FINGERPRINT :]
    for key in _keys():
        if secrets.compare_digest(key.fingerprint, fingerprint):
            try:
                return bytes(Aead(key.seal).decrypt(box, _context(campaign_id, field))).decode("utf-8")
            except CryptoError as exc:
                raise Unsealable("the value does not belong here") from exc
    raise Unsealable("no configured key opens this value")


def new_code() -> str:
    """A private code for an author, e.g. 7KQM-3XTB-9PWD-HR4C-Z8NE (100 bits)."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise_code(code: str) -> str:
    """What someone types, as the code we made: upper case, without spaces or dashes; look-alikes read
    as the letters we use (O as 0 is not in the alphabet, so it cannot be confused)."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())[:64]


def code_digests(code: str) -> list[str]:
    """The stored forms of a code under every configured key (the first one is what new rows store)."""
    normal = normalise_code(code).encode()
    return [hashlib.blake2b(normal, key=key.code, digest_size=32).hexdigest() for key in _keys()]


def counting_digest(value: str, purpose: str) -> str:
    """A keyed hash of `value` to count with (the rate limits of "mail me my code"): the same value
    gives the same digest, and without STORIES_KEY nobody can tell which value it was. Only the
    first key is used: after a rotation the counting simply starts again."""
    key = _keys()[0]
    return hashlib.blake2b(f"{purpose}|{value}".encode(), key=key.code, digest_size=20).hexdigest()
