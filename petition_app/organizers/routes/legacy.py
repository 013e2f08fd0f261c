"""The addresses of the organizers' buttons before each change had an endpoint of its own
(`/recipients/<id>?action=edit`, `/letters?action=send`): a page loaded before a deploy, or a bookmarked
form, still works. Each address hands over to the endpoint of its action; nothing here decides anything.
Templates link to the endpoints themselves."""
from collections.abc import Callable
from functools import partial

from flask import abort, redirect, request, url_for
from flask.typing import ResponseReturnValue

from .. import bp
from ..forms import ButtonForm
from .common import ID, own_campaign, own_demand, own_recipient
from .dashboard import compile_letters
from .recipients import (
    add_demand_view,
    edit_demand,
    edit_recipient,
    move_demand_view,
    move_recipient_view,
    remove_demand_view,
    remove_recipient_view,
)

RECIPIENT_ACTIONS: dict[str, Callable[[str, int], ResponseReturnValue]] = {
    "edit": edit_recipient, "add_demand": add_demand_view, "remove": remove_recipient_view,
    "up": partial(move_recipient_view, direction="up"), "down": partial(move_recipient_view, direction="down"),
}
DEMAND_ACTIONS: dict[str, Callable[[str, int], ResponseReturnValue]] = {
    "edit": edit_demand, "remove": remove_demand_view,
    "up": partial(move_demand_view, direction="up"), "down": partial(move_demand_view, direction="down"),
}


@bp.route(f"/<slug>/recipients/<{ID}:recipient_id>", methods=["POST"])
def recipient_action(slug: str, recipient_id: int) -> ResponseReturnValue:
    """`?action=` edit, add_demand, up, down or remove of a recipient: that action's endpoint (an unknown
    action is a 400). The campaign's organizers only."""
    own_recipient(own_campaign(slug), recipient_id)
    return (RECIPIENT_ACTIONS.get(request.args.get("action", "")) or abort(400))(slug, recipient_id)


@bp.route(f"/<slug>/demands/<{ID}:demand_id>", methods=["POST"])
def demand_action(slug: str, demand_id: int) -> ResponseReturnValue:
    """`?action=` edit, up, down or remove of a demand: that action's endpoint (an unknown action is a
    400). The campaign's organizers only."""
    own_demand(own_campaign(slug), demand_id)
    return (DEMAND_ACTIONS.get(request.args.get("action", "")) or abort(400))(slug, demand_id)


@bp.route("/<slug>/letters", methods=["POST"])
def letters(slug: str) -> ResponseReturnValue:
    """The letters button: compiles them (organizers.compile_letters); `?action=send` sends nothing but
    leads to the page that shows what would go to whom. A published campaign's organizers only."""
    if request.args.get("action") != "send":
        return compile_letters(slug)
    campaign = own_campaign(slug)
    if not ButtonForm().validate_on_submit() or not campaign.is_public:
        abort(400)
    return redirect(url_for("organizers.send_letters_page", slug=slug), code=303)
