"""What every organizers' page shares: the login requirement, the campaign (and its recipients and
demands) of the logged-in organizer, and how a refused change is explained."""
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...campaigns.models import Campaign, Demand, Recipient
from ...campaigns.queries import campaign_by_slug
from ...extensions import db
from ...rules import EDITABLE_STATUSES, CampaignStatus
from ...rules.revisions import RevisionStatus
from .. import bp
from ..guards import CampaignLocked, CampaignPublished

#: The ids in the organizers' addresses: what the database can hold (a larger number is a 404, not an error).
ID = "int(max=2147483647)"


@bp.before_request
@login_required
def require_login() -> None:
    """Every organizer page needs an account (Flask-Login sends visitors to the login page)."""


@bp.context_processor
def statuses() -> dict[str, Any]:
    """The statuses and state sets for the organizers' templates, so that no state name is spelled there."""
    return {"CampaignStatus": CampaignStatus, "RevisionStatus": RevisionStatus, "EDITABLE_STATUSES": EDITABLE_STATUSES}


def own_campaign(slug: str) -> Campaign:
    """The campaign, if the logged-in user organizes it; anyone else gets a 404, as if it did not exist."""
    campaign = campaign_by_slug(slug)
    if campaign is None or current_user not in campaign.organizers:
        abort(404)
    return campaign


def own_recipient(campaign: Campaign, recipient_id: int) -> Recipient:
    """A recipient of the organizer's own campaign; a recipient of another campaign is a 404."""
    recipient = db.session.get(Recipient, recipient_id)
    if recipient is None or recipient.campaign_id != campaign.id:
        abort(404)
    return recipient


def own_demand(campaign: Campaign, demand_id: int) -> Demand:
    """A demand of the organizer's own campaign; a demand of another campaign is a 404."""
    demand = db.session.get(Demand, demand_id)
    if demand is None or demand.recipient.campaign_id != campaign.id:
        abort(404)
    return demand


def refused(campaign: Campaign, exc: CampaignLocked) -> ResponseReturnValue:
    """A change the campaign's state does not allow: a published campaign is corrected through review,
    not edited in place (say so, and go there); anything else can no longer be changed."""
    if isinstance(exc, CampaignPublished):
        flash(_("This campaign is published: changes are a correction, which a moderator reviews before it goes online."))
        return redirect(url_for("organizers.correct", slug=campaign.slug))
    flash(_("This campaign can no longer be changed."))
    return redirect(url_for("organizers.dashboard", slug=campaign.slug))


def back_to_draft(withdrawn: bool) -> None:
    """An edit of a campaign waiting for review withdraws it from the moderators: tell the organizer."""
    if withdrawn:
        flash(_("Your campaign is a draft again, so that moderators review what you changed. Submit it again when you are done."))


def confirmed() -> bool:
    """Whether the POST comes from a confirmation page's final button (a first POST only shows that page)."""
    return request.form.get("confirm") == "1"


def not_published() -> None:
    """Invitations and updates wait for a moderator: tell the organizer."""
    flash(_("Invitations and updates can be sent once a moderator has published the campaign."))
