"""Changes organizers make: drafts, recipients and demands, review requests, corrections, co-organizers,
closing, names off the wall, updates to signers.

A draft is edited in place. Submitting it freezes a revision for the moderators; an edit while it waits
withdraws that revision and makes the campaign a draft again. A published campaign is never edited in
place: a correction is a new revision that waits for review while the reviewed text stays online.
Invitations and updates wait until a moderator has published the campaign. Operations flush; the
request commits once, and every mail leaves through a job after that commit."""
import hmac
import re
import unicodedata
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from ..accounts.models import User
from ..campaigns.models import Campaign, Demand, Recipient
from ..campaigns.operations import freeze_revision, lock, snapshot, withdraw_pending
from ..campaigns.queries import pending_revision
from ..extensions import db
from ..jobs import enqueue_after_commit
from ..rules import EDITABLE_STATUSES, PUBLIC_STATUSES, CampaignStatus, normalise_email
from ..rules.revisions import same_structure
from ..signing.models import Signature
from ..timeutil import utcnow
from ..tokens import InvitationLink, Purpose, TokenInvalid, read_token
from . import tasks
from .models import Invitation, Update

#: Invitations one campaign may send in a day.
INVITATIONS_PER_DAY = 10


class CampaignLocked(Exception):
    """A published campaign is not edited in place: people signed what it says. Corrections go through
    review instead."""


class NotPublished(Exception):
    """Invitations and updates wait until a moderator has published the campaign."""


class TooManyInvitations(Exception):
    """At most INVITATIONS_PER_DAY invitations per campaign in 24 hours."""


class NothingChanged(Exception):
    """A correction that changes nothing is not sent to the moderators."""


class NotReady(Exception):
    """A campaign cannot go to review yet; `missing` says what it lacks."""

    def __init__(self, missing: list[str]) -> None:
        """Keeps what is missing, so the page can list it."""
        super().__init__(missing)
        self.missing = missing


class UpdateTooSoon(Exception):
    """Signers who asked for news are not flooded: `next_at` says when the next update may go."""

    def __init__(self, next_at: datetime) -> None:
        """Keeps the moment, so the page can say when to try again."""
        super().__init__(next_at)
        self.next_at = next_at


def slugify(text: str, taken: set[str]) -> str:
    """A readable, unused slug for a title (ASCII, lowercase, hyphens)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].strip("-") or "campaign"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _ensure_editable(campaign: Campaign) -> None:
    """Every change to a draft passes here: people signed what a published text says."""
    if campaign.status not in EDITABLE_STATUSES:
        raise CampaignLocked()


def _edited(campaign: Campaign) -> None:
    """After an edit: a campaign waiting for review goes back to draft unless it still says exactly what
    was submitted, so that a moderator can never approve what they did not read."""
    if campaign.status != CampaignStatus.PENDING:
        return
    revision = pending_revision(campaign)
    if revision is None or revision.content != snapshot(campaign):
        withdraw_pending(campaign)
        campaign.status = CampaignStatus.DRAFT


def _apply(campaign: Campaign, data: dict[str, Any]) -> None:
    """Creating and editing a draft take the same fields from the same form."""
    for field in ("title_nl", "title_en", "summary_nl", "summary_en", "body_nl", "body_en", "organizer_name", "closes_on"):
        setattr(campaign, field, data[field])
    campaign.goals = data["goals"]


def create_campaign(user: User, data: dict[str, Any]) -> Campaign:
    """A new draft organized by `user`, with a slug made from its title."""
    taken = set(db.session.scalars(select(Campaign.slug)))
    campaign = Campaign(
        slug=slugify(data["title_en"] or data["title_nl"], taken),
        status=CampaignStatus.DRAFT,
        organizer_email=user.email,
        organizer_language=user.locale,
        confirmed_count=0,
    )
    _apply(campaign, data)
    campaign.organizers.append(user)
    db.session.add(campaign)
    db.session.flush()
    return campaign


def update_campaign(campaign: Campaign, data: dict[str, Any]) -> None:
    """Change the text of a draft (or of a campaign waiting for review)."""
    _ensure_editable(campaign)
    _apply(campaign, data)
    _edited(campaign)


def add_recipient(campaign: Campaign, name: str, email: str, language: str, texts: dict[str, str] | None = None) -> None:
    """Address the campaign to one more recipient; `texts` holds its names and salutations per language
    (`name_nl`, `name_en`, `salutation_nl`, `salutation_en`)."""
    _ensure_editable(campaign)
    key = slugify(name, {r.key for r in campaign.recipients})[:40]
    campaign.recipients.append(Recipient(key=key, name=name, email=email, language=language, position=len(campaign.recipients), **(texts or {})))
    _edited(campaign)


def update_recipient(recipient: Recipient, name: str, email: str, language: str, texts: dict[str, str] | None = None) -> None:
    """Correct a recipient's name, address or language (and its names and salutations per language)."""
    _ensure_editable(recipient.campaign)
    recipient.name, recipient.email, recipient.language = name, email, language
    for column, value in (texts or {}).items():
        setattr(recipient, column, value)
    _edited(recipient.campaign)


def remove_recipient(recipient: Recipient) -> None:
    """Take a recipient and its demands off the campaign."""
    campaign = recipient.campaign
    _ensure_editable(campaign)
    campaign.recipients.remove(recipient)
    _renumber(campaign.recipients)
    _edited(campaign)


def _renumber(items: list[Any]) -> None:
    """Positions stay 0, 1, 2, ... after a removal or a move, so the order on pages and letters is stable."""
    for position, item in enumerate(items):
        item.position = position


def _move(items: list[Any], item: Any, direction: str) -> list[Any]:
    """Recipients and demands are reordered the same way."""
    items = list(items)
    index = items.index(item)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    _renumber(items)
    return items


def move_recipient(recipient: Recipient, direction: str) -> None:
    """Move a recipient one place up or down."""
    campaign = recipient.campaign
    _ensure_editable(campaign)
    campaign.recipients = _move(campaign.recipients, recipient, direction)
    _edited(campaign)


def add_demand(recipient: Recipient, text_nl: str, text_en: str) -> None:
    """Add a demand, in both languages, to a recipient."""
    _ensure_editable(recipient.campaign)
    recipient.demands.append(Demand(text_nl=text_nl, text_en=text_en, position=len(recipient.demands)))
    _edited(recipient.campaign)


def update_demand(demand: Demand, text_nl: str, text_en: str) -> None:
    """Change a demand's text."""
    _ensure_editable(demand.recipient.campaign)
    demand.text_nl, demand.text_en = text_nl, text_en
    _edited(demand.recipient.campaign)


def remove_demand(demand: Demand) -> None:
    """Take a demand off its recipient."""
    recipient = demand.recipient
    _ensure_editable(recipient.campaign)
    recipient.demands.remove(demand)
    _renumber(recipient.demands)
    _edited(recipient.campaign)


def move_demand(demand: Demand, direction: str) -> None:
    """Move a demand one place up or down."""
    recipient = demand.recipient
    _ensure_editable(recipient.campaign)
    recipient.demands = _move(recipient.demands, demand, direction)
    _edited(recipient.campaign)


def missing_for_review(campaign: Campaign) -> list[str]:
    """What a campaign lacks before a moderator can read it: "text", "demands"."""
    missing = []
    if not (campaign.title_nl and campaign.title_en and campaign.summary_nl and campaign.summary_en):
        missing.append("text")
    if not campaign.recipients or any(not r.demands for r in campaign.recipients):
        missing.append("demands")
    return missing


def _ensure_published(campaign: Campaign) -> None:
    """Only a campaign a moderator has published may make the platform mail people."""
    if campaign.status not in PUBLIC_STATUSES:
        raise NotPublished()


def invite(campaign: Campaign, inviter: User, email: str) -> Invitation:
    """Mail (after the commit) a link that adds whoever holds the account of `email` as a co-organizer.
    Only from a published campaign, and at most INVITATIONS_PER_DAY a day."""
    _ensure_published(campaign)
    since = utcnow() - timedelta(days=1)
    sent_today = db.session.execute(
        select(func.count()).select_from(Invitation).where(Invitation.campaign_id == campaign.id, Invitation.created_at > since)
    ).scalar_one()
    if sent_today >= INVITATIONS_PER_DAY:
        raise TooManyInvitations()
    invitation = Invitation(campaign_id=campaign.id, inviter_id=inviter.id, email=normalise_email(email))
    db.session.add(invitation)
    db.session.flush()
    enqueue_after_commit(tasks.send_invitation, invitation.id)
    return invitation


def open_invitations(campaign: Campaign) -> list[Invitation]:
    """Invitations neither used nor withdrawn, newest first."""
    return list(db.session.scalars(
        select(Invitation)
        .where(Invitation.campaign_id == campaign.id, Invitation.accepted_at.is_(None), Invitation.voided_at.is_(None))
        .order_by(Invitation.id.desc())
    ))


def void_invitation(campaign: Campaign, invitation_id: int) -> bool:
    """Withdraw an invitation: its link stops working. Returns whether there was one to withdraw."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.campaign_id != campaign.id or invitation.accepted_at or invitation.voided_at:
        return False
    invitation.voided_at = utcnow()
    return True


def accept_invitation(user: User, token: str) -> Campaign:
    """Add `user` to the campaign of the invitation, if the invitation was for the user's own address and
    is neither used nor withdrawn. A second click of the user it added lands on the campaign again."""
    payload = read_token(Purpose.INVITE, token, current_app.config["INVITE_MAX_AGE"])
    invitation_id = payload.get(InvitationLink.INVITATION) if isinstance(payload, dict) else None
    invitation = db.session.get(Invitation, invitation_id) if isinstance(invitation_id, int) else None
    secret = payload.get(InvitationLink.SECRET) if isinstance(payload, dict) else None
    if invitation is None or not isinstance(secret, str) or not hmac.compare_digest(secret, invitation.secret):
        raise TokenInvalid()
    if invitation.voided_at is not None or invitation.email != user.email:
        raise TokenInvalid()
    campaign = invitation.campaign
    if user in campaign.organizers:
        return campaign
    if invitation.accepted_at is not None:
        raise TokenInvalid()
    invitation.accepted_at = utcnow()
    campaign.organizers.append(user)
    return campaign


def submit_for_review(campaign: Campaign) -> None:
    """Send a draft to the moderators, frozen as a revision: a platform for campaigns about sexual
    violence publishes nothing unchecked, and the moderator approves exactly what was submitted."""
    _ensure_editable(campaign)
    missing = missing_for_review(campaign)
    if missing:
        raise NotReady(missing)
    if campaign.status == CampaignStatus.PENDING and pending_revision(campaign) is not None:
        return  # already waiting, unchanged (an edit would have made it a draft)
    freeze_revision(campaign)
    campaign.status, campaign.submitted_at, campaign.moderation_note = CampaignStatus.PENDING, utcnow(), None
    enqueue_after_commit(tasks.request_review, campaign.id)


def correction_base(campaign: Campaign) -> dict[str, Any]:
    """What a correction starts from: the correction waiting for review, else the published campaign."""
    live = snapshot(campaign)
    revision = pending_revision(campaign)
    if revision is not None and same_structure(live, revision.content):
        return dict(revision.content)
    return live


def propose_correction(campaign: Campaign, content: dict[str, Any]) -> int:
    """A correction of a published campaign: a new revision that waits for review (replacing one that
    was still waiting), while the reviewed text stays online. Recipients and the number of their
    demands stay as they are. Returns the revision's number."""
    if campaign.status not in PUBLIC_STATUSES:
        raise CampaignLocked()
    live = snapshot(campaign)
    if not same_structure(live, content):
        raise CampaignLocked()
    if content == live:
        if withdraw_pending(campaign) is not None:
            return 0  # back to what is online: the waiting correction is withdrawn
        raise NothingChanged()
    waiting = pending_revision(campaign)
    if waiting is not None and waiting.content == content:
        return waiting.number
    revision = freeze_revision(campaign, content, correction=True)
    enqueue_after_commit(tasks.request_review, campaign.id)
    return revision.number


def close(campaign: Campaign) -> None:
    """End signing now; people who signed a moment ago can still confirm for the grace period."""
    if campaign.status != CampaignStatus.OPEN:
        raise CampaignLocked()
    campaign.status, campaign.closed_at = CampaignStatus.CLOSED, utcnow()


def hide_from_wall(campaign: Campaign, signature_id: int) -> bool:
    """Take one name off the public wall and out of future letters; the signature keeps counting."""
    signature = db.session.get(Signature, signature_id)
    if signature is None or signature.campaign_id != campaign.id:
        return False
    signature.hidden_from_wall_at = signature.hidden_from_wall_at or utcnow()
    return True


def next_update_at(campaign: Campaign) -> datetime | None:
    """When the next update may go, if not now (at most one per UPDATE_INTERVAL)."""
    last = db.session.scalar(select(func.max(Update.created_at)).where(Update.campaign_id == campaign.id))
    interval = current_app.config["UPDATE_INTERVAL"]
    if last is None:
        return None
    last = last if last.tzinfo else last.replace(tzinfo=utcnow().tzinfo)
    return last + interval if utcnow() - last < interval else None


def send_update(campaign: Campaign, body_nl: str, body_en: str) -> Update:
    """Only from a published campaign, and at most one update per UPDATE_INTERVAL, so signers who asked
    for news are not flooded."""
    _ensure_published(campaign)
    lock(campaign.id)  # two updates sent at the same moment: the second sees the first
    next_at = next_update_at(campaign)
    if next_at is not None:
        raise UpdateTooSoon(next_at)
    update = Update(campaign_id=campaign.id, body_nl=body_nl, body_en=body_en)
    db.session.add(update)
    db.session.flush()
    enqueue_after_commit(tasks.announce_update, update.id)
    return update
