"""Operations on the letter records (issue 22, docs/verifiable-letters.md): a hand-over first prepares
its record (number, previous record, the Merkle tree over the counted online signatures, in the order
they were confirmed), so that every PDF can print the record's address and root; once the PDFs are
rendered their SHA-256 complete the record, which is written in the hand-over's transaction. Records
are never edited. Operations flush; the caller commits once."""
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from ..campaigns.models import Campaign
from ..extensions import db
from ..links import external_url
from ..rules import merkle
from .models import Letter, LetterRecord
from .queries import counted_leaf_secrets, latest_record
from .typesetting import RecordMark


@dataclass(frozen=True)
class PreparedRecord:
    """A record before its files are known: all the letters need to print, and the tree."""

    campaign_id: int
    number: int
    sent_at: datetime
    online: int
    paper: int
    previous: str | None
    leaves: bytes
    root: str
    address: str

    def mark(self) -> RecordMark:
        return RecordMark(address=self.address, root=self.root)


def prepare_record(campaign: Campaign, now: datetime) -> PreparedRecord:
    """Number the record and build the tree over the campaign's counted signatures, read in one statement
    (one snapshot): the letters state the tree's size as their online count, so the two always agree
    without holding the campaign's row lock while the PDFs are rendered (seconds for a big annex, which
    would hold up every confirmation). Two hand-overs at once are kept apart by the recipients' claims
    (letters.operations._claim) and, behind them, by the unique (campaign, number)."""
    last = latest_record(campaign.id)
    number = last.number + 1 if last else 1
    leaves = [merkle.leaf_commitment(bytes.fromhex(secret), campaign.id, number) for secret in counted_leaf_secrets(campaign.id)]
    return PreparedRecord(
        campaign_id=campaign.id,
        number=number,
        sent_at=now.replace(microsecond=0),
        online=len(leaves),
        paper=campaign.paper_count,
        previous=last.record_hash if last else None,
        leaves=b"".join(leaves),
        root=merkle.tree_root(leaves).hex(),
        address=external_url("letters.record", slug=campaign.slug, number=number),
    )


def write_record(prepared: PreparedRecord, letters: Iterable[Letter]) -> LetterRecord:
    """The record of a hand-over, with the SHA-256 of every PDF it sent (per recipient and language)."""
    files = sorted(
        ({"recipient": letter.recipient.key, "language": letter.language, "sha256": hashlib.sha256(letter.pdf).hexdigest()}
         for letter in letters),
        key=lambda file: (file["recipient"], file["language"]),
    )
    record = LetterRecord(
        campaign_id=prepared.campaign_id, number=prepared.number, sent_at=prepared.sent_at,
        online_count=prepared.online, paper_count=prepared.paper, total_count=prepared.online + prepared.paper,
        tree_size=len(prepared.leaves) // merkle.HASH_SIZE, root=prepared.root, previous=prepared.previous,
        files=files, leaves=prepared.leaves,
    )
    record.record_hash = merkle.record_hash(record.public())
    db.session.add(record)
    db.session.flush()
    return record
