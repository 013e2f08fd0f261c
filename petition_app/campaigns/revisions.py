"""Revisions of a campaign: frozen for review, approved (the rows are made to say it), withdrawn, sent
back. What a revision holds is `snapshot` of the campaign. Operations flush; the request or command
around them commits."""
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import func, select

from ..extensions import db
from ..rules import LANGUAGES, CampaignStatus
from ..rules.revisions import RevisionStatus, changed_parts
from ..timeutil import utcnow
from .counting import lock
from .models import Campaign, CampaignRevision, Demand, Recipient, new_link_secret
from .queries import pending_revision


def snapshot(campaign: Campaign) -> dict[str, Any]:
    """Everything of a campaign that goes public or into a letter, as a revision holds it."""
    recipients = sorted(campaign.recipients, key=lambda r: r.position)
    return {
        "title": {lang: getattr(campaign, f"title_{lang}") or "" for lang in LANGUAGES},
        "summary": {lang: getattr(campaign, f"summary_{lang}") or "" for lang in LANGUAGES},
        "body": {lang: getattr(campaign, f"body_{lang}") or "" for lang in LANGUAGES},
        "organizer_name": campaign.organizer_name,
        "goals": list(campaign.goals or []),
        "closes_on": campaign.closes_on.isoformat() if campaign.closes_on else None,
        "recipients": [
            {
                "key": recipient.key, "name": recipient.name, "email": recipient.email, "language": recipient.language,
                "names": {lang: getattr(recipient, f"name_{lang}") or "" for lang in LANGUAGES},
                "salutation": {lang: getattr(recipient, f"salutation_{lang}") or "" for lang in LANGUAGES},
                "demands": [
                    {lang: getattr(demand, f"text_{lang}") for lang in LANGUAGES}
                    for demand in sorted(recipient.demands, key=lambda d: d.position)
                ],
            }
            | ({"organisation": recipient.organisation_key} if recipient.organisation_key else {})
            for recipient in recipients
        ],
    }


def apply_content(campaign: Campaign, content: Mapping[str, Any]) -> None:
    """Make the campaign's rows say what `content` says (a revision or a campaign file). Recipients are
    matched by key and demands by position, so answers stay with their demands. A recipient whose
    address changes gets a new link secret (the links mailed to the old address stop working) and may
    be sent its letters at once."""
    for field in ("title", "summary", "body"):
        for lang in LANGUAGES:
            setattr(campaign, f"{field}_{lang}", content[field][lang])
    campaign.organizer_name = content["organizer_name"]
    campaign.goals = list(content["goals"])
    closes_on = content.get("closes_on")
    campaign.closes_on = date.fromisoformat(closes_on) if isinstance(closes_on, str) else closes_on

    existing = {r.key: r for r in campaign.recipients}
    recipients = []
    for position, spec in enumerate(content["recipients"]):
        recipient = existing.get(spec["key"]) or Recipient(key=spec["key"], link_secret=new_link_secret())
        organisation = spec.get("organisation") or None
        # A registry entry's address is kept by the registry (a reviewed change reaches every campaign
        # addressed to it): a revision's copy does not turn it back.
        email = recipient.email if organisation and recipient.organisation_key == organisation and recipient.email else spec["email"]
        if recipient.email is not None and recipient.email != email:
            recipient.link_secret, recipient.letters_sent_at = new_link_secret(), None
        recipient.name, recipient.email, recipient.organisation_key = spec["name"], email, organisation
        recipient.language, recipient.position = spec["language"], position
        # Revisions made before recipients had names per language hold neither: the fields are emptied.
        for lang in LANGUAGES:
            setattr(recipient, f"name_{lang}", (spec.get("names") or {}).get(lang, ""))
            setattr(recipient, f"salutation_{lang}", (spec.get("salutation") or {}).get(lang, ""))
        old = sorted(recipient.demands, key=lambda d: d.position)
        demands = []
        for dpos, texts in enumerate(spec["demands"]):
            demand = old[dpos] if dpos < len(old) else Demand()
            demand.position, demand.text_nl, demand.text_en = dpos, texts["nl"], texts["en"]
            demands.append(demand)
        recipient.demands = demands
        recipients.append(recipient)
    campaign.recipients = recipients


def _next_number(campaign: Campaign) -> int:
    latest = db.session.scalar(select(func.max(CampaignRevision.number)).where(CampaignRevision.campaign_id == campaign.id))
    return (latest or 0) + 1


def withdraw_pending(campaign: Campaign) -> CampaignRevision | None:
    """The revision waiting for review no longer says what the organizers mean: a moderator's approval
    of it is refused from now on. Returns it, or None. Takes the campaign's row, like a moderator's
    decision, so that the two take turns."""
    lock(campaign.id)
    revision = pending_revision(campaign)
    if revision is not None:
        revision.status, revision.decided_at = RevisionStatus.WITHDRAWN, utcnow()
    return revision


def freeze_revision(campaign: Campaign, content: Mapping[str, Any] | None = None, correction: bool = False,
                    status: RevisionStatus = RevisionStatus.PENDING) -> CampaignRevision:
    """A new revision with the next number: `content` (a correction) or the campaign as its rows stand.
    An older revision still waiting is withdrawn: only the newest can be approved."""
    content = dict(content) if content is not None else snapshot(campaign)
    withdraw_pending(campaign)
    revision = CampaignRevision(
        campaign_id=campaign.id, number=_next_number(campaign), status=status, correction=correction,
        content=content, changes=changed_parts(snapshot(campaign), content) if correction else [],
    )
    if status != RevisionStatus.PENDING:
        revision.decided_at = utcnow()
    db.session.add(revision)
    db.session.flush()
    return revision


def approve_revision(campaign: Campaign, revision: CampaignRevision) -> None:
    """Publish exactly what the revision holds: the rows are made to say it (whatever they said before),
    and a correction lists what changed. A first revision opens the campaign."""
    if revision.correction:
        revision.changes = changed_parts(snapshot(campaign), revision.content)
    apply_content(campaign, revision.content)
    revision.status, revision.decided_at = RevisionStatus.APPROVED, utcnow()
    if campaign.status == CampaignStatus.PENDING:
        campaign.status = CampaignStatus.OPEN
    campaign.published_at = campaign.published_at or utcnow()
    db.session.flush()


def reject_revision(campaign: Campaign, revision: CampaignRevision, note: str) -> None:
    """Send a revision back with the moderator's reason; a campaign never published returns to draft."""
    revision.status, revision.decided_at, revision.note = RevisionStatus.REJECTED, utcnow(), note
    if campaign.status == CampaignStatus.PENDING:
        campaign.status, campaign.moderation_note = CampaignStatus.DRAFT, note
