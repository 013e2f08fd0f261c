"""The campaign's row under concurrency: the counts that measure the goals (the one path to a milestone)
and the row lock that makes a check and the change it allows take turns. Operations flush; the request
or job around them commits."""
import logging
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..rules import goal_count, goals_crossed
from ..signals import goal_reached
from ..timeutil import utcnow
from .models import Campaign, Milestone

log = logging.getLogger(__name__)


def add_to_count(campaign: Campaign, online: int = 0, paper: int = 0, now: datetime | None = None) -> int:
    """Add to (or take from) the campaign's online and paper counts, atomically in the database, and
    return the count the goals are measured by. The one path to milestones for both kinds of signature:
    concurrent changes are serialised on the campaign row, so exactly one of them sees the count land
    on or pass each goal; that one records the milestone (a unique row) and announces it
    (signals.goal_reached: notifications and letters queue their jobs in this same transaction).
    Whether paper counts is read in the same statement. A lower count never takes a milestone back."""
    confirmed, paper_total, paper_counts = db.session.execute(
        update(Campaign)
        .where(Campaign.id == campaign.id)
        .values(confirmed_count=Campaign.confirmed_count + online, paper_count=Campaign.paper_count + paper)
        .returning(Campaign.confirmed_count, Campaign.paper_count, Campaign.paper_counts_toward_goals)
        .execution_options(synchronize_session=False)
    ).one()
    after = goal_count(confirmed, paper_total, paper_counts)
    before = goal_count(confirmed - online, paper_total - paper, paper_counts)
    reached = []
    for goal in goals_crossed(before, after, campaign.goals):
        try:
            with db.session.begin_nested():
                reached.append((goal, db.session.scalar(
                    insert(Milestone).values(campaign_id=campaign.id, goal=goal, reached_at=now or utcnow()).returning(Milestone.id)
                )))
        except IntegrityError:
            log.warning("milestone %s of campaign %s was already recorded", goal, campaign.id)
    # Announced only after the last savepoint: SQLAlchemy reports the release of a savepoint as a
    # commit (after_commit), which would hand the jobs of an earlier goal over before the real commit.
    for goal, milestone_id in reached:
        goal_reached.send(campaign.id, milestone_id=milestone_id, final=goal == campaign.goals[-1])
    return after



def lock(campaign_id: int) -> None:
    """Take the campaign's row for the rest of the transaction, so that a check and the change it allows
    (one update per interval, say) cannot both pass in two requests at once (issue 18). PostgreSQL:
    `SELECT ... FOR UPDATE`; SQLite has one write lock for the whole database, which its first write takes,
    so there a write that changes nothing takes it."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(Campaign.id).where(Campaign.id == campaign_id).with_for_update())
    else:
        db.session.execute(
            update(Campaign).where(Campaign.id == campaign_id).values(id=Campaign.id).execution_options(synchronize_session=False)
        )
