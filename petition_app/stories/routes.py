"""The public pages of stories and support: the form (no account), the author's page behind the private
code, and the published stories (the team's pages are in routes_team.py). Every page of the blueprint
says no-store."""
from typing import Any

from flask import Response, abort, current_app, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask.typing import ResponseReturnValue

from ..campaigns.models import Campaign
from ..extensions import db, limiter
from ..ratelimits import link_limit, sign_limit
from . import bp, queries
from .figures import figures
from .forms import AuthorActionForm, CodeForm, MailCodeForm, StoryForm
from .models import StorySubmission
from .sealing import new_code
from .operations import NothingToApprove, approve, ask_changes, mail_code, submit, withdraw

STORY_PAGES_PER_CAMPAIGN = 3  # stories shown on the campaign page itself; the rest on the list


@bp.after_request
def no_store(response: Response) -> Response:
    """Nothing about stories is kept by a browser or a proxy: not the form, not a story, not the queue."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_context_processor
def stories_helpers() -> dict[str, Any]:
    return {
        "stories_on_page": stories_on_page,
        "stories_exit_url": lambda: current_app.config["STORIES_EXIT_URL"],
        "stories_is_team": lambda campaign: queries.is_team(campaign, current_user),
        "stories_in_menu": _in_menu,
    }


def _in_menu(campaign: Campaign) -> bool:
    """Whether the organizers' menu links to stories for the logged-in user (see `home`)."""
    if not current_user.is_authenticated:
        return False
    return queries.may_configure(campaign, current_user) or queries.membership(campaign.id, current_user.id) is not None


def stories_on_page(campaign: Campaign) -> dict[str, Any] | None:
    """What the campaign page shows of its stories (None when they are off): the figures, the newest
    published stories behind their content notes, and the link to the form."""
    settings = queries.enabled_settings(campaign)
    if settings is None:
        return None
    return {
        "settings": settings,
        "figures": figures(campaign.id),
        "stories": queries.published_stories(campaign.id, limit=STORY_PAGES_PER_CAMPAIGN),
        "published": queries.published_count(campaign.id),
    }


def _locale() -> str:
    return str(get_locale())


# ---------------------------------------------------------------- public: the form and the code


@bp.route("/campaigns/<slug>/stories/new", methods=["GET", "POST"])
@limiter.shared_limit(sign_limit, scope="stories", exempt_when=lambda: request.method == "GET")
def new(slug: str) -> ResponseReturnValue:
    """The form to share an experience, be counted or ask for support; for anyone, no account. Its
    answer is the private code, shown once."""
    found = queries.campaign_taking_stories(slug) or abort(404)
    campaign, settings = found
    form = StoryForm()
    if request.method == "GET":
        form.contact_language.data = _locale()
    if not form.validate_on_submit():
        return render_template("stories/new.html", campaign=campaign, settings=settings, form=form), 422 if form.is_submitted() else 200
    if form.website.data:  # only a bot fills in the hidden field: answered like anyone, nothing stored
        return render_template("stories/code.html", campaign=campaign, settings=settings, code=new_code(), submission=None, mail_form=None)
    submission, code = submit(campaign, settings, form.to_input())
    db.session.commit()
    return render_template(
        "stories/code.html", campaign=campaign, settings=settings, submission=submission, code=code,
        mail_form=MailCodeForm(code=code),
    )


@bp.route("/campaigns/<slug>/stories/mail-code", methods=["POST"])
@limiter.shared_limit(sign_limit, scope="stories")
def send_code(slug: str) -> ResponseReturnValue:
    """Mail the private code to an address the author types (not stored); for the author, right after
    sending the form. A code works only on its own campaign's path (elsewhere it is a 404, like a wrong
    code), and beyond the limits per code and per address nothing is mailed, with the same answer."""
    campaign, settings = queries.campaign_taking_stories(slug) or abort(404)
    form = MailCodeForm()
    found = queries.submission_for_code(form.code.data or "")
    if found is None or found.campaign_id != campaign.id:
        abort(404)
    if not form.validate_on_submit():
        return render_template("stories/code.html", campaign=campaign, settings=settings, code=form.code.data, mail_form=form, submission=None), 422
    mail_code(campaign, form.code.data, form.email.data, _locale())
    db.session.commit()
    return render_template("stories/code.html", campaign=campaign, settings=settings, code=form.code.data, mail_form=None, mailed=True, submission=None)


def _author_page(submission: StorySubmission, status: int = 200, **extra: Any) -> tuple[str, int]:
    campaign = submission.campaign
    return render_template(
        "stories/status.html", campaign=campaign, settings=queries.settings_of(campaign.id), submission=submission,
        redacted=queries.redacted_text(submission), code=extra.pop("code"), action_form=AuthorActionForm(), **extra,
    ), status


@bp.route("/stories/my-story", methods=["GET", "POST"])
@limiter.shared_limit(link_limit, scope="links", exempt_when=lambda: request.method == "GET")
def status() -> ResponseReturnValue:
    """The author's own page: type the private code to see where the story stands, read and approve the
    redacted version, or withdraw everything. A wrong code is a 404. For the holder of the code."""
    if request.method == "POST" and "action" in request.form:
        form = AuthorActionForm()
        if not form.validate_on_submit():
            abort(400)
        acted_on = queries.submission_for_code(form.code.data or "") or abort(404)
        return _author_action(acted_on, form.code.data, form.action.data)
    form = CodeForm()
    if not form.validate_on_submit():
        return render_template("stories/enter_code.html", form=form), 422 if form.is_submitted() else 200
    found = queries.submission_for_code(form.code.data)
    if found is None:
        return render_template("stories/enter_code.html", form=form, not_found=True), 404
    return _author_page(found, code=form.code.data)


def _author_action(submission: StorySubmission, code: str, action: str | None) -> ResponseReturnValue:
    campaign = submission.campaign
    if action == "withdraw":
        return _author_page(submission, code=code, confirm_withdraw=True)
    if action == "withdraw_confirmed":
        withdraw(submission)
        db.session.commit()
        return render_template("stories/withdrawn.html", campaign=campaign, settings=queries.settings_of(campaign.id))
    try:
        if action == "approve":
            approve(submission)
            message = _("Thank you. You approved this version; it is now shared as you chose.")
        elif action == "changes":
            ask_changes(submission)
            message = _("This version will not be shared. The team will look at it again.")
        else:
            abort(400)
    except NothingToApprove:
        return _author_page(submission, 409, code=code, message=_("This version has changed in the meantime; nothing was approved."))
    db.session.commit()
    return _author_page(submission, code=code, message=message)


# ---------------------------------------------------------------- public: published stories


@bp.route("/campaigns/<slug>/stories")
def index(slug: str) -> ResponseReturnValue:
    """Every story published for a campaign, each behind its content note; public, for anyone."""
    campaign, settings = queries.campaign_taking_stories(slug) or abort(404)
    return render_template(
        "stories/index.html", campaign=campaign, settings=settings, stories=queries.published_stories(campaign.id),
        figures=figures(campaign.id),
    )


@bp.route("/campaigns/<slug>/stories/<ref>")
def story(slug: str, ref: str) -> ResponseReturnValue:
    """One published story, behind its content note; public, for anyone."""
    campaign, settings = queries.campaign_taking_stories(slug) or abort(404)
    found = queries.published_story(campaign.id, ref) or abort(404)
    return render_template("stories/story.html", campaign=campaign, settings=settings, story=found)
