"""Reads of signatures: what a link in a mail is for, and a signer's own copy of their data."""
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_wtf import FlaskForm

from ..campaigns.models import Campaign
from ..extensions import db
from ..tokens import read_token
from .models import Signature


class SignatureGone(Exception):
    """The token is genuine but its signature no longer exists (withdrawn or purged)."""


@dataclass
class SignatureInput:
    name: str
    email: str
    locale: str
    city: str | None = None
    wants_updates: bool = False
    is_public: bool = False
    ip: str | None = None
    source: str | None = None

    @classmethod
    def from_form(cls, form: FlaskForm, locale: str, ip: str | None) -> "SignatureInput":
        """The same fields whether they came from the web form or the API (which feeds the same form)."""
        return cls(
            name=form.name.data, email=form.email.data, city=form.city.data, locale=locale,
            wants_updates=form.updates.data, is_public=form.public.data, ip=ip, source=form.source.data,
        )


@dataclass
class Confirmation:
    campaign: Campaign
    newly_confirmed: bool


def signature_for_token(token: str) -> Signature:
    """The signature a confirmation link is for, without changing anything (a GET shows, never confirms)."""
    return _signature_from_token("verify", token, current_app.config["VERIFY_TOKEN_MAX_AGE"])


def _signature_from_token(purpose: str, token: str, max_age: int) -> Signature:
    """Every link in a mail is checked the same way; a withdrawn signature is gone for all of them."""
    payload = read_token(purpose, token, max_age)
    signature = db.session.get(Signature, payload.get("s")) if isinstance(payload, dict) else None
    if signature is None or signature.withdrawn_at is not None:
        raise SignatureGone()
    return signature


def signature_from_link(purpose: str, token: str) -> Signature:
    """The signature a link in one of its mails is for. Links in mails stay valid for a long time
    (LINK_TOKEN_MAX_AGE): a signer may want to withdraw months later."""
    return _signature_from_token(purpose, token, current_app.config["LINK_TOKEN_MAX_AGE"])


def signature_for_unsubscribe(token: str) -> Signature:
    """The signature a one-click unsubscribe link is for."""
    return signature_from_link("unsubscribe", token)


def personal_data(token: str) -> dict[str, Any]:
    """Everything we hold about one signature, for the signer's own copy (GDPR article 15)."""
    signature = signature_from_link("my_data", token)
    campaign = signature.campaign
    stamp = lambda moment: moment.isoformat() if moment else None  # noqa: E731
    return {
        "campaign": {"slug": campaign.slug, "title": {"nl": campaign.title_nl, "en": campaign.title_en}},
        "name": signature.name,
        "email": signature.email,
        "city": signature.city,
        "language": signature.locale,
        "wants_updates": signature.wants_updates,
        "named_publicly_and_in_letters": signature.is_public,
        "signed_at": stamp(signature.created_at),
        "confirmed_at": stamp(signature.confirmed_at),
        "ip_address": "not stored; only a keyed hash, used to detect mass abuse" if signature.ip_hash else None,
        "mails_sent": signature.mails_sent,
    }


