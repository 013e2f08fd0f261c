"""Pure rules: plain functions with no Flask and no database, so they can be reasoned about and tested alone."""
from .abuse import is_blocked, parse_networks
from .emails import EmailInvalid, normalise_email, uniqueness_key
from .goals import goal_count, goals_crossed, next_goal, progress_percent, validate_goals
from .periods import accepts_confirmations, accepts_signatures, closing_moment
from .filters import has_a_filter
from .languages import DEFAULT_LANGUAGE, LANGUAGES, other_language
from .statuses import (
    EDITABLE_STATUSES,
    PUBLIC_STATUSES,
    AnswerStatus,
    CampaignStatus,
    DeliveryKind,
    DeliveryStatus,
    OutboxStatus,
    RejectionReason,
    Role,
    SuspectReason,
    check_in,
)
from .text import contains_link, invisible, neutralise_cell, unsafe_text_reason

__all__ = [
    "is_blocked",
    "parse_networks",
    "EmailInvalid",
    "normalise_email",
    "uniqueness_key",
    "goal_count",
    "goals_crossed",
    "next_goal",
    "progress_percent",
    "validate_goals",
    "accepts_confirmations",
    "accepts_signatures",
    "closing_moment",
    "unsafe_text_reason",
    "contains_link",
    "invisible",
    "neutralise_cell",
    "has_a_filter",
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "other_language",
    "EDITABLE_STATUSES",
    "PUBLIC_STATUSES",
    "AnswerStatus",
    "CampaignStatus",
    "DeliveryKind",
    "DeliveryStatus",
    "OutboxStatus",
    "RejectionReason",
    "Role",
    "SuspectReason",
    "check_in",
]
