"""The campaign page and the path of a signature: sign, check your email, confirm, unsubscribe,
withdraw, my data. Public routes; the links in mails carry the signer's token."""
from typing import Any

from flask import abort, current_app, jsonify, make_response, redirect, render_template, request, session, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask.typing import ResponseReturnValue

from ..campaigns.models import Campaign
from ..campaigns.queries import public_campaign
from ..extensions import csrf, db, limiter
from ..ratelimits import link_limit, sign_limit
from ..rules import LANGUAGES
from ..security import NO_STORE, from_this_site, sign_form_token_valid
from ..signals import receipts_wanted
from ..tokens import Purpose, TokenExpired, TokenInvalid
from . import bp
from .forms import ChangeDetailsForm, ConfirmDetailsForm, ConfirmForm, SignForm, source_tag
from .operations import CampaignClosed, ConfirmationClosed, change_details, sign, stop_updates, verify, withdraw
from .inputs import Details
from .models import Signature
from .queries import (
    SignatureGone,
    confirmed_signature_for_change,
    pending_for_token,
    personal_data,
    personal_data_of,
    signature_for_unsubscribe,
    signature_from_link,
)
from .rendering import render_campaign, render_campaign_page


@bp.route("/campaigns/<slug>")
def campaign(slug: str) -> ResponseReturnValue:
    """The campaign page with its sign form; public, for anyone."""
    form = SignForm()
    form.source.data = source_tag(request.args.get("s"))  # carried from a share link into the signature
    return render_campaign_page(slug, form) or abort(404)


def closed_notice() -> str:
    return _("This campaign is closed and no longer takes signatures.")


def form_token_notice() -> str:
    return _(
        "Something went wrong with the form: it was open for too long or did not come from this site. "
        "What you filled in is still here: please check it and sign again."
    )


@bp.route("/campaigns/<slug>/sign", methods=["POST"])
@csrf.exempt  # no session here: the form token and the origin check below take the place of Flask-WTF's
@limiter.shared_limit(sign_limit, scope="sign")
def sign_campaign(slug: str) -> ResponseReturnValue:
    """Take a signature from the campaign page's form; for anyone (the same answer whoever signs).
    Needs no session: a signed form token bound to the campaign, and no cross-site request."""
    if not from_this_site():
        abort(403)
    campaign = public_campaign(slug) or abort(404)
    form = SignForm()
    if not campaign.accepts_signatures():
        return render_campaign(campaign, form, 409, closed_notice())
    if current_app.config.get("WTF_CSRF_ENABLED", True) and not sign_form_token_valid(form.csrf_token.data, slug):
        return render_campaign(campaign, form, 400, form_token_notice())
    if not form.validate_on_submit():
        return render_campaign(campaign, form, 422)
    if form.website.data:  # only a bot fills in the hidden field: answer as always, store nothing
        return sent_to(campaign, form.email.data)
    try:
        sign(campaign, form.to_input(str(get_locale()), request.remote_addr))
        db.session.commit()
    except CampaignClosed:
        return render_campaign(campaign, form, 409, closed_notice())
    return sent_to(campaign, form.email.data)


SENT_TO = "sent_to"


def sent_to(campaign: Campaign, email: str | None) -> ResponseReturnValue:
    """On to "check your email", which names the address the mail went to, so that a typo can be seen.
    The address waits in the session (the signer's own cookie, never a URL or a log line) for that one
    page, which takes it out: a reload, or any other visitor, gets the public page without it."""
    session[SENT_TO] = {"slug": campaign.slug, "email": (email or "").strip()}
    return redirect(url_for("signing.check_your_email", slug=campaign.slug), code=303)


def take_sent_to(slug: str) -> str | None:
    """The address the sign form of `slug` just sent a mail to, once. A visitor without a session cookie
    leaves the session untouched, so that the public page stays cacheable."""
    if not request.cookies.get(current_app.config["SESSION_COOKIE_NAME"]) or SENT_TO not in session:
        return None
    sent = session.pop(SENT_TO)
    if not isinstance(sent, dict) or sent.get("slug") != slug:
        return None
    return sent.get("email") or None


@bp.before_app_request
def forget_sent_to() -> None:
    """The address waits for the very next page only: any other request (a client that did not follow
    the redirect) takes it out of the session unread."""
    if request.endpoint in ("signing.check_your_email", "signing.sign_campaign", "static", None):
        return
    if request.cookies.get(current_app.config["SESSION_COOKIE_NAME"]) and SENT_TO in session:
        session.pop(SENT_TO)


@bp.route("/campaigns/<slug>/check-your-email")
def check_your_email(slug: str) -> ResponseReturnValue:
    """"Check your email" after signing; public, the same page for everyone, but right after the sign
    form it names the address the mail went to, to the signer alone (no-store, see `sent_to`)."""
    campaign = public_campaign(slug) or abort(404)
    email = take_sent_to(slug)
    page = make_response(render_template("signing/check_your_email.html", campaign=campaign, locale=str(get_locale()), email=email))
    if email:
        page.headers["Cache-Control"] = NO_STORE
    return page


@bp.route("/verify/<token>", methods=["GET", "POST"], endpoint="verify")
@csrf.exempt  # no session here: the link's token is the authorisation, and a cross-site POST is refused
@limiter.shared_limit(link_limit, scope="links")
def verify_signature(token: str) -> ResponseReturnValue:
    """The confirmation page of one sign request, for the holder of its mail. GET shows the details
    that request gave, in a form the owner may correct, and changes nothing (mail scanners open
    links); only its POST confirms. A POST without the form's fields confirms the details as mailed.
    A confirmed signature is sent on (303) to the campaign's thank-you page, which is the same for
    everyone: a reload confirms nothing twice and the page can come from a cache.

    Needs no session (docs/architecture.md, "A confirmation without a session"): only the holder of
    the mail knows the token in the path, so another site cannot forge this POST; a POST a browser
    marks as cross-site is refused all the same."""
    if request.method == "POST" and not from_this_site():
        abort(403)
    locale = str(get_locale())
    try:
        pending = pending_for_token(token)
        campaign = pending.signature.campaign
        if pending.signature.confirmed_at is not None:  # a link pressed again
            if not campaign.is_public:  # taken offline since: nothing of it is shown
                raise ConfirmationClosed()
            if request.method == "POST":
                return thank_you(campaign.slug, newly_confirmed=False)
            return render_template("signing/confirmed.html", campaign=campaign, newly_confirmed=False, locale=locale)
        if request.method == "POST" and "name" in request.form:
            form = ConfirmDetailsForm()
            if not form.validate_on_submit():
                return render_template("signing/verify.html", campaign=campaign, form=form, locale=locale), 422
            chosen = form.details()
        else:
            form = ConfirmDetailsForm.showing(pending.details())
            chosen = None
        if request.method == "POST":  # with the details as corrected, or as mailed
            slug = campaign.slug
            result = verify(pending, chosen)
            db.session.commit()
            return thank_you(slug, result.newly_confirmed)
    except TokenExpired:
        return render_template("signing/link_problem.html", problem="expired", locale=locale), 410
    except (TokenInvalid, SignatureGone):
        return render_template("signing/link_problem.html", problem="invalid", locale=locale), 404
    except ConfirmationClosed:
        shown = campaign if campaign.is_public else None
        return render_template("signing/link_problem.html", problem="closed", campaign=shown, locale=locale), 409
    return render_template("signing/verify.html", campaign=campaign, form=form, locale=locale)


def thank_you(slug: str, newly_confirmed: bool) -> ResponseReturnValue:
    """On to the thank-you page. It finds the signer's language as this page did (a ?lang= here has
    set the `lang` cookie), so its address stays the same for everyone and a cache in front can keep it."""
    return redirect(url_for("signing.confirmed", slug=slug, again=not newly_confirmed), code=303)


@bp.route("/campaigns/<slug>/confirmed", defaults={"again": False})
@bp.route("/campaigns/<slug>/confirmed/again", defaults={"again": True})
def confirmed(slug: str, again: bool) -> ResponseReturnValue:
    """The thank-you page after a confirmation (".../again": "already confirmed"), with the count and
    ways to share; public and the same for everyone, so it holds nothing of the signer. The two are
    paths, not a query, so that the language switch (which keeps the path) stays on the same one."""
    campaign = public_campaign(slug) or abort(404)
    return render_template("signing/confirmed.html", campaign=campaign, newly_confirmed=not again, locale=str(get_locale()))


@bp.route("/my-data/<token>/change", methods=["GET", "POST"], endpoint="change_details")
@limiter.shared_limit(link_limit, scope="links")
def change_signature_details(token: str) -> ResponseReturnValue:
    """Change the name, city and choices of a confirmed signature; for the holder of the link (the
    "already signed" mail carries it). GET shows the details as confirmed, POST saves them."""
    locale = str(get_locale())
    try:
        signature = confirmed_signature_for_change(token)
        if request.method == "POST":
            form = ChangeDetailsForm()
            if form.validate_on_submit():
                signature = change_details(token, form.details())
                db.session.commit()
                return render_template("signing/details_saved.html", campaign=signature.campaign, locale=locale)
            status = 422 if form.errors else 200
        else:
            form, status = ChangeDetailsForm.showing(Details.of(signature)), 200
    except (TokenInvalid, SignatureGone):
        return render_template("signing/link_problem.html", problem="invalid", locale=locale), 404
    return render_template("signing/change_details.html", campaign=signature.campaign, form=form, locale=locale), status


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"], endpoint="unsubscribe")
@csrf.exempt  # RFC 8058: mail programs POST here without a form; the signed token is the authorisation
@limiter.shared_limit(link_limit, scope="links")
def unsubscribe(token: str) -> ResponseReturnValue:
    """Stop updates (one click from a mail program, RFC 8058); for the holder of the link."""
    locale = str(get_locale())
    try:
        if request.method == "POST":
            signature = stop_updates(token)
            db.session.commit()
            return render_template("signing/unsubscribed.html", campaign=signature.campaign, locale=locale)
        signature = signature_for_unsubscribe(token)
    except (TokenInvalid, SignatureGone):
        return render_template("signing/link_problem.html", problem="invalid", locale=locale), 404
    return render_template("signing/unsubscribe.html", campaign=signature.campaign, locale=locale)


@bp.route("/withdraw/<token>", methods=["GET", "POST"], endpoint="withdraw")
@limiter.shared_limit(link_limit, scope="links")
def withdraw_signature(token: str) -> ResponseReturnValue:
    """GET asks, POST withdraws: a link opened by a mail scanner must never take a signature back."""
    form = ConfirmForm()
    locale = str(get_locale())
    try:
        if request.method == "POST" and form.validate_on_submit():
            campaign = withdraw(token)
            db.session.commit()
            return render_template("signing/withdrawn.html", campaign=campaign, locale=locale)
        signature = signature_from_link(Purpose.WITHDRAW, token)
    except (TokenInvalid, SignatureGone):
        return render_template("signing/link_problem.html", problem="invalid", locale=locale), 404
    return render_template("signing/withdraw.html", campaign=signature.campaign, form=form, locale=locale)


def _my_data_locale(signature: Signature | None = None) -> str:
    """The signer's own language, unless they chose another with ?lang= (the language switch)."""
    if request.args.get("lang") in LANGUAGES or signature is None:
        return str(get_locale())
    return signature.locale


def _receipts(signature: Signature) -> list[dict[str, Any]]:
    """A receipt for each letter record the signature is in (letters answers, through a signal)."""
    return [receipt for _receiver, receipts in receipts_wanted.send(signature) for receipt in receipts or ()]


@bp.route("/my-data/<token>", endpoint="my_data")
@limiter.shared_limit(link_limit, scope="links")
def my_data(token: str) -> ResponseReturnValue:
    """A signer's own data (GDPR article 15) as a page in their language, with a JSON download and a
    receipt for each letter their signature is in, checked in the browser; for the holder of the link.
    After a withdrawal (or the deletion of the data) a page that says nothing is held any more."""
    try:
        signature = signature_from_link(Purpose.MY_DATA, token)
    except SignatureGone:
        return render_template("signing/my_data_gone.html", locale=_my_data_locale()), 404
    except TokenInvalid:
        return render_template("signing/link_problem.html", problem="invalid", campaign=None, locale=_my_data_locale()), 404
    locale = _my_data_locale(signature)
    with force_locale(locale):
        return render_template(
            "signing/my_data.html", data=personal_data_of(signature), campaign=signature.campaign, token=token,
            signed_at=signature.created_at, confirmed_at=signature.confirmed_at, receipts=_receipts(signature), locale=locale,
        )


@bp.route("/my-data/<token>/data.json", endpoint="my_data_json")
@limiter.shared_limit(link_limit, scope="links")
def my_data_json(token: str) -> ResponseReturnValue:
    """The same data as a JSON download; for the holder of the link."""
    try:
        data = personal_data(token)
    except (TokenInvalid, SignatureGone):
        return jsonify({"error": "not_found"}), 404
    response = jsonify(data)
    response.headers["Content-Disposition"] = 'attachment; filename="my-signature.json"'
    return response


@bp.route("/my-data/<token>/receipts.json", endpoint="my_receipts")
@limiter.shared_limit(link_limit, scope="links")
def my_receipts(token: str) -> ResponseReturnValue:
    """The signer's receipts as JSON: for each letter record their signature is in, the leaf, its index
    and the audit path to the record's root (docs/verifiable-letters.md); for the holder of the link."""
    try:
        signature = signature_from_link(Purpose.MY_DATA, token)
    except (TokenInvalid, SignatureGone):
        return jsonify({"error": "not_found"}), 404
    return jsonify({"receipts": _receipts(signature)})
