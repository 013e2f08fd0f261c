import hashlib
import hmac
import time

from flask import Response, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from flask.typing import ResponseReturnValue

from ..extensions import db, limiter
from ..rules import EmailInvalid, normalise_email
from ..rules.paths import local_path
from ..tokens import TokenInvalid
from . import LOGIN_AT, bp
from .forms import ButtonForm, LoginForm, RegisterForm, ResetForm, ResetRequestForm
from .operations import confirm_account, end_sessions, register, request_password_reset, reset_password
from .queries import authenticate, user_for_reset
from .models import User

# Login throttling counts failed attempts only (a 422), so the owner's own logins never use it up.
# Per account and client address together, with growing waits: after 5 failures within a minute the
# next try waits for the minute to end, after 10 within 15 minutes for those 15 minutes, after 30 in a
# day for the day. An attacker guessing from one address never locks the owner out of theirs.
LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS = "5 per minute; 10 per 15 minutes; 30 per day"
# And a short limit per client address, whatever account is tried (one address spraying many accounts).
LOGIN_LIMIT_PER_ADDRESS = "10 per minute; 50 per hour"


def safe_next(default: str) -> str:
    """Only a path on this site: `next` may never send someone to another host (rules.paths)."""
    return local_path(request.args.get("next")) or default


def next_path() -> str | None:
    """The page a person was on their way to (`?next=`, a path on this site only): it goes along from
    the login page to registering, into the confirmation mail and back to the login, so that someone
    without an account still lands where they were going (a new campaign, an invitation)."""
    return local_path(request.args.get("next"))


def landing(user: User) -> str:
    """The endpoint a login leads to without a `next`: moderators to the review queue, organizers to their
    campaigns."""
    return "admin.queue" if user.is_admin else "organizers.dashboard_home"


def login_failed(response: Response) -> bool:
    return response.status_code == 422


def login_account_key() -> str:
    """The account typed (as a keyed hash: no address is kept in the limiter's storage) and the client
    address, together."""
    typed = request.form.get("email") or ""
    try:
        account = normalise_email(typed)
    except EmailInvalid:
        account = typed.strip().lower()[:254]
    key = hashlib.sha256(b"login-throttle:" + current_app.config["SECRET_KEY"].encode()).digest()
    digest = hmac.new(key, account.encode(), hashlib.sha256).hexdigest()[:32]
    return f"login:{digest}:{get_remote_address()}"


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def register_account() -> ResponseReturnValue:
    """Create an organizer account (then confirm the address by mail); for anyone."""
    form = RegisterForm()
    if form.validate_on_submit():
        register(form.name.data, form.email.data, form.password.data, str(get_locale()), next_path())
        db.session.commit()
        return render_template("accounts/check_your_email.html")
    return render_template("accounts/register.html", form=form, next_path=next_path()), 422 if form.is_submitted() else 200


@bp.route("/confirm/<token>", methods=["GET", "POST"], endpoint="confirm")
def confirm(token: str) -> ResponseReturnValue:
    """GET shows a button; the POST confirms (a mail scanner opening the link confirms nothing). The
    login comes next, and from there the page the person was going to when they registered (`next`)."""
    form = ButtonForm()
    going_to = next_path()
    if request.method == "POST" and form.validate_on_submit():
        try:
            confirm_account(token)
            db.session.commit()
        except TokenInvalid:
            return render_template("signing/link_problem.html", problem="invalid"), 404
        flash(_("Your account is confirmed. You can log in now."))
        return redirect(url_for("accounts.login", next=going_to))
    return render_template("accounts/confirm.html", form=form, action=url_for("accounts.confirm", token=token, next=going_to))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT_PER_ADDRESS, methods=["POST"], deduct_when=login_failed)
@limiter.limit(LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS, methods=["POST"], key_func=login_account_key, deduct_when=login_failed)
def login() -> ResponseReturnValue:
    """Log in with a confirmed account (moderators land on the review queue, organizers on their
    campaigns); for anyone, failures throttled per account and client address
    together and per client address."""
    if current_user.is_authenticated:
        return redirect(url_for(landing(current_user)))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            lang = session.get("lang")
            session.clear()  # a fresh session at login: nothing from before survives (session fixation)
            if lang:
                session["lang"] = lang
            login_user(user)
            session[LOGIN_AT] = time.time()  # the session ends ACCOUNT_SESSION_LIFETIME after this
            return redirect(safe_next(url_for(landing(user))))
        form.password.errors.append(_("This email address and password do not match an active account."))
        return render_template("accounts/login.html", form=form, next_path=next_path()), 422
    return render_template("accounts/login.html", form=form, next_path=next_path()), 422 if form.is_submitted() else 200


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> ResponseReturnValue:
    """End every session of the account, on every device; for logged-in users, by a POST with its CSRF token."""
    form = ButtonForm()
    if not form.validate_on_submit():
        abort(400)
    end_sessions(current_user._get_current_object())
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are logged out."))
    return redirect(url_for("campaigns.index"))


@bp.route("/reset", methods=["GET", "POST"], endpoint="reset_request")
@limiter.limit("5 per hour", methods=["POST"])
def reset_request() -> ResponseReturnValue:
    """Ask for a password-reset link; for anyone (the answer is the same whether the address has an account)."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        request_password_reset(form.email.data)
        db.session.commit()
        return render_template("accounts/check_your_email.html")
    return render_template("accounts/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"], endpoint="reset")
def reset(token: str) -> ResponseReturnValue:
    """Choose a new password through a reset link; for the holder of the link, which works once. Every
    session of the account ends, wherever it was opened."""
    form = ResetForm()
    try:
        user_for_reset(token)
        if form.validate_on_submit():
            reset_password(token, form.password.data)
            db.session.commit()
            flash(_("Your new password is saved. You can log in now."))
            return redirect(url_for("accounts.login"))
    except TokenInvalid:
        return render_template("signing/link_problem.html", problem="invalid"), 404
    return render_template("accounts/reset.html", form=form), 422 if form.is_submitted() else 200
