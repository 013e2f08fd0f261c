"""Changes organizers make: drafts, recipients and demands, review requests, corrections, closing, names
off the wall. Co-organizers are in invitations.py and updates to signers in updates.py (both re-exported
here); what a campaign's state allows is checked in guards.py, by every operation.

A draft is edited in place. Submitting it freezes a revision for the moderators; an edit while it waits
withdraws that revision and makes the campaign a draft again. A published campaign is never edited in
place: a correction is a new revision that waits for review while the reviewed text stays online.
Invitations and updates wait until a moderator has published the campaign. Operations flush; the
request commits once, and every mail leaves through a job after that commit."""
import re
import unicodedata
from typing import Any

from sqlalchemy import select

from ..accounts.models import User
from ..campaigns.models import Campaign, Demand, Recipient
from ..campaigns.operations import freeze_revision, snapshot, withdraw_pending
from ..campaigns.queries import pending_revision
from ..extensions import db
from ..jobs import enqueue_after_commit
from ..recipients.models import Organisation
from ..rules import CampaignStatus
from ..rules.revisions import same_structure
from ..signing.models import Signature
from ..timeutil import utcnow
from . import tasks
from .guards import (
    CampaignLocked,
    CampaignPublished,
    NotPublished,
    NotYetPublished,
    ensure_correctable,
    ensure_editable,
    ensure_open,
    ensure_published,
)
from .invitations import INVITATIONS_PER_DAY, TooManyInvitations, accept_invitation, invite, open_invitations, void_invitation
from .updates import UpdateTooSoon, next_update_at, send_update

__all__ = [
    "AlreadyAddressed", "add_registry_recipient", "INVITATIONS_PER_DAY", "CampaignLocked", "CampaignPublished", "NotPublished", "NotReady", "NotYetPublished", "NothingChanged",
    "TooManyInvitations", "UpdateTooSoon", "accept_invitation", "add_demand", "add_recipient", "close",
    "correction_base", "create_campaign", "ensure_correctable", "ensure_editable", "ensure_open", "ensure_published",
    "hide_from_wall", "invite", "missing_for_review", "move_demand", "move_recipient", "next_update_at",
    "open_invitations", "propose_correction", "remove_demand", "remove_recipient", "send_update", "slugify",
    "submit_for_review", "update_campaign", "update_demand", "update_recipient", "void_invitation",
]


class NothingChanged(Exception):
    """A correction that changes nothing is not sent to the moderators."""


class NotReady(Exception):
    """A campaign cannot go to review yet; `missing` says what it lacks."""

    def __init__(self, missing: list[str]) -> None:
        """Keeps what is missing, so the page can list it."""
        super().__init__(missing)
        self.missing = missing


def slugify(text: str, taken: set[str]) -> str:
    """A readable, unused slug for a title (ASCII, lowercase, hyphens)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].strip("-") or "campaign"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _edited(campaign: Campaign) -> bool:
    """After an edit: a campaign waiting for review goes back to draft unless it still says exactly what
    was submitted, so that a moderator can never approve what they did not read. Returns whether it
    went back (every edit returns this, so that the page can tell the organizer)."""
    if campaign.status != CampaignStatus.PENDING:
        return False
    revision = pending_revision(campaign)
    if revision is None or revision.content != snapshot(campaign):
        withdraw_pending(campaign)
        campaign.status = CampaignStatus.DRAFT
        return True
    return False


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


def update_campaign(campaign: Campaign, data: dict[str, Any]) -> bool:
    """Change the text of a draft (or of a campaign waiting for review)."""
    ensure_editable(campaign)
    _apply(campaign, data)
    return _edited(campaign)


def add_recipient(campaign: Campaign, name: str, email: str, language: str, texts: dict[str, str] | None = None) -> bool:
    """Address the campaign to one more recipient; `texts` holds its names and salutations per language
    (`name_nl`, `name_en`, `salutation_nl`, `salutation_en`)."""
    ensure_editable(campaign)
    key = slugify(name, {r.key for r in campaign.recipients})[:40]
    campaign.recipients.append(Recipient(key=key, name=name, email=email, language=language, position=len(campaign.recipients), **(texts or {})))
    return _edited(campaign)


class AlreadyAddressed(Exception):
    """The campaign is already addressed to this entry of the registry."""


def add_registry_recipient(campaign: Campaign, organisation: Organisation) -> bool:
    """Address the campaign to an entry of the registry of recipients: its names, salutations, address and
    language come from the entry (a reviewed change of the entry's address reaches this row later), so
    the organizers write only the demands. A proposed entry may be chosen; the campaign is then not
    published before a moderator approved the entry's address."""
    ensure_editable(campaign)
    if any(r.organisation_key == organisation.key for r in campaign.recipients):
        raise AlreadyAddressed(organisation.key)
    key = slugify(organisation.key, {r.key for r in campaign.recipients})[:40]
    campaign.recipients.append(Recipient(
        key=key, name=organisation.name(organisation.language), email=organisation.email, language=organisation.language,
        name_nl=organisation.name_nl, name_en=organisation.name_en, salutation_nl=organisation.salutation_nl,
        salutation_en=organisation.salutation_en, organisation_key=organisation.key, position=len(campaign.recipients),
    ))
    return _edited(campaign)


def update_recipient(recipient: Recipient, name: str, email: str, language: str, texts: dict[str, str] | None = None) -> bool:
    """Correct a recipient's name, address or language (and its names and salutations per language)."""
    ensure_editable(recipient.campaign)
    recipient.name, recipient.email, recipient.language = name, email, language
    for column, value in (texts or {}).items():
        setattr(recipient, column, value)
    return _edited(recipient.campaign)


def remove_recipient(recipient: Recipient) -> bool:
    """Take a recipient and its demands off the campaign."""
    campaign = recipient.campaign
    ensure_editable(campaign)
    campaign.recipients.remove(recipient)
    _renumber(campaign.recipients)
    return _edited(campaign)


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


def move_recipient(recipient: Recipient, direction: str) -> bool:
    """Move a recipient one place up or down."""
    campaign = recipient.campaign
    ensure_editable(campaign)
    campaign.recipients = _move(campaign.recipients, recipient, direction)
    return _edited(campaign)


def add_demand(recipient: Recipient, text_nl: str, text_en: str) -> bool:
    """Add a demand, in both languages, to a recipient."""
    ensure_editable(recipient.campaign)
    recipient.demands.append(Demand(text_nl=text_nl, text_en=text_en, position=len(recipient.demands)))
    return _edited(recipient.campaign)


def update_demand(demand: Demand, text_nl: str, text_en: str) -> bool:
    """Change a demand's text."""
    ensure_editable(demand.recipient.campaign)
    demand.text_nl, demand.text_en = text_nl, text_en
    return _edited(demand.recipient.campaign)


def remove_demand(demand: Demand) -> bool:
    """Take a demand off its recipient."""
    recipient = demand.recipient
    ensure_editable(recipient.campaign)
    recipient.demands.remove(demand)
    _renumber(recipient.demands)
    return _edited(recipient.campaign)


def move_demand(demand: Demand, direction: str) -> bool:
    """Move a demand one place up or down."""
    recipient = demand.recipient
    ensure_editable(recipient.campaign)
    recipient.demands = _move(recipient.demands, demand, direction)
    return _edited(recipient.campaign)


def missing_for_review(campaign: Campaign) -> list[str]:
    """What a campaign lacks before a moderator can read it: "text", "demands"."""
    missing = []
    if not (campaign.title_nl and campaign.title_en and campaign.summary_nl and campaign.summary_en):
        missing.append("text")
    if not campaign.recipients or any(not r.demands for r in campaign.recipients):
        missing.append("demands")
    return missing


def submit_for_review(campaign: Campaign) -> None:
    """Send a draft to the moderators, frozen as a revision: a platform for campaigns about sexual
    violence publishes nothing unchecked, and the moderator approves exactly what was submitted."""
    ensure_editable(campaign)
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
    ensure_correctable(campaign)
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
    ensure_open(campaign)
    campaign.status, campaign.closed_at = CampaignStatus.CLOSED, utcnow()


def hide_from_wall(campaign: Campaign, signature_id: int) -> bool:
    """Take one name off the public wall and out of future letters; the signature keeps counting."""
    signature = db.session.get(Signature, signature_id)
    if signature is None or signature.campaign_id != campaign.id:
        return False
    signature.hidden_from_wall_at = signature.hidden_from_wall_at or utcnow()
    return True
