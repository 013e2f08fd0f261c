"""Stories and support: survivors share an experience anonymously, ask for support safely, or are only
counted; a campaign's story and support team screens, redacts and publishes with the author's approval;
the figures (never a group under 5) give the campaign's demands weight in its page and letters.
Sealed with STORIES_KEY (sealing.py): see docs/architecture.md, "Stories and support"."""
from flask import Blueprint
from flask.blueprints import BlueprintSetupState

bp = Blueprint("stories", __name__)


@bp.record_once
def _configure(state: BlueprintSetupState) -> None:
    # The key is checked when the app is made: production without STORIES_KEY does not start.
    sealing.configure(state.app)


from . import routes, routes_team, sealing, tasks  # noqa: E402,F401
