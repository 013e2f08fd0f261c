"""Every named state and every set of states, gathered for the templates: create_app makes each a
Jinja global (`CampaignStatus.OPEN`, `campaign.status in PUBLIC_STATUSES`), so that no template spells
a state's text again (tests/test_states.py parses the templates for one)."""
from enum import StrEnum

from . import abuse, recipients, revisions, statuses, stories

#: Every enum whose members a row or a form holds as its text.
STATE_ENUMS: tuple[type[StrEnum], ...] = (
    statuses.CampaignStatus, revisions.RevisionStatus, statuses.AnswerStatus, statuses.Role, statuses.SuspectReason,
    statuses.RejectionReason, abuse.ReviewFlag, abuse.ClusterKind, statuses.DeliveryKind, statuses.DeliveryStatus,
    statuses.OutboxStatus, stories.SubmissionStatus, stories.PublicationStatus, stories.TeamAction,
    stories.ContactMethod, stories.Place, stories.Category, stories.ContentNote,
    recipients.OrganisationStatus, recipients.DemandProgress,
)

#: What the templates see, by name: each enum, and each set of states that a rule defines.
TEMPLATE_STATES: dict[str, object] = {
    **{enum.__name__: enum for enum in STATE_ENUMS},
    "PUBLIC_STATUSES": statuses.PUBLIC_STATUSES,
    "EDITABLE_STATUSES": statuses.EDITABLE_STATUSES,
    "COUNTED_STATUSES": stories.COUNTED_STATUSES,
    "WAITING_FOR_CONTACT": stories.WAITING_FOR_CONTACT,
}
