"""The letter records' Merkle tree (RFC 9162, section 2.1: Certificate Transparency version 2), the
leaves it is built from, inclusion (audit) proofs and the canonical form of a record. Pure: hashlib and
hmac only. docs/verifiable-letters.md explains the scheme.

- leaf hash    SHA-256(0x00 || leaf)
- node hash    SHA-256(0x01 || left || right)
- MTH({})      SHA-256() (the hash of the empty string)
- MTH(D[n])    for n > 1, with k the largest power of two smaller than n:
               node_hash(MTH(D[0:k]), MTH(D[k:n]))

The tree is built bottom-up, level by level: a level's last node without a partner moves up unchanged,
which gives exactly RFC 9162's tree (its left subtrees are always complete). A leaf is
HMAC-SHA256(signature's leaf secret, "<campaign id>:<record number>"): a commitment that says nothing
about the signer, different in every record and every campaign.
"""
import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
HASH_SIZE = 32


def leaf_commitment(secret: bytes, campaign_id: int, record_number: int) -> bytes:
    """The leaf of one signature in one record: HMAC-SHA256 keyed with the signature's own secret over
    the campaign and the record's number (32 bytes). Without the secret it reveals nothing."""
    return hmac.digest(secret, f"{campaign_id}:{record_number}".encode("ascii"), "sha256")  # OpenSSL's one-shot HMAC


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _next_level(level: Sequence[bytes]) -> list[bytes]:
    sha256 = hashlib.sha256
    paired = [sha256(NODE_PREFIX + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
    if len(level) % 2:
        paired.append(level[-1])  # no partner on this level: it moves up unchanged
    return paired


def leaf_hashes(leaves: Iterable[bytes]) -> list[bytes]:
    sha256 = hashlib.sha256
    return [sha256(LEAF_PREFIX + leaf).digest() for leaf in leaves]


def tree_root(leaves: Iterable[bytes]) -> bytes:
    """MTH over the leaves (RFC 9162, 2.1.1); the hash of the empty string for no leaves."""
    level = leaf_hashes(leaves)
    if not level:
        return hashlib.sha256(b"").digest()
    while len(level) > 1:
        level = _next_level(level)
    return level[0]


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """The audit path of leaf `index` (RFC 9162, 2.1.3.1: PATH(m, D[n])), from the leaf upwards."""
    if not 0 <= index < len(leaves):
        raise IndexError(f"leaf {index} of a tree of {len(leaves)}")
    level = leaf_hashes(leaves)
    path = []
    while len(level) > 1:
        sibling = index ^ 1
        if sibling < len(level):
            path.append(level[sibling])
        level = _next_level(level)
        index //= 2
    return path


def root_from_path(index: int, size: int, leaf: bytes, path: Sequence[bytes]) -> bytes | None:
    """The root that leaf `leaf` at `index` with audit path `path` leads to in a tree of `size` leaves,
    or None when the path cannot belong to such a tree (RFC 9162, 2.1.3.2)."""
    if not 0 <= index < size:
        return None
    fn, sn = index, size - 1
    r = leaf_hash(leaf)
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def verify_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes], root: bytes) -> bool:
    """Whether `leaf` is leaf number `index` of the tree of `size` leaves whose root is `root`."""
    found = root_from_path(index, size, leaf, path)
    return found is not None and hmac.compare_digest(found, root)


# ---------------------------------------------------------------- the record's own hash


def canonical_record(record: Mapping[str, Any]) -> bytes:
    """The one serialisation a record's hash is taken over: its public fields but `record_hash`, as JSON
    with sorted keys, no white space, ASCII only (anyone can rebuild it from the API's answer)."""
    fields = {key: value for key, value in record.items() if key != "record_hash"}
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def record_hash(record: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical record, in hex."""
    return hashlib.sha256(canonical_record(record)).hexdigest()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
