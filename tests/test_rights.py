"""Signers' rights: every mail lets the signer withdraw and download their data; we delete what we no
longer need."""
import json
import re
from datetime import date, timedelta

from freezegun import freeze_time

from helpers import (
    add_campaign, api_count, mail_html, mail_text, read_outbox, rows, seed_signers, sign, subject, verify_path,
)
from petition_app.extensions import db
from petition_app.timeutil import utcnow


def link(message, path):
    return re.search(rf"http://localhost(/{path}/[\w.\-]+(?:\?lang=\w\w)?)", mail_text(message)).group(1)


def signed_and_confirmed(app, slug, **fields):
    client = app.test_client()
    sign(client, slug, **fields)
    message = read_outbox(app)[-1]
    client.post(verify_path(message), follow_redirects=True)
    return client, message


def test_every_signer_mail_carries_withdraw_data_and_privacy_links(any_app):
    slug = add_campaign(any_app, goals=[1, 2])
    signed_and_confirmed(any_app, slug, updates=True, lang="en")
    sign(any_app.test_client(), slug, lang="en")  # a repeat: the "already signed" mail
    mails = read_outbox(any_app)
    kinds = sorted(subject(m).split(":")[0] for m in mails if m["To"] == "anna@example.org")
    assert kinds == ["1 signature", "Confirm your signature", "You have already signed"]
    for message in (m for m in mails if m["To"] == "anna@example.org"):
        for part in (mail_text(message), mail_html(message)):
            assert "/withdraw/" in part and "/my-data/" in part and "/privacy" in part


def test_withdrawing_drops_the_count_sends_a_receipt_and_deletes_the_signature(any_app):
    slug = add_campaign(any_app)
    client, confirmation = signed_and_confirmed(any_app, slug, public=True, lang="en")
    assert api_count(client, slug) == 1
    assert "Anna de Vries" in client.get(f"/campaigns/{slug}/signers").text
    path = link(confirmation, "withdraw")

    page = client.get(path)
    assert page.status_code == 200 and "Withdraw my signature" in page.text
    assert api_count(client, slug) == 1  # a GET changes nothing

    done = client.post(path)
    assert done.status_code == 200 and "Your signature is withdrawn" in done.text
    assert api_count(client, slug) == 0
    assert "Anna de Vries" not in client.get(f"/campaigns/{slug}/signers").text
    from petition_app.campaigns.queries import public_campaign
    from petition_app.organizers.queries import signers_csv

    with any_app.app_context():
        export = "".join(signers_csv(public_campaign(slug)))
    assert export.startswith("name,") and "anna@example.org" not in export
    receipt = read_outbox(any_app)[-1]
    assert subject(receipt).startswith("Your signature is withdrawn")
    assert receipt["To"] == "anna@example.org"
    assert rows(any_app, "signatures") == 0

    again = client.post(path)
    assert again.status_code == 404
    assert api_count(client, slug) == 0
    # the old confirmation link no longer counts anyone
    assert client.post(verify_path(confirmation), follow_redirects=True).status_code == 404
    assert api_count(client, slug) == 0


def test_a_withdrawn_signer_leaves_the_letters(app, runner, tmp_path):
    from pypdf import PdfReader

    slug = add_campaign(app)
    _, confirmation = signed_and_confirmed(app, slug, name="Withdrawn Person", public=True)
    seed_signers(app, slug, [{"name": "Staying Person", "is_public": True}])
    app.test_client().post(link(confirmation, "withdraw"))
    runner.invoke(args=["letters", "generate", slug, "--out", str(tmp_path)])
    text = "".join(page.extract_text() for page in PdfReader(tmp_path / "police.en.pdf").pages)
    assert "Staying Person" in text and "Withdrawn Person" not in text


def test_withdrawing_an_unconfirmed_signature_does_not_touch_the_count(app, campaign):
    client = app.test_client()
    seed_signers(app, campaign, [{}, {}])
    sign(client, campaign)
    client.post(link(read_outbox(app)[-1], "withdraw"))
    assert api_count(client, campaign) == 2
    assert rows(app, "signatures") == 2


def test_the_data_download_holds_exactly_the_signers_own_data(app, campaign):
    client, message = signed_and_confirmed(app, campaign, city="Leiden", updates=True)
    response = client.get(link(message, "my-data").split("?")[0] + "/data.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    data = json.loads(response.data)
    assert data["email"] == "anna@example.org" and data["name"] == "Anna de Vries" and data["city"] == "Leiden"
    assert data["wants_updates"] is True and data["confirmed_at"]
    assert data["campaign"]["slug"] == campaign
    assert "203.0.113" not in response.text
    assert client.get("/my-data/forged.token.value").status_code == 404


def test_unconfirmed_signatures_are_deleted_after_21_days_and_confirmed_ones_stay(app, runner, campaign):
    seed_signers(app, campaign, [{"email": "kept@example.org"}])
    sign(app.test_client(), campaign, email="never@example.org")
    with freeze_time(utcnow() + timedelta(days=20)):
        assert "deleted 0 unconfirmed" in runner.invoke(args=["sweep"]).output
    with freeze_time(utcnow() + timedelta(days=22)):
        assert "deleted 1 unconfirmed" in runner.invoke(args=["sweep"]).output
    with app.app_context():
        assert db.session.execute(db.text("SELECT email FROM signatures")).scalars().all() == ["kept@example.org"]


def test_personal_data_of_a_closed_campaign_goes_after_the_retention_period_and_counts_stay(app, runner):
    slug = add_campaign(app, goals=[1, 2], closes_at=date.today())
    seed_signers(app, slug, [{"is_public": True}, {}])
    other = add_campaign(app, slug="still-open")
    seed_signers(app, other, [{"email": "other@example.org"}])
    from petition_app.letters.operations import compile_letter_set

    with app.app_context():
        campaign_id = db.session.execute(db.text("SELECT id FROM campaigns WHERE slug = :s"), {"s": slug}).scalar()
        compile_letter_set(campaign_id)
        db.session.commit()

    with freeze_time(utcnow() + timedelta(days=180)):
        assert "personal data of 0 closed" in runner.invoke(args=["sweep"]).output
    with freeze_time(utcnow() + timedelta(days=185)):
        assert "personal data of 1 closed" in runner.invoke(args=["sweep"]).output
    with app.app_context():
        remaining = db.session.execute(db.text("SELECT email FROM signatures")).scalars().all()
        empty_letters = db.session.execute(db.text("SELECT COUNT(*) FROM letters WHERE length(pdf) = 0")).scalar()
    assert remaining == ["other@example.org"]
    assert empty_letters == 6
    assert api_count(app.test_client(), slug) == 2
