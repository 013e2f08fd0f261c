"""The public home page and the privacy statement. The campaign page itself is the sign page
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
