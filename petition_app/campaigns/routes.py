from flask import abort, current_app, render_template, request

from ..signing.forms import SignForm, source_tag
from . import bp
from .rendering import render_campaign
from .services import campaign_for_page, open_campaigns


@bp.route("/")
def index():
    return render_template("campaigns/index.html", campaigns=open_campaigns())


@bp.route("/campaigns/<slug>")
def show(slug):
    campaign = campaign_for_page(slug) or abort(404)
    form = SignForm()
    form.source.data = source_tag(request.args.get("s"))  # carried from a share link into the signature
    return render_campaign(campaign, form)


@bp.route("/privacy")
def privacy():
    config = current_app.config
    return render_template(
        "campaigns/privacy.html",
        unconfirmed_days=config["UNCONFIRMED_RETENTION"].days,
        retention_days=config["RETENTION_AFTER_CLOSE"].days,
    )
