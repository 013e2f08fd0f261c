"""The path of a signature: signing, the mails that follow, and confirmation. Counting and milestones
are decided here and nowhere else."""
import hashlib
import hmac
import logging
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from .. import mail
from ..campaigns.models import Campaign, Milestone
from ..extensions import db
from ..jobs import enqueue_after_commit
from ..jobs.mails import send_signature_mail
from ..jobs.milestones import announce_milestone
from ..links import external_url
from ..rules import goals_crossed, normalise_email
from ..timeutil import utcnow
from ..tokens import make_token, read_token
from .models import Signature

log = logging.getLogger(__name__)

MAIL_CONFIRM = "confirm"
MAIL_ALREADY_SIGNED = "already_signed"


class SigningError(Exception):
    """A domain error the web layer turns into a translated message."""


class CampaignClosed(SigningError):
    pass


class ConfirmationClosed(SigningError):
    pass


class SignatureGone(SigningError):
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


@dataclass
class Confirmation:
    campaign: Campaign
    newly_confirmed: bool


def hash_ip(ip):
    """A keyed hash: enough to see that many signatures come from one address, useless to find it."""
    if not ip:
        return None
    key = hashlib.sha256(b"ip-hash:" + current_app.config["SECRET_KEY"].encode()).digest()
    return hmac.new(key, ip.encode(), hashlib.sha256).hexdigest()


def sign(campaign, data):
    """Record a signature (or find the one this address already made) and queue the right mail.

    Whatever happens, the caller answers the same way, so nobody can learn from the response whether an
    address has signed: the difference is only in the mail that the owner of the address receives.
    """
    if not campaign.accepts_signatures():
        raise CampaignClosed()
    email = normalise_email(data.email)
    signature = db.session.scalar(
        select(Signature).where(Signature.campaign_id == campaign.id, Signature.email == email)
    )
    if signature is None:
        signature = Signature(
            campaign_id=campaign.id,
            name=data.name.strip(),
            email=email,
            city=(data.city or "").strip() or None,
            locale=data.locale,
            wants_updates=bool(data.wants_updates),
            is_public=bool(data.is_public),
            ip_hash=hash_ip(data.ip),
        )
        try:
            with db.session.begin_nested():
                db.session.add(signature)
        except IntegrityError:  # the same address signed at the same moment in another request
            signature = db.session.scalar(
                select(Signature).where(Signature.campaign_id == campaign.id, Signature.email == email)
            )
    # Someone typing another person's address changes nothing about that person's signature.
    kind = MAIL_ALREADY_SIGNED if signature.confirmed_at else MAIL_CONFIRM
    request_no = db.session.scalar(
        update(Signature)
        .where(Signature.id == signature.id, Signature.mails_requested < current_app.config["MAX_MAILS_PER_SIGNATURE"])
        .values(mails_requested=Signature.mails_requested + 1)
        .returning(Signature.mails_requested)
    )
    if request_no is not None:
        enqueue_after_commit(send_signature_mail, signature.id, kind, request_no)
    db.session.commit()


def deliver_signature_mail(signature_id, kind, request_no):
    """Send mail number `request_no` of a signature unless it has been sent already (a job run twice)."""
    signature = db.session.get(Signature, signature_id)
    if signature is None or signature.mails_sent >= request_no:
        return False
    campaign = signature.campaign
    locale = signature.locale
    context = {
        "signature": signature,
        "campaign_title": campaign.text("title", locale),
        "campaign_url": external_url("campaigns.show", slug=campaign.slug, lang=locale),
        "privacy_url": external_url("campaigns.privacy", lang=locale),
    }
    if kind == MAIL_CONFIRM and signature.confirmed_at is None:
        token = make_token("verify", {"s": signature.id})
        context["verify_url"] = external_url("signing.verify", token=token)
        context["valid_days"] = max(1, current_app.config["VERIFY_TOKEN_MAX_AGE"] // 86400)
        message = mail.build_message(
            signature.email, "confirm_signature", locale,
            lambda: gettext("Confirm your signature: %(title)s", title=context["campaign_title"]), **context,
        )
    else:
        message = mail.build_message(
            signature.email, "already_signed", locale,
            lambda: gettext("You have already signed: %(title)s", title=context["campaign_title"]), **context,
        )
    mail.send([message])
    db.session.execute(
        update(Signature).where(Signature.id == signature_id, Signature.mails_sent < request_no).values(mails_sent=request_no)
    )
    db.session.commit()
    return True


def signature_for_token(token):
    """The signature a confirmation link is for, without changing anything (a GET shows, never confirms)."""
    payload = read_token("verify", token, current_app.config["VERIFY_TOKEN_MAX_AGE"])
    signature = db.session.get(Signature, payload.get("s")) if isinstance(payload, dict) else None
    if signature is None:
        raise SignatureGone()
    return signature


def signature_for_unsubscribe(token):
    payload = read_token("unsubscribe", token, current_app.config["UNSUBSCRIBE_TOKEN_MAX_AGE"])
    signature = db.session.get(Signature, payload.get("s")) if isinstance(payload, dict) else None
    if signature is None:
        raise SignatureGone()
    return signature


def stop_updates(token):
    """One click in a mail (or the mail program's own unsubscribe button) ends all bulk mail to this
    signer for this campaign; the signature itself stays and keeps counting."""
    signature = signature_for_unsubscribe(token)
    signature.wants_updates = False
    db.session.commit()
    return signature


def verify(token):
    """Confirm a signature. The first confirmation marks it and raises the campaign's count in the same
    transaction, atomically in the database, so concurrent confirmations each count exactly once and
    exactly one of them sees the count land on a goal; that one records the milestone and queues its job.
    """
    signature = signature_for_token(token)
    campaign = signature.campaign
    if signature.confirmed_at is not None:
        return Confirmation(campaign, newly_confirmed=False)
    if not campaign.accepts_confirmations():
        raise ConfirmationClosed()
    now = utcnow()
    marked = db.session.execute(
        update(Signature)
        .where(Signature.id == signature.id, Signature.confirmed_at.is_(None))
        .values(confirmed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if marked != 1:  # confirmed a moment ago by another request
        db.session.rollback()
        return Confirmation(campaign, newly_confirmed=False)
    count = db.session.scalar(
        update(Campaign)
        .where(Campaign.id == campaign.id)
        .values(confirmed_count=Campaign.confirmed_count + 1)
        .returning(Campaign.confirmed_count)
    )
    for goal in goals_crossed(count - 1, count, campaign.goals):
        try:
            with db.session.begin_nested():
                milestone_id = db.session.scalar(
                    insert(Milestone).values(campaign_id=campaign.id, goal=goal, reached_at=now).returning(Milestone.id)
                )
        except IntegrityError:
            log.warning("milestone %s of campaign %s was already recorded", goal, campaign.id)
            continue
        enqueue_after_commit(announce_milestone, milestone_id)
    db.session.commit()
    db.session.refresh(campaign)
    return Confirmation(campaign, newly_confirmed=True)
