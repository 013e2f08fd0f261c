"""A recipient's private answer page; the signed link is the only key to it."""
from flask import abort, render_template, request
from flask_babel import gettext as _
from flask.typing import ResponseReturnValue

from ..extensions import db, limiter
from ..ratelimits import link_limit
from ..rules import LANGUAGES
from ..tokens import TokenInvalid
from . import bp
from .forms import answer_form
from .operations import mark_opened, save_answers
from .queries import recipient_for_token


@bp.route("/respond/<token>", methods=["GET", "POST"], endpoint="respond")
@limiter.shared_limit(link_limit, scope="links")
def respond(token: str) -> ResponseReturnValue:
    """A recipient's own page: its letter's demands, each with an answer. The private link is the key."""
    try:
        recipient = recipient_for_token(token)
    except TokenInvalid:
        abort(404)
    demands = list(recipient.demands)
    if request.method == "GET":
        mark_opened(recipient)
        db.session.commit()
        given = [demand.answer.language for demand in demands if demand.answer is not None and demand.answer.language]
        data = {"language": given[0] if given else recipient.language}
        for demand in demands:
            if demand.answer is not None:
                data[f"status_{demand.id}"] = demand.answer.status
                data[f"text_{demand.id}"] = demand.answer.text
                data[f"translation_{demand.id}"] = demand.answer.translation
        form = answer_form(demands, data=data)
        return render_template("responses/respond.html", recipient=recipient, form=form, saved=False)
    form = answer_form(demands)
    if not form.validate_on_submit():
        return render_template("responses/respond.html", recipient=recipient, form=form, saved=False), 422
    answers = {
        demand.id: (status.data or "", (text.data or "").strip()) for demand, status, text in form.demand_fields
    }
    language = form.language.data if form.language.data in LANGUAGES else recipient.language
    translations = {demand_id: (field.data or "").strip() for demand_id, field in form.translation_fields.items()}
    save_answers(recipient, answers, language, translations)
    db.session.commit()
    return render_template("responses/respond.html", recipient=recipient, form=form, saved=True, notice=_("Your answers are saved and shown on the campaign page."))
