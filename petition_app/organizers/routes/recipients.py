"""The recipients of a draft and their demands: one page, and one endpoint per change (edit, add a
demand, move up or down, remove). Each change passes the operations' check of the campaign's state;
a form sent with a mistake comes back open on the page. The campaign's organizers only."""
from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from ...campaigns.models import Campaign, Demand, Recipient
from ...recipients.models import Organisation
from ...extensions import db
from ...recipients.forms import ProposeForm, SearchForm
from ...recipients.operations import KeyTaken, propose_organisation
from ...recipients.queries import approved_entries, approved_entry, search_entries
from .. import bp
from ..forms import ButtonForm, DemandForm, RecipientForm
from ..guards import CampaignLocked, ensure_editable
from ..operations import (
    AlreadyAddressed,
    add_demand,
    add_registry_recipient,
    add_recipient,
    move_demand,
    move_recipient,
    remove_demand,
    remove_recipient,
    slugify,
    update_demand,
    update_recipient,
)
from .common import ID, back_to_draft, confirmed, own_campaign, own_demand, own_recipient, refused


#: The fields of the proposal form start with this (the page also holds the form of a plain recipient).
PROPOSE = "propose"


@bp.route("/<slug>/recipients", methods=["GET", "POST"])
def recipients(slug: str) -> ResponseReturnValue:
    """The recipients and their demands, with a form to add a recipient; the campaign's organizers only."""
    campaign = own_campaign(slug)
    form = RecipientForm()
    if form.validate_on_submit():
        return change(campaign, None, lambda: add_recipient(
            campaign, form.name.data, form.email.data, form.language.data, form.texts()))
    return recipients_page(campaign, form, status=422 if form.is_submitted() else 200)


def recipients_page(campaign: Campaign, form: RecipientForm | None = None, failed: tuple[str, FlaskForm] | None = None,
                    status: int = 200, propose_form: ProposeForm | None = None) -> ResponseReturnValue:
    """The recipients page: the form to add a recipient (`form`), and a form to edit each recipient and
    each demand and to add a demand, keyed by the prefix of its fields' ids. `failed` is (prefix, form)
    when that form came back with errors: the page shows it open, with what was typed (422)."""
    try:
        ensure_editable(campaign)
    except CampaignLocked as exc:
        return refused(campaign, exc)
    edit_forms: dict[str, FlaskForm] = {}
    for recipient in campaign.recipients:
        edit_forms[f"r{recipient.id}-"] = RecipientForm(formdata=None, obj=recipient)
        edit_forms[f"new-{recipient.id}-"] = DemandForm(formdata=None)
        edit_forms.update({f"d{demand.id}-": DemandForm(formdata=None, obj=demand) for demand in recipient.demands})
    sent_prefix, sent_form = failed or ("", None)
    if sent_form is not None:
        edit_forms[sent_prefix] = sent_form
    search = SearchForm(request.args)
    query = search.q.data if search.validate() else ""
    return render_template(
        "organizers/recipients.html", campaign=campaign, form=RecipientForm(formdata=None) if form is None else form,
        edit_forms=edit_forms, sent_prefix=sent_prefix, sent_form=sent_form if sent_form is not None else propose_form,
        search=search, found=search_entries(query) if query else [], searched=bool(query), registry=approved_entries(),
        propose_form=propose_form or ProposeForm(formdata=None, prefix=PROPOSE),
    ), status


@bp.route("/<slug>/recipients/choose", methods=["POST"])
def choose_recipient(slug: str) -> ResponseReturnValue:
    """Address the campaign to an entry of the registry (chosen from the search): its name, salutations
    and address come from the registry, the organizers write the demands. The campaign's organizers only."""
    campaign = own_campaign(slug)
    if not ButtonForm().validate_on_submit():
        abort(400)
    organisation = approved_entry(request.form.get("organisation", ""))
    if organisation is None:
        abort(404)
    try:
        return change(campaign, None, lambda: add_registry_recipient(campaign, organisation))
    except AlreadyAddressed:
        flash(_("The campaign is already addressed to %(name)s.", name=organisation.name(campaign.organizer_language)))
        return redirect(url_for("organizers.recipients", slug=campaign.slug))


@bp.route("/<slug>/recipients/propose", methods=["POST"])
def propose_recipient(slug: str) -> ResponseReturnValue:
    """Propose a recipient missing from the registry and address the campaign to it: a moderator reviews
    its address (shown on the approval page) before the campaign can be published. The campaign's
    organizers only."""
    campaign = own_campaign(slug)
    form = ProposeForm(prefix=PROPOSE)
    if not form.validate_on_submit():
        return recipients_page(campaign, status=422, propose_form=form)
    taken = {key for key in db.session.scalars(db.select(Organisation.key))}
    key = slugify(form.name_en.data or form.name_nl.data, taken)[:40].strip("-")
    try:
        organisation = propose_organisation(key, form.fields(), current_user)
    except (KeyTaken, ValueError):
        form.name_en.errors = [*form.name_en.errors, _("Choose another name: this one cannot be used as an address.")]
        return recipients_page(campaign, status=422, propose_form=form)
    flash(_("Thank you. A moderator checks the address of %(name)s before the campaign is published.", name=organisation.name(campaign.organizer_language)))
    return change(campaign, None, lambda: add_registry_recipient(campaign, organisation))


def change(campaign: Campaign, anchor: str | None, operation: Callable[[], bool]) -> ResponseReturnValue:
    """Every change on the recipients page: the operation refuses what the campaign's state does not
    allow; what it did is committed, the organizer told if the campaign went back to draft, and the
    page shown again at the recipient changed (`anchor`)."""
    try:
        withdrawn = operation()
        db.session.commit()
    except CampaignLocked as exc:
        return refused(campaign, exc)
    back_to_draft(withdrawn)
    return redirect(url_for("organizers.recipients", slug=campaign.slug, _anchor=anchor))


def recipient_button(slug: str, recipient_id: int, operation: Callable[[Recipient], bool]) -> ResponseReturnValue:
    """A button (move, remove) of one of the campaign's recipients: it sends nothing but the CSRF token,
    and without a valid one nothing happens (400)."""
    campaign = own_campaign(slug)
    recipient = own_recipient(campaign, recipient_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    return change(campaign, f"r{recipient.id}", lambda: operation(recipient))


def demand_button(slug: str, demand_id: int, operation: Callable[[Demand], bool]) -> ResponseReturnValue:
    """A button (move, remove) of one of the campaign's demands, like recipient_button."""
    campaign = own_campaign(slug)
    demand = own_demand(campaign, demand_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    return change(campaign, f"r{demand.recipient_id}", lambda: operation(demand))


@bp.route(f"/<slug>/recipients/<{ID}:recipient_id>/edit", methods=["POST"])
def edit_recipient(slug: str, recipient_id: int) -> ResponseReturnValue:
    """Correct a recipient's names, address, language and salutations; the campaign's organizers only."""
    campaign = own_campaign(slug)
    recipient = own_recipient(campaign, recipient_id)
    form = RecipientForm()
    if not form.validate_on_submit():
        return recipients_page(campaign, failed=(f"r{recipient.id}-", form), status=422)
    return change(campaign, f"r{recipient.id}", lambda: update_recipient(
        recipient, form.name.data, form.email.data, form.language.data, form.texts()))


@bp.route(f"/<slug>/recipients/<{ID}:recipient_id>/demands", methods=["POST"], endpoint="add_demand")
def add_demand_view(slug: str, recipient_id: int) -> ResponseReturnValue:
    """Add a demand, in both languages, to a recipient; the campaign's organizers only."""
    campaign = own_campaign(slug)
    recipient = own_recipient(campaign, recipient_id)
    form = DemandForm()
    if not form.validate_on_submit():
        return recipients_page(campaign, failed=(f"new-{recipient.id}-", form), status=422)
    return change(campaign, f"r{recipient.id}", lambda: add_demand(recipient, form.text_nl.data, form.text_en.data))


@bp.route(f"/<slug>/recipients/<{ID}:recipient_id>/<any(up, down):direction>", methods=["POST"], endpoint="move_recipient")
def move_recipient_view(slug: str, recipient_id: int, direction: str) -> ResponseReturnValue:
    """Move a recipient one place up or down (the order of the page and of the letters); the campaign's
    organizers only."""
    return recipient_button(slug, recipient_id, lambda recipient: move_recipient(recipient, direction))


@bp.route(f"/<slug>/recipients/<{ID}:recipient_id>/remove", methods=["POST"], endpoint="remove_recipient")
def remove_recipient_view(slug: str, recipient_id: int) -> ResponseReturnValue:
    """Take a recipient and its demands off the campaign; the campaign's organizers only. The first
    POST shows a confirmation page that names the recipient and lists the demands that go with it;
    only that page's button (with `confirm`) removes them."""
    if not confirmed():
        campaign = own_campaign(slug)
        recipient = own_recipient(campaign, recipient_id)
        if not ButtonForm().validate_on_submit():
            abort(400)
        try:
            ensure_editable(campaign)
        except CampaignLocked as exc:
            return refused(campaign, exc)
        return render_template("organizers/confirm_remove_recipient.html", campaign=campaign, recipient=recipient)
    return recipient_button(slug, recipient_id, remove_recipient)


@bp.route(f"/<slug>/demands/<{ID}:demand_id>/edit", methods=["POST"])
def edit_demand(slug: str, demand_id: int) -> ResponseReturnValue:
    """Change a demand's text in both languages; the campaign's organizers only."""
    campaign = own_campaign(slug)
    demand = own_demand(campaign, demand_id)
    form = DemandForm()
    if not form.validate_on_submit():
        return recipients_page(campaign, failed=(f"d{demand.id}-", form), status=422)
    return change(campaign, f"r{demand.recipient_id}", lambda: update_demand(demand, form.text_nl.data, form.text_en.data))


@bp.route(f"/<slug>/demands/<{ID}:demand_id>/<any(up, down):direction>", methods=["POST"], endpoint="move_demand")
def move_demand_view(slug: str, demand_id: int, direction: str) -> ResponseReturnValue:
    """Move a demand one place up or down; the campaign's organizers only."""
    return demand_button(slug, demand_id, lambda demand: move_demand(demand, direction))


@bp.route(f"/<slug>/demands/<{ID}:demand_id>/remove", methods=["POST"], endpoint="remove_demand")
def remove_demand_view(slug: str, demand_id: int) -> ResponseReturnValue:
    """Take a demand off its recipient; the campaign's organizers only."""
    return demand_button(slug, demand_id, remove_demand)
