"""Events one domain announces and others act on, so that a lower layer never imports a higher one
(as Indico's signals do). Every receiver is connected in one place, `petition_app.register_receivers`,
which create_app calls: importing a module connects nothing, and that list says who listens."""
from blinker import Namespace

_signals = Namespace()

#: A change of a campaign's count landed on or passed a goal. Sent by campaigns.operations.add_to_count,
#: the one path to milestones for confirmed online signatures and recorded paper ones alike, inside
#: the transaction that raised the count and recorded the milestone (so receivers may enqueue jobs
#: after its commit), with sender=campaign id and keyword arguments `milestone_id` and `final` (True
#: for the campaign's last goal). Receivers: notifications (announce to the signers) and letters
#: (compile them at the last goal).
goal_reached = _signals.signal("goal-reached")

#: A campaign file was imported (`flask campaign import`, `flask demo`), after its campaign is flushed:
#: sender=the campaign, keyword argument `data` (the whole file as read). Stories read their
#: `stories:` section from it; campaigns itself knows nothing of the domains above it.
campaign_file_imported = _signals.signal("campaign-file-imported")

#: A signer opened their own data page (or its receipts.json): sender=the signature. Each receiver
#: returns a list of receipts (dicts) that the page lists. Receiver: letters (a receipt for each letter
#: record the signature is in, issue 22), which sits above signing and so cannot be imported by it.
receipts_wanted = _signals.signal("receipts-wanted")
