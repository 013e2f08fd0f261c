"""Jobs for letters: compiling a set (when the last goal is reached, or when organizers ask), mailing
each recipient its letters, and emptying the letters of purged campaigns."""
from sqlalchemy import update

from .. import mail
from ..extensions import db
from ..jobs import enqueue_after_commit, job
from ..timeutil import utcnow
from . import operations
from .mailing import handover_message
from .models import Handover


def compile_at_the_goal(campaign_id: int, milestone_id: int, final: bool) -> None:
    """Receiver of signals.goal_reached (connected in create_app): at the last goal the letters are
    compiled with this count, after the confirming commit."""
    if final:
        enqueue_after_commit(compile_letters, campaign_id)


@job("default")
def compile_letters(campaign_id: int) -> None:
    """Each run adds a fresh set of letters with the count of that moment; running twice only adds a set."""
    operations.compile_letter_set(campaign_id)


@job("mail", retry="MAIL_RETRY_INTERVALS")
def deliver_handover(handover_id: int) -> bool:
    """Mail a recipient its letters (both languages attached) and the private link to answer them.
    Skips a hand-over already sent, so the job can run twice."""
    handover = db.session.get(Handover, handover_id)
    if handover is None or handover.sent_at is not None:
        return False
    mail.send([handover_message(handover)])
    db.session.execute(update(Handover).where(Handover.id == handover_id).values(sent_at=utcnow()))
    return True


@job("default")
def empty_purged_letters() -> int:
    """Periodic: letters of campaigns whose signers were deleted lose their PDF (the annex names people)."""
    return operations.empty_purged_letters()
