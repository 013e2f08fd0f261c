"""Signed, expiring tokens for links in mails. One serializer, one salt per purpose, so that a token made
for one purpose can never be replayed for another.

A payload is a small dict with one-letter keys (it travels in the link). Each kind of link names its
keys in one enum here (SignatureLink, RecipientLink, InvitationLink, AccountLink), so that the code
that makes a link and the code that reads it spell them once; the letters are what links already
mailed carry, so they never change."""
from enum import StrEnum
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class Purpose(StrEnum):
    """What a link is for: each purpose signs with its own salt."""

    VERIFY = "verify"  # confirm a signature (SignatureLink, with the sign request)
    UNSUBSCRIBE = "unsubscribe"  # stop a signer's updates (SignatureLink)
    RESPOND = "respond"  # a recipient's private answer page (RecipientLink)
    WITHDRAW = "withdraw"  # withdraw a signature (SignatureLink)
    MY_DATA = "my_data"  # a signer's own data (SignatureLink)
    ACCOUNT_CONFIRM = "account_confirm"  # confirm an account's address (AccountLink)
    PASSWORD_RESET = "password_reset"  # set a new password (AccountLink)
    INVITE = "invite"  # join a campaign's organizers (InvitationLink)


SALTS: dict[Purpose, str] = {
    Purpose.VERIFY: "petition.verify-signature.v1",
    Purpose.UNSUBSCRIBE: "petition.unsubscribe.v1",
    Purpose.RESPOND: "petition.recipient-respond.v1",
    Purpose.WITHDRAW: "petition.withdraw.v1",
    Purpose.MY_DATA: "petition.my-data.v1",
    Purpose.ACCOUNT_CONFIRM: "petition.account-confirm.v1",
    Purpose.PASSWORD_RESET: "petition.password-reset.v1",
    Purpose.INVITE: "petition.co-organizer-invite.v1",
}


class SignatureLink(StrEnum):
    """The payload of a link to a signature (verify, unsubscribe, withdraw, my_data)."""

    SIGNATURE = "s"  # the signature's id
    SECRET = "k"  # the signature's current secret
    REQUEST = "r"  # the sign request a confirmation link confirms (verify only)


class RecipientLink(StrEnum):
    """The payload of a recipient's private answer link."""

    RECIPIENT = "r"  # the recipient's id
    SECRET = "s"  # the recipient's current link secret


class InvitationLink(StrEnum):
    """The payload of a co-organizer's invitation link."""

    INVITATION = "i"  # the invitation's id
    SECRET = "s"  # the invitation's secret


class AccountLink(StrEnum):
    """The payload of a link to an account (confirm the address, reset the password)."""

    USER = "u"  # the account's id
    KEY = "k"  # accounts.queries.link_key: from the account's token secret and the purpose


class TokenInvalid(Exception):
    pass


class TokenExpired(TokenInvalid):
    pass


def _serializer(purpose: Purpose | str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALTS[Purpose(purpose)])


def make_token(purpose: Purpose | str, payload: dict[str, Any]) -> str:
    return _serializer(purpose).dumps(payload)


def read_token(purpose: Purpose | str, token: str, max_age: int) -> Any:
    try:
        return _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise TokenExpired() from exc
    except BadSignature as exc:
        raise TokenInvalid() from exc
