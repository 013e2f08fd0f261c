"""The registry of recipients: organisations that campaigns address, shared by every campaign. Each has
a public page that keeps the score (campaigns addressed to it, its demands, answers and how long they
took, what is overdue), an Atom feed and a JSON form in the API; moderators keep the registry on the
pages of `admin_bp` and with `flask recipients import FILE.yaml`; organizers choose an entry in the
campaign editor or propose one."""
from flask import Blueprint

bp = Blueprint("recipients", __name__, url_prefix="/recipients")
# The moderators' pages of the registry: every answer is no-store (security.PRIVATE_BLUEPRINTS).
admin_bp = Blueprint("recipients_admin", __name__, url_prefix="/admin/recipients")

from . import routes, routes_admin  # noqa: E402,F401
