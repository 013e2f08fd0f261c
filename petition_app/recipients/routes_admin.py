"""The moderators' pages of the registry of recipients: every entry, its change log, the changes
waiting for review (a new proposal, a new address) shown with the address before and after, and the
forms to create and edit entries. Moderators only (403 for anyone else); never stored (no-store)."""
from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from . import admin_bp as bp
from .forms import ApproveChangeForm, EditOrganisationForm, OrganisationForm, RejectChangeForm, compare_rows
from .models import Organisation
from .operations import ChangeOutdated, KeyTaken, approve_change, create_organisation, reject_change, update_organisation
from .queries import all_entries, entry_by_key, pending_change, pending_changes


@bp.before_request
@login_required
def require_admin() -> None:
    """Moderators only; anyone else who guesses the address gets a 403."""
    if not current_user.is_admin:
        abort(403)


def entry_or_404(key: str) -> Organisation:
    return entry_by_key(key) or abort(404)


def entry_page(organisation: Organisation, reject_form: RejectChangeForm | None = None) -> str:
    """The entry's page; a refusal sent without its reason comes back with it (`reject_form`)."""
    waiting = pending_change(organisation)
    number = waiting.number if waiting else None
    return render_template(
        "recipients/admin_entry.html", organisation=organisation, waiting=waiting,
        waiting_rows=compare_rows(waiting.before, waiting.after) if waiting else [],
        current_rows=compare_rows(None, organisation.content()),
        approve_form=ApproveChangeForm(formdata=None, number=number),
        reject_form=reject_form or RejectChangeForm(formdata=None, number=number), sent_form=reject_form,
    )


@bp.route("/")
def index() -> ResponseReturnValue:
    """Every entry of the registry (proposed ones first) and the changes waiting for review; moderators only."""
    return render_template("recipients/admin_index.html", entries=all_entries(), waiting=pending_changes())


@bp.route("/new", methods=["GET", "POST"])
def new() -> ResponseReturnValue:
    """Add an entry to the registry, approved at once; moderators only."""
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            organisation = create_organisation(form.key.data, form.fields(), current_user)
        except KeyTaken:
            form.key.errors = [*form.key.errors, _("Another recipient already has this key.")]
        else:
            db.session.commit()
            flash(_("%(name)s is in the registry.", name=organisation.name(str(get_locale()))))
            return redirect(url_for("recipients_admin.entry", key=organisation.key))
    return render_template("recipients/admin_form.html", form=form, organisation=None), 422 if form.errors else 200


@bp.route("/<key>/edit", methods=["GET", "POST"])
def edit(key: str) -> ResponseReturnValue:
    """Change an entry: names, salutations, language and website at once; a new address waits for review.
    Moderators only."""
    organisation = entry_or_404(key)
    form = EditOrganisationForm(obj=organisation)
    if form.validate_on_submit():
        change = update_organisation(organisation, form.fields(), current_user)
        db.session.commit()
        if change is None:
            flash(_("Nothing changed."))
        elif change.address_changed:
            flash(_("The new address waits for review; letters go to the old one until it is approved."))
        else:
            flash(_("Saved."))
        return redirect(url_for("recipients_admin.entry", key=organisation.key))
    return render_template("recipients/admin_form.html", form=form, organisation=organisation), 422 if form.errors else 200


@bp.route("/<key>")
def entry(key: str) -> ResponseReturnValue:
    """One entry with its address, salutations and change log; a change waiting is shown before and after,
    side by side, with the forms to approve or refuse it. Moderators only."""
    return entry_page(entry_or_404(key))


@bp.route("/<key>/approve", methods=["POST"])
def approve(key: str) -> ResponseReturnValue:
    """Approve the change the moderator read (a proposed entry, a new address); moderators only."""
    organisation = entry_or_404(key)
    form = ApproveChangeForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        approve_change(organisation, form.number.data, current_user)
        db.session.commit()
        flash(_("Approved: letters to %(name)s go to this address.", name=organisation.name(str(get_locale()))))
    except ChangeOutdated:
        flash(_("The entry was changed after you read it: read it again."))
    return redirect(url_for("recipients_admin.entry", key=organisation.key))


@bp.route("/<key>/reject", methods=["POST"])
def reject(key: str) -> ResponseReturnValue:
    """Refuse the change the moderator read, with a reason for the log; moderators only."""
    organisation = entry_or_404(key)
    form = RejectChangeForm()
    if not form.validate_on_submit():
        return entry_page(organisation, form), 422
    try:
        reject_change(organisation, form.number.data, current_user, form.note.data.strip())
        db.session.commit()
        flash(_("Refused; the address stays as it was."))
    except ChangeOutdated:
        flash(_("The entry was changed after you read it: read it again."))
    return redirect(url_for("recipients_admin.entry", key=organisation.key))
