"""The mail that tells the organizers about a moderator's decision, built once for the job that sends
it and for the moderator's confirmation page that shows it first (each organizer in their own
language)."""
from collections.abc import Callable
from enum import StrEnum
from types import SimpleNamespace
from typing import Any

from flask_babel import force_locale, gettext

from ..accounts.mailing import shown, user_message
from ..campaigns.models import Campaign
from ..links import external_url
from ..rules import LANGUAGES


class Decision(StrEnum):
    """What a moderator decided, as the organizers hear it; each value is the name of its mail template."""

    APPROVED = "campaign_approved"
    REJECTED = "campaign_rejected"
    HIDDEN = "campaign_hidden"
    CORRECTION_APPROVED = "correction_approved"
    CORRECTION_REJECTED = "correction_rejected"


#: The moderators' mail about new clusters of signatures (a template name).
CLUSTERS_FOUND = "clusters_found"

APPROVED, REJECTED, HIDDEN = Decision.APPROVED, Decision.REJECTED, Decision.HIDDEN
CORRECTION_APPROVED, CORRECTION_REJECTED = Decision.CORRECTION_APPROVED, Decision.CORRECTION_REJECTED


def decision_of(action: str, correction: bool) -> Decision:
    """The mail a moderator's action ("approve", "reject", "hide") sends: a correction's approval or
    refusal reads differently from a new campaign's."""
    if action == "approve":
        return CORRECTION_APPROVED if correction else APPROVED
    if action == "reject":
        return CORRECTION_REJECTED if correction else REJECTED
    if action == "hide":
        return HIDDEN
    raise ValueError(f"unknown action {action}")


def decision_mail(campaign: Campaign, decision: str, reason: str, note: str) -> tuple[str, Callable[[str], str], dict[str, Any]]:
    """The template, subject and links of the mail that tells the organizers about a decision."""
    if decision == APPROVED:
        return APPROVED, lambda title: gettext("Your campaign is live: %(title)s", title=title), {
            "campaign_url": external_url("signing.campaign", slug=campaign.slug)}
    if decision == REJECTED:
        return REJECTED, lambda title: gettext("Your campaign needs changes: %(title)s", title=title), {
            "reason": reason, "note": note, "edit_url": external_url("organizers.edit", slug=campaign.slug)}
    if decision == CORRECTION_APPROVED:
        return CORRECTION_APPROVED, lambda title: gettext("Your correction is published: %(title)s", title=title), {
            "campaign_url": external_url("signing.campaign", slug=campaign.slug)}
    if decision == CORRECTION_REJECTED:
        return CORRECTION_REJECTED, lambda title: gettext("Your correction needs changes: %(title)s", title=title), {
            "reason": reason, "note": note, "edit_url": external_url("organizers.correct", slug=campaign.slug)}
    if decision == HIDDEN:
        return HIDDEN, lambda title: gettext("Your campaign was taken offline: %(title)s", title=title), {"note": note}
    raise ValueError(f"unknown decision {decision}")


def decision_previews(campaign: Campaign, decision: str, reason: str, note: str) -> dict[str, dict[str, str]]:
    """The organizers' mail about a decision as a Dutch and an English organizer would get it (subject
    and text), for the moderator's confirmation page."""
    template, subject, context = decision_mail(campaign, decision, reason, note)
    previews = {}
    for locale in LANGUAGES:
        with force_locale(locale):
            name = gettext("(the organizer's name)")
        stand_in = SimpleNamespace(email="preview@invalid", locale=locale, name=name)
        previews[locale] = shown(user_message(stand_in, campaign, template, subject, **context))
    return previews
