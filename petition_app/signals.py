"""Events one domain announces and others act on, so that a lower layer never imports a higher one
(as Indico's signals do). Receivers connect when their module is imported; every domain package
imports its `tasks` module, and `petition_app.models` imports every domain."""
from blinker import Namespace

_signals = Namespace()

#: A confirmation raised a campaign's count onto a goal. Sent by signing inside the confirming
#: transaction (so receivers may enqueue jobs after its commit), with sender=campaign id and
#: keyword arguments `milestone_id` and `final` (True for the campaign's last goal).
goal_reached = _signals.signal("goal-reached")

#: A campaign file was imported (`flask campaign import`, `flask demo`), after its campaign is flushed:
#: sender=the campaign, keyword argument `data` (the whole file as read). Stories read their
#: `stories:` section from it; campaigns itself knows nothing of the domains above it.
campaign_file_imported = _signals.signal("campaign-file-imported")
