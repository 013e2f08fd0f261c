"""Issue 22 in a real browser: the organizers send the letters; the record's page shows the counts and the
files and recognises a letter's PDF dropped on it (hashed in the browser), but not a modified one; a
signer's data page says their signature is in letter 1, checked against the published root. axe-core
finds nothing serious on the new pages, in Dutch and in English."""
import json
import urllib.request

import pytest

from helpers import seed_signers, signature_token

from .conftest import LOCALES, axe_violations, describe_violations, expect, log_in, unique
from .test_ways_in import account

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.worker]

WORDS = {
    "en": {"heading": "Letter 1 of", "found": "This file is on record", "not_found": "is not on this record",
           "in_letter": "your signature is in letter 1", "data": "Your data"},
    "nl": {"heading": "Brief 1 van", "found": "Dit bestand staat in het verslag", "not_found": "staat niet in dit verslag",
           "in_letter": "je handtekening zit in brief 1", "data": "Je gegevens"},
}


def test_letters_sent_are_on_record_checkable_by_anyone_and_by_each_signer(
    live_server, worker, local_app, new_page, tmp_path, axe_source
):
    slug = live_server.import_campaign(tmp_path)
    ids = seed_signers(local_app, slug, [
        {"email": f"a-{slug}@example.org", "name": "Anna de Vries", "locale": "nl"},
        {"email": f"b-{slug}@example.org", "name": "Bram Jansen", "locale": "en"},
        {"email": f"c-{slug}@example.org", "name": "Chris Peters", "locale": "en", "is_public": True},
    ])
    organizer = f"{unique('org')}@example.org"
    account(local_app, organizer, "Safe Leiden", campaigns=[slug])

    # -------------------------------------------------- the organizer sends the letters
    page = new_page()
    log_in(page, organizer)
    start = len(live_server.smtp.messages)
    page.goto(f"/organize/{slug}/letters/send?lang=en")
    page.get_by_role("button", name="Send the letters now").click()
    expect(page.locator(".notice")).to_contain_text("The letters are on their way")
    letter = live_server.mail_to(f"university-{slug}@example.org", "the university's letter", since=start, worker=worker)
    pdfs = {part.get_filename(): part.get_content() for part in letter.iter_attachments()}
    with urllib.request.urlopen(f"{live_server.url}/api/v1/campaigns/{slug}/letters/1") as response:
        record = json.load(response)
    assert record["tree_size"] == record["counts"]["online"] >= 3

    # -------------------------------------------------- anyone: the record, and a PDF checked in the browser
    good, bad = tmp_path / "university.en.pdf", tmp_path / "changed.pdf"
    good.write_bytes(pdfs["university.en.pdf"])
    data = pdfs["university.en.pdf"]
    bad.write_bytes(data[:100] + bytes([data[100] ^ 1]) + data[101:])
    for lang, words in WORDS.items():
        visitor = new_page(locale=LOCALES[lang])
        visitor.goto(f"/campaigns/{slug}/letters/1?lang={lang}")
        expect(visitor.locator("h1")).to_contain_text(words["heading"])
        expect(visitor.locator("[data-count=online]")).to_have_text(f"{record['counts']['online']:,}".replace(",", "." if lang == "nl" else ","))
        expect(visitor.locator("[data-count=total]")).to_have_text(f"{record['counts']['total']:,}".replace(",", "." if lang == "nl" else ","))
        expect(visitor.locator(".record-files tbody tr")).to_have_count(len(record["files"]))
        visitor.locator("#letter-file").set_input_files(str(good))
        expect(visitor.locator("#check-result")).to_contain_text(words["found"])
        visitor.locator("#letter-file").set_input_files(str(bad))
        expect(visitor.locator("#check-result")).to_contain_text(words["not_found"])
        problems = describe_violations(f"record page ({lang})", axe_violations(visitor, axe_source))
        assert problems == [], "\n".join(problems)

    # -------------------------------------------------- a signer: the receipt, checked against the root
    for signature_id, lang in ((ids[0], "nl"), (ids[1], "en")):
        token = signature_token(local_app, "my_data", signature_id)
        signer = new_page(locale=LOCALES[lang])
        signer.goto(f"/my-data/{token}")
        expect(signer.locator("h1")).to_have_text(WORDS[lang]["data"])
        expect(signer.locator(".receipt-status")).to_contain_text(WORDS[lang]["in_letter"])
        expect(signer.locator(".receipt-status")).to_have_class("receipt-status check-ok")
        problems = describe_violations(f"data page ({lang})", axe_violations(signer, axe_source))
        assert problems == [], "\n".join(problems)
