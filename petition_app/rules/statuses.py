"""Named states, each with one home. Values are the strings stored in the database, so a status
compares equal to its text and the check constraints are written from these enums."""
from enum import StrEnum


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    PENDING = "pending"  # submitted; waits for a moderator
    OPEN = "open"  # published, takes signatures
    CLOSED = "closed"  # published, no longer takes signatures
    HIDDEN = "hidden"  # taken offline by a moderator


#: Statuses a visitor can see.
PUBLIC_STATUSES: tuple[CampaignStatus, ...] = (CampaignStatus.OPEN, CampaignStatus.CLOSED)
#: Statuses in which organizers may still change the text: people signed what a published text says.
EDITABLE_STATUSES: tuple[CampaignStatus, ...] = (CampaignStatus.DRAFT, CampaignStatus.PENDING)


class SuspectReason(StrEnum):
    """Why a signature is not counted although it may be confirmed. (Soft limits no longer make a
    signature suspect: they flag it for review, see rules.abuse.ReviewFlag.)"""

    BLOCKED = "blocked"  # an address, domain or network on a blocklist
    INVALIDATED = "invalidated"  # taken out by a moderator


class AnswerStatus(StrEnum):
    ACCEPTED = "accepted"
    PARTLY = "partly"
    CONSIDERING = "considering"
    REJECTED = "rejected"


class Role(StrEnum):
    ORGANIZER = "organizer"
    ADMIN = "admin"


class RejectionReason(StrEnum):
    """Why a moderator sends a campaign back; the admin form gives each a translated label."""

    INCOMPLETE = "incomplete"
    ACCUSATION = "accusation"
    PERSONAL_DATA = "personal_data"
    NOT_A_CAMPAIGN = "not_a_campaign"
    OTHER = "other"


def check_in(column: str, enum: type[StrEnum]) -> str:
    """The SQL of a check constraint that keeps `column` to the values of `enum`."""
    values = ", ".join(f"'{member.value}'" for member in enum)
    return f"{column} IN ({values})"


class OutboxStatus(StrEnum):
    """What the database owes for one job (an outbox row): it stays until the job is done, so that the
    periodic reconciliation can hand it over again whatever Redis lost."""

    PENDING = "pending"  # owed: waiting, handed over, running, or waiting for its next try
    GIVEN_UP = "given_up"  # every try failed; listed for the moderators with its last error


class DeliveryKind(StrEnum):
    """What a bulk mail to the signers is about (notifications: one delivery record per signer)."""

    MILESTONE = "milestone"  # a goal was reached
    ANSWER = "answer"  # a recipient answered
    UPDATE = "update"  # news from the organizers
    CORRECTION = "correction"  # a reviewed correction changed what the signers signed (a demand)


class DeliveryStatus(StrEnum):
    """How one bulk mail to one signer went: a refusal is recorded too, so it is not tried forever."""

    SENT = "sent"
    FAILED = "failed"
