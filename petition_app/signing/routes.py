from flask import abort, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from ..campaigns.rendering import render_campaign
from ..campaigns.services import public_campaign
from ..extensions import csrf
from ..tokens import TokenExpired, TokenInvalid
from . import bp
from .forms import ConfirmForm, SignForm
from .services import (
    CampaignClosed,
    ConfirmationClosed,
    SignatureGone,
    SignatureInput,
    sign,
    signature_for_token,
    signature_for_unsubscribe,
    stop_updates,
    verify,
)


def closed_notice():
    return _("This campaign is closed and no longer takes signatures.")


@bp.route("/campaigns/<slug>/sign", methods=["POST"])
def sign_campaign(slug):
    campaign = public_campaign(slug) or abort(404)
    form = SignForm()
    if not campaign.accepts_signatures():
        return render_campaign(campaign, form, 409, closed_notice())
    if not form.validate_on_submit():
        return render_campaign(campaign, form, 422)
    data = SignatureInput(
        name=form.name.data,
        email=form.email.data,
        city=form.city.data,
        locale=str(get_locale()),
        wants_updates=form.updates.data,
        is_public=form.public.data,
        ip=request.remote_addr,
    )
    try:
        sign(campaign, data)
    except CampaignClosed:
        return render_campaign(campaign, form, 409, closed_notice())
    return redirect(url_for("signing.check_your_email", slug=campaign.slug), code=303)


@bp.route("/campaigns/<slug>/check-your-email")
def check_your_email(slug):
    campaign = public_campaign(slug) or abort(404)
    return render_template("signing/check_your_email.html", campaign=campaign, locale=str(get_locale()))


@bp.route("/verify/<token>", methods=["GET", "POST"], endpoint="verify")
def verify_signature(token):
    """GET shows a button and changes nothing (mail scanners open links); only its POST confirms."""
    form = ConfirmForm()
    locale = str(get_locale())
    try:
        signature = signature_for_token(token)
        campaign = signature.campaign
        if request.method == "POST" and form.validate_on_submit():
            result = verify(token)
            return render_template(
                "signing/confirmed.html", campaign=result.campaign, newly_confirmed=result.newly_confirmed, locale=locale
            )
    except TokenExpired:
        return render_template("signing/link_problem.html", problem="expired", locale=locale), 410
    except (TokenInvalid, SignatureGone):
        return render_template("signing/link_problem.html", problem="invalid", locale=locale), 404
    except ConfirmationClosed:
        return render_template("signing/link_problem.html", problem="closed", campaign=campaign, locale=locale), 409
    if signature.confirmed_at is not None:
        return render_template("signing/confirmed.html", campaign=campaign, newly_confirmed=False, locale=locale)
    return render_template("signing/verify.html", campaign=campaign, form=form, locale=locale)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"], endpoint="unsubscribe")
@csrf.exempt  # RFC 8058: mail programs POST here without a form; the signed token is the authorisation
def unsubscribe(token):
    locale = str(get_locale())
    try:
        if request.method == "POST":
            signature = stop_updates(token)
            return render_template("signing/unsubscribed.html", campaign=signature.campaign, locale=locale)
        signature = signature_for_unsubscribe(token)
    except (TokenInvalid, SignatureGone):
        return render_template("signing/link_problem.html", problem="invalid", locale=locale), 404
    return render_template("signing/unsubscribe.html", campaign=signature.campaign, locale=locale)
