"""Reading a delivery status notification (RFC 3464): who it is about, and whether for good."""
from __future__ import annotations

from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import Message

from ..mail.models import BounceType


@dataclass(frozen=True)
class Report:
    """One recipient's part of a DSN: the address (Original-Recipient, else Final-Recipient), the verdict
    and the status code."""

    address: str
    type: BounceType
    status: str


def _address(value: str | None) -> str:
    """`rfc822; anna@example.org` -> `anna@example.org`."""
    if not value:
        return ""
    return str(value).split(";", 1)[-1].strip().strip("<>")


def _verdict(action: str, status: str) -> BounceType | None:
    action = action.strip().lower()
    if action == "failed" or (not action and status.startswith("5")):
        return BounceType.HARD
    if action == "delayed" or (not action and status.startswith("4")):
        return BounceType.SOFT
    return None  # delivered, relayed, expanded: nothing went wrong


def read_reports(data: bytes) -> list[Report]:
    """The failed and delayed recipients of a DSN; [] for anything else (an auto-reply, a bounce that is
    no DSN), which is then ignored."""
    message = message_from_bytes(data, policy=policy.compat32)
    reports = []
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = part.get_payload()
        if not isinstance(blocks, list):
            continue
        for block in blocks[1:]:  # the first block is about the message, the others one recipient each
            if not isinstance(block, Message):
                continue
            status = str(block.get("Status", "")).strip().split(" ")[0]
            verdict = _verdict(str(block.get("Action", "")), status)
            address = _address(block.get("Original-Recipient")) or _address(block.get("Final-Recipient"))
            if verdict is not None and address:
                reports.append(Report(address, verdict, status[:16]))
    return reports
