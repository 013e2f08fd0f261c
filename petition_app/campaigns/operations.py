"""Changes to campaigns from a campaign file (`flask campaign import`, `flask demo`). Operations flush;
the command around them commits."""
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..rules import LANGUAGES, CampaignStatus, validate_goals
from ..signals import campaign_file_imported
from .models import Campaign, Demand, Recipient
from .queries import SLUG_RE

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


def _language(data: Mapping[str, Any], where: str) -> str:
    """Mails and letters go out in a person's language, so only a language of the platform is taken."""
    language = data.get("language", "nl")
    if language not in LANGUAGES:
        raise CampaignFileError(f"{where}language: nl or en")
    return language


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
        key = recipient.get("key")
        if not isinstance(key, str) or not KEY_RE.match(key) or key in keys:
            raise CampaignFileError(f"{where}key: a unique lowercase name")
        keys.add(key)
        language = _language(recipient, where)
        demands = recipient.get("demands")
        if not isinstance(demands, list) or not demands:
            raise CampaignFileError(f"{where}demands: at least one demand")
        parsed_recipients.append(
            {
                "key": key,
                "name": _required_text(recipient, "name", where),
                "email": _required_text(recipient, "email", where, 254),
                "language": language,
                "demands": [_bilingual({"demand": d}, "demand", max_length=2000) for d in demands],
            }
        )
    return {
        "slug": slug,
        "status": status,
        "organizer_name": _required_text(organizer, "name", "organizer."),
        "organizer_email": _required_text(organizer, "email", "organizer.", 254),
        "organizer_language": _language(organizer, "organizer."),
        "title": _bilingual(data, "title", max_length=200),
        "summary": _bilingual(data, "summary", max_length=1000),
        "body": _bilingual(data, "body", required=False, max_length=50000),
        "goals": goals,
        "closes_on": closes_on,
        "recipients": parsed_recipients,
    }


def import_campaign(data: object) -> Campaign:
    """Create or update the campaign a campaign file describes, matched by slug.

    Text, goals and recipients follow the file; what signers did (signatures, the count, milestones)
    is never touched, so importing the same file twice changes nothing.
    """
    spec = _parse_campaign_file(data)
    campaign = db.session.scalar(select(Campaign).where(Campaign.slug == spec["slug"]))
    if campaign is None:
        campaign = Campaign(slug=spec["slug"], confirmed_count=0)
        db.session.add(campaign)
    campaign.status = CampaignStatus(spec["status"])
    campaign.organizer_name = spec["organizer_name"]
    campaign.organizer_email = spec["organizer_email"]
    campaign.organizer_language = spec["organizer_language"]
    for field in ("title", "summary", "body"):
        for lang in LANGUAGES:
            setattr(campaign, f"{field}_{lang}", spec[field][lang])
    campaign.goals = spec["goals"]
    campaign.closes_on = spec["closes_on"]

    existing = {r.key: r for r in campaign.recipients}
    recipients = []
    for position, rspec in enumerate(spec["recipients"]):
        recipient = existing.get(rspec["key"]) or Recipient(key=rspec["key"])
        recipient.name, recipient.email = rspec["name"], rspec["email"]
        recipient.language, recipient.position = rspec["language"], position
        old = recipient.demands
        demands = []
        for dpos, texts in enumerate(rspec["demands"]):
            demand = old[dpos] if dpos < len(old) else Demand()
            demand.position, demand.text_nl, demand.text_en = dpos, texts["nl"], texts["en"]
            demands.append(demand)
        recipient.demands = demands
        recipients.append(recipient)
    campaign.recipients = recipients
    db.session.flush()
    campaign_file_imported.send(campaign, data=data)
    return campaign
