"""Every named state and every set of states, gathered for the templates: create_app makes each a
Jinja global (`CampaignStatus.OPEN`, `campaign.status in PUBLIC_STATUSES`), so that no template spells
a state's text again (tests/test_architecture.py greps the templates for one)."""
from enum import StrEnum

from .abuse import ClusterKind, ReviewFlag
from .revisions import RevisionStatus
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
)
from .stories import (
    COUNTED_STATUSES,
    WAITING_FOR_CONTACT,
    Category,
    ContactMethod,
    ContentNote,
    Place,
    PublicationStatus,
    SubmissionStatus,
    TeamAction,
)

#: Every enum whose members a row or a form holds as its text.
STATE_ENUMS: tuple[type[StrEnum], ...] = (
    CampaignStatus, RevisionStatus, AnswerStatus, Role, SuspectReason, RejectionReason, ReviewFlag, ClusterKind,
    DeliveryKind, DeliveryStatus, OutboxStatus, SubmissionStatus, PublicationStatus, TeamAction, ContactMethod,
    Place, Category, ContentNote,
)

#: What the templates see, by name: each enum, and each set of states that a rule defines.
TEMPLATE_STATES: dict[str, object] = {
    **{enum.__name__: enum for enum in STATE_ENUMS},
    "PUBLIC_STATUSES": PUBLIC_STATUSES,
    "EDITABLE_STATUSES": EDITABLE_STATUSES,
    "COUNTED_STATUSES": COUNTED_STATUSES,
    "WAITING_FOR_CONTACT": WAITING_FOR_CONTACT,
}
