"""Campaign files (`flask campaign import`, `flask demo`): the whole file is checked before anything is
written, then the campaign is created or updated to say what the file says and the import is recorded
as a revision. Operations flush; the command around them commits."""
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..rules import LANGUAGES, PUBLIC_STATUSES, CampaignStatus, EmailInvalid, normalise_email, validate_goals
from ..rules.recipients import REGISTRY_KEY_RE, OrganisationStatus
from ..rules.revisions import RevisionStatus, changed_parts
from ..signals import campaign_file_imported
from ..timeutil import utcnow
from .models import Campaign, CampaignRevision
from .queries import SLUG_RE, registry_entry
from .revisions import apply_content, freeze_revision, snapshot, withdraw_pending

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


class CampaignFileError(ValueError):
    """A campaign file that cannot be imported; the message names the field."""


def _bilingual(data: Mapping[str, Any], field: str, required: bool = True, max_length: int | None = None) -> dict[str, str]:
    """Every text exists in each language: a file that lacks one fails here, not on a page later."""
    value = data.get(field)
    if not isinstance(value, dict):
        raise CampaignFileError(f"{field}: expected {{nl: ..., en: ...}}")
    result = {}
    for lang in LANGUAGES:
        text = value.get(lang)
        if text is None and not required:
            text = ""
        if not isinstance(text, str) or (required and not text.strip()):
            raise CampaignFileError(f"{field}.{lang}: text is missing")
        if max_length and len(text) > max_length:
            raise CampaignFileError(f"{field}.{lang}: longer than {max_length} characters")
        result[lang] = text.strip()
    return result


def _required_text(data: Mapping[str, Any], field: str, where: str, max_length: int = 200) -> str:
    """A missing name or address fails the import with its field named, not later in a mail."""
    value = data.get(field)
    if not isinstance(value, str) or not value.strip():
        raise CampaignFileError(f"{where}{field}: missing")
    if len(value) > max_length:
        raise CampaignFileError(f"{where}{field}: longer than {max_length} characters")
    return value.strip()


def _email(data: Mapping[str, Any], field: str, where: str) -> str:
    """An address checked like a signer's (email-validator, and its domain by DNS in production)."""
    value = _required_text(data, field, where, 254)
    try:
        normalise_email(value, current_app.config["EMAIL_CHECK_DELIVERABILITY"])
    except EmailInvalid as exc:
        raise CampaignFileError(f"{where}{field}: not a valid email address ({exc})") from exc
    return value


def _per_language(data: Mapping[str, Any], field: str, where: str, required: bool) -> dict[str, str]:
    """A recipient's `name` or `salutation`: a plain string (the same in both languages, as older files
    say it) or `{nl, en}` (a language left out falls back to the other one where it is shown)."""
    value = data.get(field)
    if value is None and not required:
        return {lang: "" for lang in LANGUAGES}
    if isinstance(value, str):
        value = {lang: value for lang in LANGUAGES}
    if not isinstance(value, dict) or not all(isinstance(value.get(lang, ""), str) for lang in LANGUAGES):
        raise CampaignFileError(f"{where}{field}: a text, or {{nl: ..., en: ...}}")
    result = {lang: (value.get(lang) or "").strip() for lang in LANGUAGES}
    if required and not any(result.values()):
        raise CampaignFileError(f"{where}{field}: missing")
    for lang, text in result.items():
        if len(text) > 200:
            raise CampaignFileError(f"{where}{field}.{lang}: longer than 200 characters")
    return result


def _language(data: Mapping[str, Any], where: str) -> str:
    """Mails and letters go out in a person's language, so only a language of the platform is taken."""
    language = data.get("language", "nl")
    if language not in LANGUAGES:
        raise CampaignFileError(f"{where}language: nl or en")
    return language


def _organisation(recipient: Mapping[str, Any], where: str, public: bool) -> dict[str, Any] | None:
    """`organisation: <registry key>`: the recipient is an entry of the registry of recipients (None when
    the file does not say). A public campaign may only be addressed to an entry a moderator approved."""
    key = recipient.get("organisation")
    if key is None:
        return None
    if not isinstance(key, str) or not REGISTRY_KEY_RE.match(key):
        raise CampaignFileError(f"{where}organisation: a registry key such as leiden-university")
    entry = registry_entry(key)
    if entry is None:
        raise CampaignFileError(f"{where}organisation: no recipient {key!r} in the registry (flask recipients import)")
    if public and entry["status"] != OrganisationStatus.APPROVED:
        raise CampaignFileError(f"{where}organisation: {key!r} is not approved yet; a moderator approves its address first")
    return entry


def _from_registry(recipient: Mapping[str, Any], entry: Mapping[str, Any]) -> dict[str, Any]:
    """A recipient from the registry: the file writes its demands, and whatever it leaves out (its key,
    name, salutation, address, language) the registry entry says."""
    return {
        "key": entry["key"], "language": entry["language"], "email": entry["email"],
        "name": {"nl": entry["name_nl"], "en": entry["name_en"]},
        "salutation": {"nl": entry["salutation_nl"], "en": entry["salutation_en"]},
        **recipient,
    }


def _parse_campaign_file(data: object) -> dict[str, Any]:
    """The whole file is checked before anything is written, so a bad file changes nothing."""
    if not isinstance(data, dict):
        raise CampaignFileError("the file must hold one campaign (a mapping)")
    slug = data.get("slug")
    if not isinstance(slug, str) or not SLUG_RE.match(slug):
        raise CampaignFileError("slug: lowercase letters, digits and hyphens")
    status = data.get("status", CampaignStatus.DRAFT)
    if status not in set(CampaignStatus):
        raise CampaignFileError(f"status: one of {', '.join(CampaignStatus)}")
    organizer = data.get("organizer")
    if not isinstance(organizer, dict):
        raise CampaignFileError("organizer: expected {name: ..., email: ...}")
    try:
        goals = validate_goals(data.get("goals"))
    except ValueError as exc:
        raise CampaignFileError(f"goals: {exc}") from exc
    closes_on = data.get("closes_at")
    if closes_on is not None and not isinstance(closes_on, date):
        raise CampaignFileError("closes_at: a date written as YYYY-MM-DD")
    recipients = data.get("recipients")
    if not isinstance(recipients, list) or not recipients:
        raise CampaignFileError("recipients: at least one recipient")
    parsed_recipients, keys = [], set()
    for index, recipient in enumerate(recipients):
        where = f"recipients[{index}]."
        if not isinstance(recipient, dict):
            raise CampaignFileError(f"recipients[{index}]: expected a mapping")
        entry = _organisation(recipient, where, public=status in PUBLIC_STATUSES)
        if entry is not None:
            recipient = _from_registry(recipient, entry)
        key = recipient.get("key")
        if not isinstance(key, str) or not KEY_RE.match(key) or key in keys:
            raise CampaignFileError(f"{where}key: a unique lowercase name")
        keys.add(key)
        language = _language(recipient, where)
        demands = recipient.get("demands")
        if not isinstance(demands, list) or not demands:
            raise CampaignFileError(f"{where}demands: at least one demand")
        names = _per_language(recipient, "name", where, required=True)
        if isinstance(recipient.get("name"), str):
            name, names = names[language], {lang: "" for lang in LANGUAGES}
        else:
            name = names[language] or next(text for text in names.values() if text)
        parsed_recipients.append(
            {
                "key": key,
                "name": name,
                "names": names,
                "salutation": _per_language(recipient, "salutation", where, required=False),
                "email": _email(recipient, "email", where),
                "language": language,
                "demands": [_bilingual({"demand": d}, "demand", max_length=2000) for d in demands],
            }
            | ({"organisation": entry["key"]} if entry is not None else {})
        )
    return {
        "slug": slug,
        "status": status,
        "organizer_name": _required_text(organizer, "name", "organizer."),
        "organizer_email": _email(organizer, "email", "organizer."),
        "organizer_language": _language(organizer, "organizer."),
        "title": _bilingual(data, "title", max_length=200),
        "summary": _bilingual(data, "summary", max_length=1000),
        "body": _bilingual(data, "body", required=False, max_length=50000),
        "goals": goals,
        "closes_on": closes_on,
        "recipients": parsed_recipients,
        "paper_counts_toward_goals": _paper_counts(data),
    }


def _paper_counts(data: Mapping[str, Any]) -> bool | None:
    """`paper_counts_toward_goals: true|false`, or None when the file does not say (the campaign keeps
    its setting; a new one counts paper)."""
    value = data.get("paper_counts_toward_goals")
    if value is not None and not isinstance(value, bool):
        raise CampaignFileError("paper_counts_toward_goals: true or false")
    return value


def _record_import(campaign: Campaign, before: dict[str, Any] | None, was_public: bool) -> None:
    """A campaign file is imported on the command line, by whoever runs the platform: it is recorded as a
    revision. A public campaign's import is an approved revision (a correction, listed on the page, if
    the campaign was public before); a pending one waits in the moderators' queue like any other."""
    content = snapshot(campaign)
    latest = db.session.scalar(
        select(CampaignRevision).where(CampaignRevision.campaign_id == campaign.id)
        .order_by(CampaignRevision.number.desc()).limit(1)
    )
    if campaign.status == CampaignStatus.PENDING:
        if latest is None or latest.status != RevisionStatus.PENDING or latest.content != content:
            freeze_revision(campaign)
        return
    withdraw_pending(campaign)
    if campaign.status == CampaignStatus.DRAFT:
        return
    if latest is not None and latest.status == RevisionStatus.APPROVED and latest.content == content:
        return
    correction = was_public and before is not None and before != content
    revision = freeze_revision(campaign, content, correction=correction, status=RevisionStatus.APPROVED)
    if correction and before is not None:
        revision.changes = changed_parts(before, content)
    if campaign.status in PUBLIC_STATUSES:
        campaign.published_at = campaign.published_at or utcnow()


def import_campaign(data: object) -> Campaign:
    """Create or update the campaign a campaign file describes, matched by slug.

    Text, goals and recipients follow the file; what signers did (signatures, the count, milestones)
    is never touched, so importing the same file twice changes nothing. The import is recorded as a
    revision (see `_record_import`).
    """
    spec = _parse_campaign_file(data)
    campaign = db.session.scalar(select(Campaign).where(Campaign.slug == spec["slug"]))
    before, was_public = None, False
    if campaign is None:
        campaign = Campaign(slug=spec["slug"], confirmed_count=0)
        db.session.add(campaign)
    else:
        before, was_public = snapshot(campaign), campaign.status in PUBLIC_STATUSES
    campaign.status = CampaignStatus(spec["status"])
    campaign.organizer_email = spec["organizer_email"]
    campaign.organizer_language = spec["organizer_language"]
    if spec["paper_counts_toward_goals"] is not None:
        campaign.paper_counts_toward_goals = spec["paper_counts_toward_goals"]
    apply_content(campaign, spec)
    db.session.flush()
    _record_import(campaign, before, was_public)
    db.session.flush()
    campaign_file_imported.send(campaign, data=data)
    return campaign
