"""The campaign page, which is the sign page: used by signing's own routes and by the previews of
organizers and moderators."""
from flask import render_template
from flask_wtf import FlaskForm

from ..campaigns.models import Campaign


def render_campaign(campaign: Campaign, form: FlaskForm, status: int = 200, notice: str | None = None) -> tuple[str, int]:
    """The campaign page with a sign form: fresh, or as the signer filled it in with its errors."""
    return render_template("campaigns/show.html", campaign=campaign, form=form, notice=notice), status
