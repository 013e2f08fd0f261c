"""The public home page, the privacy statement and what starting a campaign involves. The campaign page itself is the sign page
(signing.campaign): its form belongs to signing."""
from flask import current_app, render_template

from . import bp
from .queries import open_campaigns


@bp.route("/")
def index() -> str:
    """The list of open campaigns; public, for anyone."""
    return render_template("campaigns/index.html", campaigns=open_campaigns())


@bp.route("/privacy")
def privacy() -> str:
    """The privacy statement, with the retention periods in force; public, for anyone."""
    config = current_app.config
    return render_template(
        "campaigns/privacy.html",
        unconfirmed_days=config["UNCONFIRMED_RETENTION"].days,
        retention_days=config["RETENTION_AFTER_CLOSE"].days,
    )


@bp.route("/start")
def start() -> str:
    """Where "Start a campaign" leads: what happens before a campaign goes public (an account, the
    review, its rules, how long it takes), with the ways in (log in, or register and come back here to
    start); for anyone. Someone logged in goes on to a new draft from here."""
    return render_template("campaigns/start.html", review_days=current_app.config["REVIEW_WORKING_DAYS"])
