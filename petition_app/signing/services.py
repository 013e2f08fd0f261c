"""The path of a signature: signing, the mails that follow, and confirmation. Counting and milestones
are decided here and nowhere else."""
import hashlib
import hmac
import logging
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext
from sqlalchemy import insert, select, update
from limits import parse_many
from sqlalchemy.exc import IntegrityError

from .. import mail
from ..campaigns.models import Campaign, Milestone
from ..extensions import db, limiter
from ..jobs import enqueue_after_commit
from ..jobs.mails import send_signature_mail
from ..jobs.letters import compile_letters
from ..jobs.milestones import announce_milestone
from ..links import external_url
from ..rules import goals_crossed, is_blocked, normalise_email, parse_networks
from ..timeutil import utcnow
from ..tokens import make_token, read_token
from .mailing import signer_message
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
    source: str | None = None


    @classmethod
    def from_form(cls, form, locale, ip):
        """The same fields whether they came from the web form or the API (which feeds the same form)."""
        return cls(
            name=form.name.data, email=form.email.data, city=form.city.data, locale=locale,
            wants_updates=form.updates.data, is_public=form.public.data, ip=ip, source=form.source.data,
        )


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


def over_soft_limits(campaign_id, ip):
    """True when this address signed this campaign more often than SIGN_SOFT_LIMITS allow. Counted with
    Flask-Limiter's own limiter (Redis when there is one), so every web process shares the windows."""
    if not ip or not limiter.enabled:
        return False
    try:
        hits = [
            limiter.limiter.hit(item, "sign-soft", str(campaign_id), hash_ip(ip))
            for item in parse_many(current_app.config["SIGN_SOFT_LIMITS"])
        ]
    except Exception:  # the limiter's storage is down: nobody is marked for it
        log.warning("soft rate limit unavailable", exc_info=True)
        return False
    return not all(hits)


def suspect_reason(campaign, email, ip):
    config = current_app.config
    networks = parse_networks(config["BLOCKED_NETWORKS"])
    if is_blocked(email, ip, config["BLOCKED_EMAILS"], config["BLOCKED_EMAIL_DOMAINS"], networks):
        return "blocked"
    if over_soft_limits(campaign.id, ip):
        return "rate"
    return None


def sign(campaign, data):
    """Record a signature (or find the one this address already made) and queue the right mail.

    Whatever happens, the caller answers the same way, so nobody can learn from the response whether an
    address has signed: the difference is only in the mail that the owner of the address receives.
    A suspect request (blocked, or over the soft limits) is answered the same too, but its signature is
    not counted and no mail goes out for it.
    """
    if not campaign.accepts_signatures():
        raise CampaignClosed()
    email = normalise_email(data.email)
    reason = suspect_reason(campaign, email, data.ip)
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
            source=data.source,
            suspect_reason=reason,
        )
        try:
            with db.session.begin_nested():
                db.session.add(signature)
        except IntegrityError:  # the same address signed at the same moment in another request
            signature = db.session.scalar(
                select(Signature).where(Signature.campaign_id == campaign.id, Signature.email == email)
            )
    elif signature.withdrawn_at is not None:
        # Signing again in the moment between withdrawing and the receipt: a fresh, unconfirmed start.
        signature.withdrawn_at = None
        signature.name, signature.city, signature.locale = data.name.strip(), (data.city or "").strip() or None, data.locale
        signature.wants_updates, signature.is_public = bool(data.wants_updates), bool(data.is_public)
    elif signature.suspect_reason == "rate" and reason is None and signature.confirmed_at is None:
        # a calm second try lifts a rate-limit suspicion (a whole campus may share one address)
        signature.suspect_reason = None
    if reason is not None:
        db.session.commit()
        return
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
    if kind == MAIL_CONFIRM and signature.confirmed_at is None:
        token = make_token("verify", {"s": signature.id})
        message = signer_message(
            signature, "confirm_signature", lambda title: gettext("Confirm your signature: %(title)s", title=title),
            verify_url=external_url("signing.verify", token=token),
            valid_days=max(1, current_app.config["VERIFY_TOKEN_MAX_AGE"] // 86400),
        )
    else:
        message = signer_message(
            signature, "already_signed", lambda title: gettext("You have already signed: %(title)s", title=title)
        )
    mail.send([message])
    db.session.execute(
        update(Signature).where(Signature.id == signature_id, Signature.mails_sent < request_no).values(mails_sent=request_no)
    )
    db.session.commit()
    return True


def signature_for_token(token):
    """The signature a confirmation link is for, without changing anything (a GET shows, never confirms)."""
    return _signature_from_token("verify", token, current_app.config["VERIFY_TOKEN_MAX_AGE"])


def _signature_from_token(purpose, token, max_age):
    payload = read_token(purpose, token, max_age)
    signature = db.session.get(Signature, payload.get("s")) if isinstance(payload, dict) else None
    if signature is None or signature.withdrawn_at is not None:
        raise SignatureGone()
    return signature


def signature_from_link(purpose, token):
    """The signature a link in one of its mails is for. Links in mails stay valid for a long time
    (LINK_TOKEN_MAX_AGE): a signer may want to withdraw months later."""
    return _signature_from_token(purpose, token, current_app.config["LINK_TOKEN_MAX_AGE"])


def signature_for_unsubscribe(token):
    return signature_from_link("unsubscribe", token)


def withdraw(token):
    """Take a signature back: it stops counting at once (the count drops in the same transaction), it
    leaves every list, letter and mailing, and a receipt job mails the signer and then deletes the row.
    Milestones already reached stay reached."""
    from ..jobs.mails import send_withdrawal_receipt

    signature = signature_from_link("withdraw", token)
    campaign = signature.campaign
    marked = db.session.execute(
        update(Signature)
        .where(Signature.id == signature.id, Signature.withdrawn_at.is_(None))
        .values(withdrawn_at=utcnow(), wants_updates=False, is_public=False)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not marked:  # withdrawn a moment ago by another request
        db.session.rollback()
        return campaign
    was_counted = db.session.execute(
        update(Signature)
        .where(Signature.id == signature.id, Signature.confirmed_at.is_not(None))
        .values(confirmed_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if was_counted:
        db.session.execute(
            update(Campaign)
            .where(Campaign.id == campaign.id)
            .values(confirmed_count=Campaign.confirmed_count - 1)
            .execution_options(synchronize_session=False)
        )
    enqueue_after_commit(send_withdrawal_receipt, signature.id)
    db.session.commit()
    return campaign


def deliver_withdrawal_receipt(signature_id):
    """Confirm the withdrawal to the signer, then forget them: the row goes, with its deliveries."""
    signature = db.session.get(Signature, signature_id)
    if signature is None or signature.withdrawn_at is None:
        return False
    message = signer_message(
        signature, "withdrawn", lambda title: gettext("Your signature is withdrawn: %(title)s", title=title)
    )
    mail.send([message])
    db.session.delete(signature)
    db.session.commit()
    return True


def personal_data(token):
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
    if signature.suspect_reason is not None:  # confirmed, and answered as such, but never counted
        db.session.commit()
        return Confirmation(campaign, newly_confirmed=True)
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
        if goal == campaign.goals[-1]:  # the goal itself: the letters are compiled with this count
            enqueue_after_commit(compile_letters, campaign.id)
    db.session.commit()
    db.session.refresh(campaign)
    return Confirmation(campaign, newly_confirmed=True)
