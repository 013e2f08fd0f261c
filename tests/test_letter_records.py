"""Letters anyone can check (issue 22): a public record per hand-over (counts, the SHA-256 of every PDF,
the Merkle tree over the counted signatures, a chain of record hashes), the record's page and JSON, the
letters' mark, `flask letters verify`, a signer's receipts, and nothing personal anywhere in them."""
import hashlib
import json
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from freezegun import freeze_time

from helpers import add_campaign, flat, hand_over_letters, pdf_text, read_outbox, seed_signers, signature_link
from petition_app.extensions import db
from petition_app.rules import merkle
from petition_app.timeutil import utcnow

ROOT = Path(__file__).resolve().parent.parent
SIGNERS = [
    {"name": "Anna de Vries", "city": "Leiden", "is_public": True, "email": "anna@example.org", "ip_hash": "a" * 64},
    {"name": "Hidden Person", "city": "Delft", "is_public": False, "email": "hidden@example.org", "locale": "en"},
    {"name": "Zoë Ñúñez", "city": None, "is_public": True, "email": "zoe@example.org", "locale": "en"},
    {"name": "Not Confirmed", "is_public": True, "email": "pending@example.org", "confirmed": False},
]


@pytest.fixture
def signed(app):
    slug = add_campaign(app)
    ids = seed_signers(app, slug, SIGNERS)
    return slug, ids


def attachments(app):
    """Every PDF mailed to a recipient: file name -> bytes (the newest of each name)."""
    return {part.get_filename(): part.get_content() for message in read_outbox(app) for part in message.iter_attachments()}


def test_a_hand_over_writes_a_record_of_its_counts_files_and_tree(app, signed):
    slug, _ = signed
    hand_over_letters(app, slug)
    client = app.test_client()
    listing = client.get(f"/api/v1/campaigns/{slug}/letters")
    assert listing.status_code == 200 and listing.headers["Access-Control-Allow-Origin"] == "*"
    [record] = listing.get_json()["letters"]
    assert set(record) == {"number", "sent_at", "counts", "tree_size", "root", "previous", "record_hash", "files"}
    assert record["number"] == 1 and record["previous"] is None
    assert record["counts"] == {"online": 3, "paper": 0, "total": 3} and record["tree_size"] == 3
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", record["sent_at"])
    assert record["record_hash"] == merkle.record_hash(record)
    assert client.get(f"/api/v1/campaigns/{slug}/letters/1").get_json() == record
    assert client.get(f"/api/v1/campaigns/{slug}/letters/2").status_code == 404
    # The SHA-256 of every PDF mailed, per recipient and language, and nothing else.
    pdfs = attachments(app)
    assert sorted((f["recipient"], f["language"]) for f in record["files"]) == sorted(
        tuple(name.split(".")[:2]) for name in pdfs)
    assert {f["sha256"] for f in record["files"]} == {hashlib.sha256(data).hexdigest() for data in pdfs.values()}
    # The tree: the leaves of the counted signatures, in the order they were confirmed.
    with app.app_context():
        campaign_id, secrets = db.session.execute(sa.text("SELECT campaign_id, leaf_secret FROM signatures WHERE confirmed_at IS NOT NULL ORDER BY confirmed_at, id")).all()[0][0], [
            s for (s,) in db.session.execute(sa.text("SELECT leaf_secret FROM signatures WHERE confirmed_at IS NOT NULL ORDER BY confirmed_at, id"))]
    leaves = [merkle.leaf_commitment(bytes.fromhex(s), campaign_id, 1) for s in secrets]
    assert record["root"] == merkle.tree_root(leaves).hex()
    # Each PDF prints the record's address and the first 16 hex digits of the root (and states its count).
    text = flat(pdf_text(pdfs["university.en.pdf"]))
    assert f"http://localhost/campaigns/{slug}/letters/1" in text and record["root"][:16] in text
    assert record["root"][:17] not in text
    with app.app_context():  # the count each letter states is the tree's size
        assert db.session.execute(sa.text("SELECT DISTINCT signature_count FROM letters")).scalars().all() == [record["tree_size"]]


def test_the_record_page_shows_counts_and_files_and_checks_a_pasted_hash(app, signed):
    slug, _ = signed
    hand_over_letters(app, slug)
    client = app.test_client()
    record = client.get(f"/api/v1/campaigns/{slug}/letters/1").get_json()
    for lang, heading in (("en", "Letter 1 of"), ("nl", "Brief 1 van")):
        page = client.get(f"/campaigns/{slug}/letters/1?lang={lang}")
        assert page.status_code == 200 and heading in page.text
        assert all(f["sha256"] in page.text for f in record["files"]) and record["root"] in page.text
    cached = app.test_client().get(f"/campaigns/{slug}/letters/1", headers={"Accept-Language": "en"})
    assert cached.headers["Cache-Control"].startswith("public") and "Set-Cookie" not in cached.headers
    sha = record["files"][0]["sha256"]
    assert "This file is on this record." in client.get(f"/campaigns/{slug}/letters/1?lang=en&sha256={sha}").text
    changed = ("0" if sha[0] != "0" else "1") + sha[1:]
    assert "is not on this record" in client.get(f"/campaigns/{slug}/letters/1?lang=en&sha256={changed}").text
    assert "64 characters" in client.get(f"/campaigns/{slug}/letters/1?lang=en&sha256=nonsense").text
    assert client.get(f"/campaigns/{slug}/letters/2").status_code == 404
    assert client.get("/campaigns/nope/letters/1").status_code == 404


def test_letters_verify_says_whether_a_pdf_is_on_record(app, runner, signed, tmp_path):
    slug, _ = signed
    hand_over_letters(app, slug)
    data = attachments(app)["mayor.nl.pdf"]
    good, bad = tmp_path / "good.pdf", tmp_path / "bad.pdf"
    good.write_bytes(data)
    bad.write_bytes(data[:-10] + bytes([data[-10] ^ 1]) + data[-9:])  # one byte changed
    result = runner.invoke(args=["letters", "verify", str(good)])
    assert result.exit_code == 0 and f"/campaigns/{slug}/letters/1" in result.output and "mayor" in result.output
    result = runner.invoke(args=["letters", "verify", str(bad)])
    assert result.exit_code == 1 and "not on record" in result.output


def test_each_record_chains_to_the_one_before_and_a_withdrawal_changes_only_the_next(app, signed):
    slug, ids = signed
    hand_over_letters(app, slug)
    client = app.test_client()
    first = client.get(f"/api/v1/campaigns/{slug}/letters/1").get_json()
    withdraw = signature_link(app, "withdraw", ids[1])
    assert client.post(withdraw, data={}).status_code in (200, 400)  # (CSRF is off in tests)
    with freeze_time(utcnow() + timedelta(hours=25)):
        assert hand_over_letters(app, slug)
    records = client.get(f"/api/v1/campaigns/{slug}/letters").get_json()["letters"]
    assert [r["number"] for r in records] == [1, 2]
    assert records[0] == first  # never edited
    assert records[1]["previous"] == first["record_hash"] == merkle.record_hash(first)
    assert records[1]["counts"]["online"] == records[1]["tree_size"] == 2
    assert records[1]["record_hash"] == merkle.record_hash(records[1])
    # Changing one count, or anything else, breaks the record's hash and so the chain.
    tampered = {**first, "counts": {**first["counts"], "online": 4}}
    assert merkle.record_hash(tampered) != first["record_hash"]


def test_a_record_is_never_edited(app, signed):
    from petition_app.letters.models import LetterRecord

    slug, _ = signed
    hand_over_letters(app, slug)
    with app.app_context():
        record = db.session.scalars(sa.select(LetterRecord)).one()
        record.online_count = 1000
        with pytest.raises(ValueError, match="never edited"):
            db.session.flush()


def receipts(app, signature_id):
    response = app.test_client().get(signature_link(app, "my_data", signature_id) + "/receipts.json")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    return response.get_json()["receipts"]


def test_a_signers_receipt_leads_to_the_published_root(app, signed):
    slug, ids = signed
    assert receipts(app, ids[0]) == []
    hand_over_letters(app, slug)
    [receipt] = receipts(app, ids[0])
    record = app.test_client().get(f"/api/v1/campaigns/{slug}/letters/1").get_json()
    assert receipt["number"] == 1 and receipt["root"] == record["root"] and receipt["index"] == 0
    path = [bytes.fromhex(node) for node in receipt["audit_path"]]
    leaf = bytes.fromhex(receipt["leaf"])
    assert merkle.verify_inclusion(receipt["index"], record["tree_size"], leaf, path, bytes.fromhex(record["root"]))
    # One byte of the leaf, or a count that is not the tree's, and the check fails.
    assert not merkle.verify_inclusion(receipt["index"], record["tree_size"], bytes([leaf[0] ^ 1]) + leaf[1:], path, bytes.fromhex(record["root"]))
    assert not merkle.verify_inclusion(receipt["index"], record["tree_size"] - 1, leaf, path, bytes.fromhex(record["root"]))
    assert [r["index"] for r in receipts(app, ids[2])] == [2]
    assert receipts(app, ids[1])[0]["index"] == 1
    # Not confirmed, not counted: no receipt.
    assert receipts(app, ids[3]) == []


def test_the_standalone_script_checks_a_receipt_against_the_record(app, signed, tmp_path):
    slug, ids = signed
    hand_over_letters(app, slug)
    client = app.test_client()
    receipts_file, record_file = tmp_path / "receipts.json", tmp_path / "record.json"
    receipts_file.write_text(json.dumps({"receipts": receipts(app, ids[2])}))
    record = client.get(f"/api/v1/campaigns/{slug}/letters/1").get_json()
    record_file.write_text(json.dumps(record))
    script = [sys.executable, str(ROOT / "examples" / "verify_receipt.py"), str(receipts_file), str(record_file)]
    ok = subprocess.run(script, capture_output=True, text=True)
    assert ok.returncode == 0 and "letter 1: verified" in ok.stdout, ok.stdout + ok.stderr
    for changed in ({**record, "counts": {**record["counts"], "online": 4}},
                    {**record, "root": "0" * 64}):
        record_file.write_text(json.dumps(changed))
        failed = subprocess.run(script, capture_output=True, text=True)
        assert failed.returncode == 1 and "NOT verified" in failed.stdout


def test_the_data_page_lists_the_receipts_in_the_signers_language(app, signed):
    slug, ids = signed
    hand_over_letters(app, slug)
    client = app.test_client()
    path = signature_link(app, "my_data", ids[1])  # an English signer
    page = client.get(path)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "Your data" in page.text and "hidden@example.org" in page.text
    assert "Your signature is in letter 1" in page.text and "receipt-check.js" in page.text
    assert "Je gegevens" in client.get(path + "?lang=nl").text
    download = client.get(path + "/data.json")
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.get_json()["email"] == "hidden@example.org"
    assert "Je gegevens" in client.get(signature_link(app, "my_data", ids[0])).text  # a Dutch signer


def test_after_withdrawal_the_data_page_says_nothing_is_held(app, signed):
    slug, ids = signed
    path = signature_link(app, "my_data", ids[1])
    client = app.test_client()
    client.post(signature_link(app, "withdraw", ids[1]), data={})
    page = client.get(path + "?lang=en")
    assert page.status_code == 404 and "We hold no data under this link" in page.text
    assert client.get(path + "/data.json").get_json() == {"error": "not_found"}
    assert client.get(path + "/receipts.json").status_code == 404


def test_no_record_page_json_or_leaf_holds_anything_personal(app, signed):
    slug, ids = signed
    hand_over_letters(app, slug)
    client = app.test_client()
    with app.app_context():
        secrets = db.session.execute(sa.text("SELECT email, name, ip_hash, secret, leaf_secret FROM signatures")).all()
        leaves = db.session.execute(sa.text("SELECT leaves FROM letter_records")).scalar_one()
    tokens = [signature_link(app, purpose, i).rsplit("/", 1)[1] for i in ids for purpose in ("my_data", "withdraw", "unsubscribe")]
    shown = [
        client.get(f"/api/v1/campaigns/{slug}/letters").text,
        client.get(f"/api/v1/campaigns/{slug}/letters/1").text,
        client.get(f"/campaigns/{slug}/letters/1?lang=en").text,
        client.get(f"/campaigns/{slug}/letters/1?lang=nl").text,
        json.dumps(receipts(app, ids[0])),
        leaves.hex(),
    ]
    with app.app_context():
        shown.append(json.dumps([list(map(str, row)) for row in db.session.execute(sa.text(
            "SELECT number, sent_at, root, previous, record_hash, files FROM letter_records"))]))
    forbidden = [value for row in secrets for value in row if value] + tokens + ["@example.org", "Anna", "Delft", "Hidden Person"]
    for text in shown:
        for value in forbidden:
            assert value.lower() not in text.lower(), value


def test_leaves_of_one_address_in_two_campaigns_are_unrelated(app):
    first, second = add_campaign(app), add_campaign(app, slug="second-campaign")
    seed_signers(app, first, [{"email": "same@example.org"}])
    seed_signers(app, second, [{"email": "same@example.org"}])
    hand_over_letters(app, first)
    hand_over_letters(app, second)
    client = app.test_client()
    roots = [client.get(f"/api/v1/campaigns/{slug}/letters/1").get_json()["root"] for slug in (first, second)]
    with app.app_context():
        rows = db.session.execute(sa.text("SELECT campaign_id, leaf_secret FROM signatures ORDER BY id")).all()
        leaves = [bytes(v) for (v,) in db.session.execute(sa.text("SELECT leaves FROM letter_records ORDER BY id"))]
    assert rows[0].leaf_secret != rows[1].leaf_secret  # a random key per signature, not one per address
    assert leaves[0] != leaves[1] and roots[0] != roots[1]
    # Neither leaf can be computed from the other campaign's key.
    assert merkle.leaf_commitment(bytes.fromhex(rows[0].leaf_secret), rows[1].campaign_id, 1) != leaves[1]


def test_records_stay_when_the_signers_data_is_purged(app, signed):
    from petition_app.signing.upkeep import purge_closed_campaigns

    slug, _ = signed
    hand_over_letters(app, slug)
    client = app.test_client()
    before = client.get(f"/api/v1/campaigns/{slug}/letters").get_json()
    with app.app_context():
        db.session.execute(sa.text("UPDATE campaigns SET status = 'closed', closed_at = :t WHERE slug = :s"),
                           {"t": utcnow() - timedelta(days=400), "s": slug})
        db.session.commit()
        assert purge_closed_campaigns() == [slug]
        db.session.commit()
        assert db.session.execute(sa.text("SELECT COUNT(*) FROM signatures")).scalar() == 0
    assert client.get(f"/api/v1/campaigns/{slug}/letters").get_json() == before
    assert client.get(f"/campaigns/{slug}/letters/1").status_code == 200


def test_the_organizers_dashboard_links_to_each_record(app, signed):
    from helpers import moderator_organizing

    slug, _ = signed
    organizer = moderator_organizing(app, slug)
    assert f"/campaigns/{slug}/letters/1" not in organizer.get(f"/organize/{slug}?lang=en").text
    hand_over_letters(app, slug)
    page = organizer.get(f"/organize/{slug}?lang=en").text
    assert "Public records of the letters" in page and f'href="/campaigns/{slug}/letters/1"' in page


def test_the_migration_gives_every_existing_signature_a_leaf_secret_of_its_own(tmp_path):
    from flask_migrate import downgrade, upgrade

    from helpers import make_app

    app = make_app(tmp_path)
    with app.app_context():
        upgrade()
    slug = add_campaign(app)  # with today's models, then back to the schema before the records
    with app.app_context():
        downgrade(revision="i21_recipients")
        for i in range(3):
            db.session.execute(sa.text(
                "INSERT INTO signatures (campaign_id, name, email, email_key, locale, wants_updates, is_public, secret,"
                " created_at, confirmed_at, mails_requested, mails_sent) SELECT id, 'S', :e, :e, 'nl', false, false, :e,"
                " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1, 1 FROM campaigns WHERE slug = :s"
            ), {"e": f"s{i}@example.org", "s": slug})
        db.session.commit()
        upgrade()
        secrets = db.session.execute(sa.text("SELECT leaf_secret FROM signatures")).scalars().all()
    assert len(set(secrets)) == 3 and all(re.fullmatch(r"[0-9a-f]{64}", s) for s in secrets)
    hand_over_letters(app, slug)
    assert app.test_client().get(f"/api/v1/campaigns/{slug}/letters/1").get_json()["tree_size"] == 3
