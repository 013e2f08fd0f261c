"""Operations of organizers and moderators on campaigns. Text can be edited until the campaign is
published; after that, what signers signed stays as it was."""
import csv
import io
import re
import unicodedata


from flask import current_app
from flask_babel import gettext
from sqlalchemy import func, select

from .. import mail
from ..accounts.models import User
from ..campaigns.models import Campaign, Demand, Recipient
from ..extensions import db
from ..jobs import enqueue_after_commit
from ..links import external_url
from ..signing.models import Signature
from ..rules import normalise_email
from ..timeutil import utcnow
from ..tokens import TokenInvalid, make_token, read_token
from .models import Update

EDITABLE = ("draft", "pending")
REJECTION_REASONS = ("incomplete", "accusation", "personal_data", "not_a_campaign", "other")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class CampaignLocked(Exception):
    """Published text cannot be changed: people signed what it said."""


class NotReady(Exception):
    """A campaign cannot go to review yet; `missing` says what it lacks."""

    def __init__(self, missing):
        super().__init__(missing)
        self.missing = missing


class UpdateTooSoon(Exception):
    def __init__(self, next_at):
        super().__init__(next_at)
        self.next_at = next_at


def slugify(text, taken):
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].strip("-") or "campaign"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def campaigns_of(user):
    return sorted(user.campaigns, key=lambda c: c.created_at, reverse=True)


def _ensure_editable(campaign):
    if campaign.status not in EDITABLE:
        raise CampaignLocked()


def _apply(campaign, data):
    for field in ("title_nl", "title_en", "summary_nl", "summary_en", "body_nl", "body_en", "organizer_name", "closes_on"):
        setattr(campaign, field, data[field])
    campaign.goals = data["goals"]


def create_campaign(user, data):
    taken = set(db.session.scalars(select(Campaign.slug)))
    campaign = Campaign(
        slug=slugify(data["title_en"] or data["title_nl"], taken),
        status="draft",
        organizer_email=user.email,
        organizer_language=user.locale,
        confirmed_count=0,
    )
    _apply(campaign, data)
    campaign.organizers.append(user)
    db.session.add(campaign)
    db.session.commit()
    return campaign


def update_campaign(campaign, data):
    _ensure_editable(campaign)
    _apply(campaign, data)
    db.session.commit()


def add_recipient(campaign, name, email, language):
    _ensure_editable(campaign)
    key = slugify(name, {r.key for r in campaign.recipients})[:40]
    campaign.recipients.append(Recipient(key=key, name=name, email=email, language=language, position=len(campaign.recipients)))
    db.session.commit()


def update_recipient(recipient, name, email, language):
    _ensure_editable(recipient.campaign)
    recipient.name, recipient.email, recipient.language = name, email, language
    db.session.commit()


def remove_recipient(recipient):
    campaign = recipient.campaign
    _ensure_editable(campaign)
    campaign.recipients.remove(recipient)
    _renumber(campaign.recipients)
    db.session.commit()


def _renumber(items):
    for position, item in enumerate(items):
        item.position = position


def _move(items, item, direction):
    items = list(items)
    index = items.index(item)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    _renumber(items)
    return items


def move_recipient(recipient, direction):
    campaign = recipient.campaign
    _ensure_editable(campaign)
    campaign.recipients = _move(campaign.recipients, recipient, direction)
    db.session.commit()


def add_demand(recipient, text_nl, text_en):
    _ensure_editable(recipient.campaign)
    recipient.demands.append(Demand(text_nl=text_nl, text_en=text_en, position=len(recipient.demands)))
    db.session.commit()


def update_demand(demand, text_nl, text_en):
    _ensure_editable(demand.recipient.campaign)
    demand.text_nl, demand.text_en = text_nl, text_en
    db.session.commit()


def remove_demand(demand):
    recipient = demand.recipient
    _ensure_editable(recipient.campaign)
    recipient.demands.remove(demand)
    _renumber(recipient.demands)
    db.session.commit()


def move_demand(demand, direction):
    recipient = demand.recipient
    _ensure_editable(recipient.campaign)
    recipient.demands = _move(recipient.demands, demand, direction)
    db.session.commit()


def missing_for_review(campaign):
    missing = []
    if not (campaign.title_nl and campaign.title_en and campaign.summary_nl and campaign.summary_en):
        missing.append("text")
    if not campaign.recipients or any(not r.demands for r in campaign.recipients):
        missing.append("demands")
    return missing


def _mail_users(users, template, subject, **context):
    messages = []
    for user in users:
        title = context["campaign"].text("title", user.locale)
        messages.append(mail.build_message(
            user.email, template, user.locale, lambda title=title: subject(title),
            name=user.name, campaign_title=title, **context,
        ))
    if messages:
        mail.send(messages)


def invite(campaign, inviter, email):
    """Mail a link that adds whoever holds the account of `email` as a co-organizer. The link names
    the address, so it cannot be passed on to someone else's account."""
    email = normalise_email(email)
    token = make_token("invite", {"c": campaign.id, "e": email})
    locale = campaign.organizer_language
    title = campaign.text("title", locale)
    mail.send([mail.build_message(
        email, "invitation", locale, lambda: gettext("Join the campaign “%(title)s”", title=title),
        inviter=inviter.name, campaign_title=title, join_url=external_url("organizers.join", token=token),
    )])


def accept_invitation(user, token):
    """Add `user` to the campaign of the invitation, if the invitation was for the user's own address."""
    payload = read_token("invite", token, current_app.config["INVITE_MAX_AGE"])
    campaign = db.session.get(Campaign, payload.get("c")) if isinstance(payload, dict) else None
    if campaign is None or payload.get("e") != user.email:
        raise TokenInvalid()
    if user not in campaign.organizers:
        campaign.organizers.append(user)
        db.session.commit()
    return campaign


def submit_for_review(campaign):
    """Send a draft to the moderators. A platform for campaigns about sexual violence publishes nothing
    unchecked: a moderator reads every campaign before it goes public."""
    _ensure_editable(campaign)
    missing = missing_for_review(campaign)
    if missing:
        raise NotReady(missing)
    campaign.status, campaign.submitted_at, campaign.moderation_note = "pending", utcnow(), None
    db.session.commit()
    admins = db.session.scalars(select(User).where(User.role == "admin", User.email_confirmed_at.is_not(None))).all()
    _mail_users(
        admins, "review_requested", lambda title: gettext("To review: %(title)s", title=title),
        campaign=campaign, queue_url=external_url("admin.queue"),
    )


def approve(campaign):
    if campaign.status != "pending":
        raise CampaignLocked()
    campaign.status, campaign.published_at = "open", utcnow()
    db.session.commit()
    _mail_users(
        campaign.organizers, "campaign_approved", lambda title: gettext("Your campaign is live: %(title)s", title=title),
        campaign=campaign, campaign_url=external_url("campaigns.show", slug=campaign.slug),
    )


def reject(campaign, reason, note):
    if campaign.status != "pending" or reason not in REJECTION_REASONS:
        raise CampaignLocked()
    campaign.status, campaign.moderation_note = "draft", f"{reason}: {note}".strip(": ")
    db.session.commit()
    _mail_users(
        campaign.organizers, "campaign_rejected", lambda title: gettext("Your campaign needs changes: %(title)s", title=title),
        campaign=campaign, reason=reason, note=note, edit_url=external_url("organizers.edit", slug=campaign.slug),
    )


def hide(campaign, note):
    """A moderator takes a live campaign off the site; its signatures and counts stay."""
    if campaign.status not in ("open", "closed"):
        raise CampaignLocked()
    campaign.status, campaign.moderation_note = "hidden", note
    if campaign.closed_at is None:
        campaign.closed_at = utcnow()
    db.session.commit()
    _mail_users(
        campaign.organizers, "campaign_hidden", lambda title: gettext("Your campaign was taken offline: %(title)s", title=title),
        campaign=campaign, note=note,
    )


def close(campaign):
    if campaign.status != "open":
        raise CampaignLocked()
    campaign.status, campaign.closed_at = "closed", utcnow()
    db.session.commit()


def dashboard_numbers(campaign):
    unconfirmed = db.session.scalar(
        select(func.count()).select_from(Signature).where(
            Signature.campaign_id == campaign.id, Signature.confirmed_at.is_(None), Signature.withdrawn_at.is_(None)
        )
    )
    day = func.date(Signature.confirmed_at)
    per_day = db.session.execute(
        select(day, func.count()).where(Signature.campaign_id == campaign.id, Signature.counted()).group_by(day).order_by(day)
    ).all()
    sources = db.session.execute(
        select(Signature.source, func.count())
        .where(Signature.campaign_id == campaign.id, Signature.counted())
        .group_by(Signature.source)
        .order_by(func.count().desc())
    ).all()
    return {
        "confirmed": campaign.confirmed_count,
        "unconfirmed": unconfirmed,
        "per_day": [(str(d), n) for d, n in per_day],
        "sources": [(s or "direct", n) for s, n in sources],
    }


def signers_page(campaign, page, per_page=100):
    query = (
        select(Signature)
        .where(Signature.campaign_id == campaign.id, Signature.counted())
        .order_by(Signature.confirmed_at.desc(), Signature.id.desc())
    )
    return db.session.scalars(query.limit(per_page + 1).offset((page - 1) * per_page)).all()


def neutralise(value):
    """A cell that a spreadsheet would run as a formula starts with a quote instead (OWASP's advice)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def signers_csv(campaign):
    """The organizers' export, streamed a thousand rows at a time, every cell neutralised."""
    header = ["name", "city", "email", "language", "confirmed_at", "named_publicly", "updates"]
    query = (
        select(Signature.name, Signature.city, Signature.email, Signature.locale, Signature.confirmed_at,
               Signature.is_public, Signature.wants_updates)
        .where(Signature.campaign_id == campaign.id, Signature.counted())
        .order_by(Signature.confirmed_at, Signature.id)
        .execution_options(yield_per=1000)
    )

    def rows():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        for row in db.session.execute(query):
            writer.writerow([neutralise(v if not hasattr(v, "isoformat") else v.isoformat()) for v in row])
            if buffer.tell() > 64 * 1024:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return rows()


def hide_from_wall(campaign, signature_id):
    """Take one name off the public wall and out of future letters; the signature keeps counting."""
    signature = db.session.get(Signature, signature_id)
    if signature is None or signature.campaign_id != campaign.id:
        return False
    signature.hidden_from_wall_at = signature.hidden_from_wall_at or utcnow()
    db.session.commit()
    return True


def send_update(campaign, body_nl, body_en):
    """At most one update per UPDATE_INTERVAL, so signers who asked for news are not flooded."""
    from ..jobs.updates import announce_update

    last = db.session.scalar(select(func.max(Update.created_at)).where(Update.campaign_id == campaign.id))
    interval = current_app.config["UPDATE_INTERVAL"]
    if last is not None:
        last = last if last.tzinfo else last.replace(tzinfo=utcnow().tzinfo)
        if utcnow() - last < interval:
            raise UpdateTooSoon(last + interval)
    update = Update(campaign_id=campaign.id, body_nl=body_nl, body_en=body_en)
    db.session.add(update)
    db.session.flush()
    enqueue_after_commit(announce_update, update.id)
    db.session.commit()
    return update


def announce_update(update_id):
    """The fan-out of an organizers' update: once per signer who asked for updates, in their language."""
    from ..notifications.services import fan_out, opted_in
    from ..signing.mailing import signer_message

    update = db.session.get(Update, update_id)
    if update is None:
        return
    campaign = update.campaign

    def build(signature):
        return signer_message(
            signature, "update_to_signers", lambda title: gettext("News: %(title)s", title=title),
            bulk=True, update_text=update.text(signature.locale), organizer_name=campaign.organizer_name,
        )

    fan_out("update", update.id, opted_in(campaign.id), build)


