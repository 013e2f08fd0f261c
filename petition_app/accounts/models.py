import secrets
from datetime import datetime

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..columns import EnumText
from ..extensions import Model, db
from ..rules import Role, check_in
from ..timeutil import utcnow


campaign_organizers = Table(
    "campaign_organizers",
    db.metadata,
    Column("campaign_id", ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


def new_secret() -> str:
    """A random per-row secret (192 bits), for the links in mails and for the sessions of an account."""
    return secrets.token_urlsafe(24)


def hash_password(password: str) -> str:
    """PASSWORD_HASH_METHOD (production: scrypt) with a random salt. Also called only for its cost, so that
    a request about an address that has an account takes as long as one about an address that has none."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


class User(UserMixin, Model):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(check_in("role", Role), name="role"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(EnumText(Role, 16), default=Role.ORGANIZER)
    locale: Mapped[str] = mapped_column(String(2), default="nl")
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    email_confirmed_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    # Bound into every link mailed to the account (confirm the address, reset the password); a new
    # password draws a new one, so no earlier link works after it.
    token_secret: Mapped[str] = mapped_column(String(64), default=new_secret)
    # Part of the id in every session of the account (get_id); drawing a new one ends them all.
    session_secret: Mapped[str] = mapped_column(String(64), default=new_secret)

    campaigns = relationship("Campaign", secondary=campaign_organizers, back_populates="organizers")

    def set_password(self, password: str) -> None:
        """A new password also voids every link mailed before it and ends every session."""
        self.password_hash = hash_password(password)
        self.token_secret = new_secret()
        self.end_sessions()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def end_sessions(self) -> None:
        """Every session of this account stops working on its next request (see accounts.load_user)."""
        self.session_secret = new_secret()

    def get_id(self) -> str:
        """What Flask-Login keeps in the session: the id and the current session secret."""
        return f"{self.id}:{self.session_secret}"

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_active(self) -> bool:
        """Only a confirmed address can log in: nobody can act in someone else's name."""
        return self.email_confirmed_at is not None
