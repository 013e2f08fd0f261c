#!/usr/bin/env python3
"""Check a signer's receipt against a letter record, with nothing but Python's standard library
(hashlib, json, urllib). See docs/verifiable-letters.md.

    python verify_receipt.py RECEIPTS.json [RECORD]

RECEIPTS.json is what your data page offers as "your receipts as JSON" (/my-data/<token>/receipts.json).
RECORD is the record as the API serves it (a file, or its https:// address); without it the script
fetches each receipt's record_api_url. For each receipt it checks that
  1. the record's hash is SHA-256 of its other fields as canonical JSON,
  2. the tree holds as many leaves as the letter counted online, and
  3. the receipt's leaf, index and audit path lead to the record's root (RFC 9162, 2.1.3.2).
Exit status 0 when every receipt checks out, 1 otherwise.
"""
import hashlib
import json
import sys
import urllib.request


def load(source):
    if source.startswith(("http://", "https://")):
        with urllib.request.urlopen(source) as response:  # noqa: S310 - the user's own choice of address
            return json.load(response)
    with open(source, encoding="utf-8") as handle:
        return json.load(handle)


def sha256(data):
    return hashlib.sha256(data).digest()


def root_from_path(index, size, leaf, path):
    """RFC 9162, section 2.1.3.2: the root an audit path leads to, or None."""
    if not 0 <= index < size:
        return None
    fn, sn = index, size - 1
    r = sha256(b"\x00" + leaf)
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = sha256(b"\x01" + p + r)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = sha256(b"\x01" + r + p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def record_hash(record):
    fields = {key: value for key, value in record.items() if key != "record_hash"}
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def check(receipt, record):
    problems = []
    if record.get("number") != receipt["number"]:
        problems.append("the record is not this receipt's letter")
    if record_hash(record) != record.get("record_hash"):
        problems.append("the record's hash does not match its fields")
    if record.get("tree_size") != record.get("counts", {}).get("online"):
        problems.append("the tree's size is not the online count")
    path = [bytes.fromhex(node) for node in receipt["audit_path"]]
    root = root_from_path(receipt["index"], record["tree_size"], bytes.fromhex(receipt["leaf"]), path)
    if root is None or root.hex() != record.get("root"):
        problems.append("the audit path does not lead to the record's root")
    return problems


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    receipts = load(argv[1]).get("receipts", [])
    if not receipts:
        print("no receipts in", argv[1])
        return 1
    fine = True
    for receipt in receipts:
        record = load(argv[2]) if len(argv) == 3 else load(receipt["record_api_url"])
        problems = check(receipt, record)
        if problems:
            fine = False
            print(f"letter {receipt['number']}: NOT verified: " + "; ".join(problems))
        else:
            print(f"letter {receipt['number']}: verified: leaf {receipt['index']} of {record['tree_size']}, "
                  f"root {record['root']}, counted {record['counts']['online']} online")
    return 0 if fine else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
