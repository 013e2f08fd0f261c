"""RFC 9162's Merkle tree (rules/merkle.py) against an independent implementation written here straight
from the RFC's recursive definitions (section 2.1.1 and 2.1.3.1)."""
import hashlib

import pytest

from petition_app.rules import merkle


def rfc_mth(leaves: list[bytes]) -> bytes:
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + rfc_mth(leaves[:k]) + rfc_mth(leaves[k:])).digest()


def rfc_path(m: int, leaves: list[bytes]) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return rfc_path(m, leaves[:k]) + [rfc_mth(leaves[k:])]
    return rfc_path(m - k, leaves[k:]) + [rfc_mth(leaves[:k])]


def some_leaves(n: int) -> list[bytes]:
    return [merkle.leaf_commitment(i.to_bytes(4, "big") * 8, 7, 1) for i in range(n)]


@pytest.mark.parametrize("size", [1, 2, 3, 7, 8, 1000])
def test_the_root_is_rfc_9162s_tree_hash(size: int) -> None:
    leaves = some_leaves(size)
    assert merkle.tree_root(leaves) == rfc_mth(leaves)


def test_an_empty_tree_is_the_hash_of_nothing() -> None:
    assert merkle.tree_root([]) == hashlib.sha256(b"").digest() == rfc_mth([])


@pytest.mark.parametrize("size", [1, 2, 3, 7, 8, 1000])
def test_every_audit_path_is_rfc_9162s_and_leads_to_the_root(size: int) -> None:
    leaves = some_leaves(size)
    root = merkle.tree_root(leaves)
    indexes = range(size) if size < 100 else [0, 1, 511, 512, 998, 999]
    for index in indexes:
        path = merkle.inclusion_proof(leaves, index)
        assert path == rfc_path(index, leaves)
        assert merkle.verify_inclusion(index, size, leaves[index], path, root)


def test_a_changed_leaf_path_index_or_size_fails() -> None:
    leaves = some_leaves(7)
    root = merkle.tree_root(leaves)
    path = merkle.inclusion_proof(leaves, 4)
    assert merkle.verify_inclusion(4, 7, leaves[4], path, root)
    changed = bytes([leaves[4][0] ^ 1]) + leaves[4][1:]
    assert not merkle.verify_inclusion(4, 7, changed, path, root)
    assert not merkle.verify_inclusion(5, 7, leaves[4], path, root)
    assert not merkle.verify_inclusion(4, 6, leaves[4], path, root)
    assert not merkle.verify_inclusion(4, 7, leaves[4], path[:-1], root)
    assert not merkle.verify_inclusion(4, 7, leaves[4], [path[0], path[0], path[2]], root)
    assert not merkle.verify_inclusion(7, 7, leaves[4], path, root)


def test_one_leaf_changed_changes_the_root() -> None:
    leaves = some_leaves(1000)
    changed = list(leaves)
    changed[500] = bytes(32)
    assert merkle.tree_root(changed) != merkle.tree_root(leaves)


def test_leaves_of_one_secret_differ_per_campaign_and_record() -> None:
    secret = b"s" * 32
    leaves = {merkle.leaf_commitment(secret, c, n) for c in (1, 2, 12) for n in (1, 2, 21)}
    assert len(leaves) == 9
    assert merkle.leaf_commitment(secret, 1, 21) != merkle.leaf_commitment(secret, 12, 1)  # "1:21" vs "12:1"


def test_the_record_hash_covers_every_field_but_itself() -> None:
    record = {"number": 1, "counts": {"online": 3, "paper": 0, "total": 3}, "previous": None, "files": []}
    digest = merkle.record_hash(record)
    assert merkle.record_hash({**record, "record_hash": "anything"}) == digest
    assert merkle.record_hash({**record, "counts": {"online": 4, "paper": 0, "total": 3}}) != digest
    assert merkle.canonical_record(record).startswith(b'{"counts":{"online":3')
