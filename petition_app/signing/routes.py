from flask import abort, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from ..campaigns.rendering import render_campaign
from ..campaigns.services import public_campaign
from ..extensions import csrf, limiter
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
    personal_data,
    signature_from_link,
    signature_for_unsubscribe,
    stop_updates,
    verify,
    withdraw,
)


def closed_notice():
    return _("This campaign is closed and no longer takes signatures.")


def sign_limit():
    return current_app.config["SIGN_RATE_LIMIT"]


def link_limit():
    return current_app.config["LINK_RATE_LIMIT"]


@bp.route("/campaigns/<slug>/sign", methods=["POST"])
@limiter.shared_limit(sign_limit, scope="sign")
def sign_campaign(slug):
    campaign = public_campaign(slug) or abort(404)
    form = SignForm()
    if not campaign.accepts_signatures():
        return render_campaign(campaign, form, 409, closed_notice())
    if not form.validate_on_submit():
        return render_campaign(campaign, form, 422)
    if form.website.data:  # only a bot fills in the hidden field: answer as always, store nothing
        return redirect(url_for("signing.check_your_email", slug=campaign.slug), code=303)
    try:
        sign(campaign, SignatureInput.from_form(form, str(get_locale()), request.remote_addr))
    except CampaignClosed:
        return render_campaign(campaign, form, 409, closed_notice())
    return redirect(url_for("signing.check_your_email", slug=campaign.slug), code=303)


@bp.route("/campaigns/<slug>/check-your-email")
def check_your_email(slug):
    campaign = public_campaign(slug) or abort(404)
    return render_template("signing/check_your_email.html", campaign=campaign, locale=str(get_locale()))


@bp.route("/verify/<token>", methods=["GET", "POST"], endpoint="verify")
@limiter.shared_limit(link_limit, scope="links")
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
@limiter.shared_limit(link_limit, scope="links")
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


@bp.route("/withdraw/<token>", methods=["GET", "POST"], endpoint="withdraw")
@limiter.shared_limit(link_limit, scope="links")
def withdraw_signature(token):
    """GET asks, POST withdraws: a link opened by a mail scanner must never take a signature back."""
    form = ConfirmForm()
    locale = str(get_locale())
    try:
        if request.method == "POST" and form.validate_on_submit():
            campaign = withdraw(token)
            return render_template("signing/withdrawn.html", campaign=campaign, locale=locale)
        signature = signature_from_link("withdraw", token)
    except (TokenInvalid, SignatureGone):
        return render_template("signing/link_problem.html", problem="invalid", locale=locale), 404
    return render_template("signing/withdraw.html", campaign=signature.campaign, form=form, locale=locale)


@bp.route("/my-data/<token>", endpoint="my_data")
@limiter.shared_limit(link_limit, scope="links")
def my_data(token):
    try:
        data = personal_data(token)
    except (TokenInvalid, SignatureGone):
        return jsonify({"error": "not_found"}), 404
    response = jsonify(data)
    response.headers["Content-Disposition"] = 'attachment; filename="my-signature.json"'
    return response
