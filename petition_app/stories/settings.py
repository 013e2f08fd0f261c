"""Changes to a campaign's stories settings (also from a campaign file) and to its team and the
team's confidentiality statement. Operations: they flush, the request or command commits once."""
from typing import Any

from ..accounts.models import User
from ..campaigns.models import Campaign
from ..campaigns.operations import CampaignFileError
from ..extensions import db
from ..rules import LANGUAGES
from ..timeutil import utcnow
from . import queries
from .inputs import RETENTION_DAYS, SUPPORT_DAYS
from .models import StorySettings, StoryTeamMember

SETTING_TEXTS = ("contact_by", "confidentiality", "help", "report")
REQUIRED_TEXTS = ("contact_by", "confidentiality")


class NotOnTheTeam(Exception):
    """Only someone asked onto the team can accept its confidentiality statement."""


# ---------------------------------------------------------------- settings


def save_settings(campaign: Campaign, data: dict[str, Any]) -> StorySettings:
    """Switch stories on or off and set the texts and periods (both languages); creates the row once."""
    settings = queries.settings_of(campaign.id)
    if settings is None:
        settings = StorySettings(campaign_id=campaign.id)
        db.session.add(settings)
    settings.enabled = bool(data.get("enabled"))
    settings.support_days = int(data.get("support_days") or 2)
    settings.retention_days = int(data.get("retention_days") or 183)
    for name in SETTING_TEXTS:
        for lang in LANGUAGES:
            setattr(settings, f"{name}_{lang}", (data.get(f"{name}_{lang}") or "").strip())
    db.session.flush()
    return settings


def _whole(value: Any, name: str, bounds: tuple[int, int], default: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not bounds[0] <= value <= bounds[1]:
        raise CampaignFileError(f"stories.{name}: a whole number from {bounds[0]} to {bounds[1]}")
    return value


def parse_campaign_file_section(section: Any) -> dict[str, Any]:
    """The `stories:` section of a campaign file as settings data; raises CampaignFileError naming the
    field. Switched on, it needs who will contact and the limits of confidentiality in both languages."""
    if not isinstance(section, dict):
        raise CampaignFileError("stories: expected {enabled: true, ...}")
    enabled = section.get("enabled", False)
    if not isinstance(enabled, bool):
        raise CampaignFileError("stories.enabled: true or false")
    data: dict[str, Any] = {
        "enabled": enabled,
        "support_days": _whole(section.get("support_days"), "support_days", SUPPORT_DAYS, 2),
        "retention_days": _whole(section.get("retention_days"), "retention_days", RETENTION_DAYS, 183),
    }
    for name in SETTING_TEXTS:
        value = section.get(name) or {}
        if not isinstance(value, dict):
            raise CampaignFileError(f"stories.{name}: expected {{nl: ..., en: ...}}")
        for lang in LANGUAGES:
            text = value.get(lang) or ""
            if not isinstance(text, str) or len(text) > 5000:
                raise CampaignFileError(f"stories.{name}.{lang}: text of at most 5000 characters")
            if enabled and name in REQUIRED_TEXTS and not text.strip():
                raise CampaignFileError(f"stories.{name}.{lang}: text is missing")
            data[f"{name}_{lang}"] = text
    return data


def apply_campaign_file(campaign: Campaign, data: dict[str, Any]) -> None:
    """A campaign file with a `stories:` section sets the campaign's stories; one without leaves them."""
    if isinstance(data, dict) and "stories" in data:
        save_settings(campaign, parse_campaign_file_section(data["stories"]))


# ---------------------------------------------------------------- the team


def set_team(campaign: Campaign, user_ids: set[int]) -> list[int]:
    """Make the team exactly these organizers of the campaign: new ones are asked (they see nothing
    until they accept the statement), others leave. Returns the ids newly asked."""
    organizers = {user.id for user in campaign.organizers}
    wanted = set(user_ids) & organizers
    current = {member.user_id: member for member in queries.team_of(campaign.id)}
    for user_id, member in current.items():
        if user_id not in wanted:
            db.session.delete(member)
    added = sorted(wanted - set(current))
    for user_id in added:
        db.session.add(StoryTeamMember(campaign_id=campaign.id, user_id=user_id))
    db.session.flush()
    return added


def accept_statement(campaign: Campaign, user: User) -> None:
    """The member read and accepted the confidentiality statement: from now on they see submissions."""
    member = queries.membership(campaign.id, user.id)
    if member is None:
        raise NotOnTheTeam()
    member.accepted_at = member.accepted_at or utcnow()
    db.session.flush()
