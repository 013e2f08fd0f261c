"""Columns that hold a named state (rules.statuses, rules.stories, ...): stored as the enum's text in a
plain VARCHAR (so the check constraints, the migrations and raw SQL see the same strings as before),
read back as the enum member, and refused before they reach the database when the text is no member.

A column typed `Mapped[CampaignStatus]` with this type is what lets mypy refuse
`campaign.status = "closd"`, and the bind check refuses it at run time too (also on SQLite)."""
from enum import StrEnum
from typing import Any, Generic, TypeVar

from sqlalchemy import String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

E = TypeVar("E", bound=StrEnum)


class EnumText(TypeDecorator[E], Generic[E]):
    """A StrEnum stored as its value. `length` is the VARCHAR's, as the migrations made it."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[E], length: int) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return self.enum(value).value  # ValueError for a text that names no state

    def process_result_value(self, value: Any, dialect: Dialect) -> E | None:
        return None if value is None else self.enum(value)
