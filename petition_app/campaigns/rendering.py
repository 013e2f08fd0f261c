from flask import render_template


def render_campaign(campaign, form, status=200, notice=None):
    """The campaign page with a sign form: fresh, or as the signer filled it in with its errors."""
    return render_template("campaigns/show.html", campaign=campaign, form=form, notice=notice), status
