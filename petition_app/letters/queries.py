"""Reads for letters: the names in a letter's annex, the letters and hand-overs of a campaign, and the
letter records with the signers' receipts."""
from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select

from ..extensions import db
from ..campaigns.models import Recipient
from ..links import external_url
from ..rules import merkle
from ..signing.models import Signature
from .models import Handover, Letter, LetterRecord


def named_signers_filter(campaign_id: int) -> tuple[Any, ...]:
    """One definition for the annex and its count, so the letter's count matches the names listed."""
    return (
        Signature.campaign_id == campaign_id,
        Signature.named(),
    )


def named_signer_count(campaign_id: int) -> int:
    """How many signers agreed to be named: the length of the annex."""
    return db.session.execute(
        select(func.count()).select_from(Signature).where(*named_signers_filter(campaign_id))
    ).scalar_one()


def named_signers(campaign_id: int) -> Iterator[tuple[str, str | None]]:
    """(name, city) of the confirmed signers who agreed to be named, in signing order, streamed from
    the database a thousand rows at a time: the annex may hold a hundred thousand names."""
    query = (
        select(Signature.name, Signature.city)
        .where(*named_signers_filter(campaign_id))
        .order_by(Signature.created_at, Signature.id)
        .execution_options(yield_per=1000)
    )
    return ((name, city) for name, city in db.session.execute(query))


def latest_letter(recipient_id: int, locale: str) -> Letter | None:
    """The newest letter to a recipient in one language."""
    return db.session.scalar(
        select(Letter).where(Letter.recipient_id == recipient_id, Letter.language == locale).order_by(Letter.id.desc()).limit(1)
    )


def recent_letters(campaign_id: int, limit: int = 30) -> list[Letter]:
    """The campaign's newest letters, for its dashboard."""
    return list(
        db.session.scalars(
            select(Letter).join(Recipient).where(Recipient.campaign_id == campaign_id).order_by(Letter.id.desc()).limit(limit)
        )
    )


def handovers_of(campaign_id: int) -> list[Handover]:
    """The hand-over log of a campaign, newest first."""
    return list(
        db.session.scalars(
            select(Handover).join(Recipient).where(Recipient.campaign_id == campaign_id).order_by(Handover.id.desc())
        )
    )


def letter_of(campaign_id: int, letter_id: int) -> Letter | None:
    """One letter of this campaign that still has its PDF (a purged campaign's letters are empty)."""
    letter = db.session.get(Letter, letter_id)
    if letter is None or letter.recipient.campaign_id != campaign_id or not letter.pdf:
        return None
    return letter


# ---------------------------------------------------------------- the letter records (issue 22)


def counted_leaf_secrets(campaign_id: int) -> Iterator[str]:
    """The leaf secrets of the campaign's counted online signatures, in the order they were confirmed,
    streamed (a letter may count a hundred thousand)."""
    query = (
        select(Signature.leaf_secret)
        .where(Signature.campaign_id == campaign_id, Signature.counted())
        .order_by(Signature.confirmed_at, Signature.id)
        .execution_options(yield_per=5000)
    )
    return (secret for (secret,) in db.session.execute(query))


def latest_record(campaign_id: int) -> LetterRecord | None:
    return db.session.scalar(
        select(LetterRecord).where(LetterRecord.campaign_id == campaign_id).order_by(LetterRecord.number.desc()).limit(1)
    )


def records_of(campaign_id: int) -> list[LetterRecord]:
    """A campaign's letter records, first first."""
    return list(db.session.scalars(select(LetterRecord).where(LetterRecord.campaign_id == campaign_id).order_by(LetterRecord.number)))


def record_of(campaign_id: int, number: int) -> LetterRecord | None:
    return db.session.scalar(select(LetterRecord).where(LetterRecord.campaign_id == campaign_id, LetterRecord.number == number))


def records_with_file(sha256: str) -> list[tuple[LetterRecord, dict[str, str]]]:
    """Every (record, file) whose PDF has this SHA-256 (hex), over all campaigns."""
    sha256 = sha256.strip().lower()
    return [(record, file) for record in db.session.scalars(select(LetterRecord).order_by(LetterRecord.id))
            for file in record.files if file["sha256"] == sha256]


def _leaf_index(leaves: bytes, leaf: bytes) -> int | None:
    """Where `leaf` stands in the concatenated leaves (only at a multiple of 32 bytes), or None."""
    start = leaves.find(leaf)
    while start != -1:
        if start % merkle.HASH_SIZE == 0:
            return start // merkle.HASH_SIZE
        start = leaves.find(leaf, start + 1)
    return None


def receipts_of(signature: Signature) -> list[dict[str, Any]]:
    """Receiver of signals.receipts_wanted: a signer's receipt for each record their signature is in
    (the leaf, its index, the audit path up to the record's published root). Nothing in it names the
    signer; the leaf secret itself is never shown."""
    campaign = signature.campaign
    receipts = []
    for record in records_of(signature.campaign_id):
        leaf = merkle.leaf_commitment(bytes.fromhex(signature.leaf_secret), signature.campaign_id, record.number)
        index = _leaf_index(record.leaves, leaf)
        if index is None:
            continue
        leaves = [record.leaves[i:i + merkle.HASH_SIZE] for i in range(0, len(record.leaves), merkle.HASH_SIZE)]
        receipts.append({
            "campaign": campaign.slug,
            "number": record.number,
            "record_url": external_url("letters.record", slug=campaign.slug, number=record.number),
            "record_api_url": external_url("api.get_letter_record", slug=campaign.slug, number=record.number),
            "tree_size": record.tree_size,
            "root": record.root,
            "index": index,
            "leaf": leaf.hex(),
            "audit_path": [node.hex() for node in merkle.inclusion_proof(leaves, index)],
        })
    return receipts
