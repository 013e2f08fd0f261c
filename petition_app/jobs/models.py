from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..columns import EnumText
from ..extensions import Model, db
from ..rules.statuses import OutboxStatus, check_in
from ..timeutil import utcnow


class OutboxJob(Model):
    """A job written in the same transaction as the change that causes it: the record of what is owed.

    After the commit it is handed to RQ (or run in-process); Redis only rings the bell. The row stays
    until the job has run to the end (then it goes in the job's own commit) or has failed every try
    (then it is GIVEN_UP, with its last error, for the moderators). A run claims the row for
    JOB_LEASE_SECONDS first, so two copies never run at once; a row that is owed, not claimed, not
    waiting for its next try and not waiting in RQ is handed over again by the periodic reconciliation
    (jobs/schedule.py), whatever Redis lost or never received."""

    __tablename__ = "outbox_jobs"
    __table_args__ = (
        CheckConstraint(check_in("status", OutboxStatus), name="status"),
        Index("ix_outbox_jobs_owed", "status", "not_before"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(String(200))
    args: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow, index=True)
    #: runs started (a claim counts one); the retry intervals decide when it is given up
    attempts: Mapped[int] = mapped_column(default=0)
    status: Mapped[OutboxStatus] = mapped_column(EnumText(OutboxStatus, 16), default=OutboxStatus.PENDING, server_default=OutboxStatus.PENDING.value)
    #: a run holds the row until then (it died if the time passed and the row is still here)
    claimed_until: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    #: the next try is not before then (after a failure, by the job's retry intervals)
    not_before: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(300))
    #: mails its runs have sent so far, written the moment the server accepted each (jobs/progress.py)
    mails_sent: Mapped[int] = mapped_column(default=0, server_default="0")
