from flask import abort, render_template

from ..signing.forms import SignForm
from . import bp
from .rendering import render_campaign
from .services import open_campaigns, public_campaign


@bp.route("/")
def index():
    return render_template("campaigns/index.html", campaigns=open_campaigns())


@bp.route("/campaigns/<slug>")
def show(slug):
    campaign = public_campaign(slug) or abort(404)
    return render_campaign(campaign, SignForm())


@bp.route("/privacy")
def privacy():
    return render_template("campaigns/privacy.html")
