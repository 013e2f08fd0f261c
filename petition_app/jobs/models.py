from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model, db
from ..timeutil import utcnow


class OutboxJob(Model):
    """A job written in the same transaction as the change that causes it. After the commit it is
    handed to RQ (or run in-process) and deleted; if Redis is down at that moment the row stays, and
    the workers' periodic hand-over (jobs/schedule.py) sends it once Redis is back. So no committed
    change ever loses its mail."""

    __tablename__ = "outbox_jobs"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(String(200))
    args: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
