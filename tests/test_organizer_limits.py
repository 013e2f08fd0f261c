"""What organizers can make the platform send, and what they can see: no invitations or updates before a
moderator has published the campaign, letters only after a page that shows what goes to whom and at
most once a day per recipient, invitations bound to a secret, recipients' addresses checked like
signers' ones, and never a signer's email address on the dashboard or in the export."""
import csv
import io
import re
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from helpers import (
    add_campaign, example_campaign_data, letters_sent_to, logged_in, mail_text, publish, read_outbox, recipients_seen,
    rows, seed_signers, subject, write_campaign,
)
from petition_app.extensions import db
from petition_app.timeutil import utcnow

RECIPIENTS = (("Leiden University", "board@example.org", "nl"), ("Mayor of Leiden", "mayor@example.org", "en"))


def campaign_id(app, slug):
    with app.app_context():
        return db.session.execute(sa.text("SELECT id FROM campaigns WHERE slug = :s"), {"s": slug}).scalar_one()


@pytest.fixture
def organizer(app):
    return logged_in(app, "org@example.org")


@pytest.fixture
def moderator(app):
    return logged_in(app, "mod@example.org", name="Moderator", role="admin")


# ---------------------------------------------------------------- nothing sent before approval


def test_no_invitation_or_update_is_sent_before_a_moderator_publishes_the_campaign(app, organizer, moderator):
    slug = write_campaign(app, organizer)
    for state in ("draft", "pending"):
        if state == "pending":
            organizer.post(f"/organize/{slug}/submit")
        before = len(read_outbox(app))
        invited = organizer.post(f"/organize/{slug}/invite?lang=en", data={"email": "friend@example.org"}, follow_redirects=True)
        assert "once a moderator has published the campaign" in invited.text, state
        updated = organizer.post(f"/organize/{slug}/updates?lang=en", data={"body_nl": "Nieuws", "body_en": "News", "confirm": "1"},
                                 follow_redirects=True)
        assert "once a moderator has published the campaign" in updated.text, state
        assert [m for m in read_outbox(app)[before:] if m["To"] != "mod@example.org"] == [], state
        assert rows(app, "invitations") == 0 and rows(app, "updates") == 0, state
    assert "You can invite co-organizers once a moderator has published the campaign." in organizer.get(f"/organize/{slug}?lang=en").text

    moderator.post(f"/admin/{slug}/approve", data={"revision": 1, "confirm": "1"})
    organizer.post(f"/organize/{slug}/invite", data={"email": "friend@example.org"})
    assert [subject(m) for m in read_outbox(app) if m["To"] == "friend@example.org"] == ["Join the campaign “Safe Leiden now”"]


def test_an_invitation_link_works_once_and_not_after_it_is_withdrawn(app, organizer, moderator):
    slug = write_campaign(app, organizer)
    publish(app, organizer, moderator, slug)
    organizer.post(f"/organize/{slug}/invite", data={"email": "friend@example.org"})
    organizer.post(f"/organize/{slug}/invite", data={"email": "other@example.org"})
    links = {m["To"]: re.search(r"http://localhost(/organize/join/\S+)", mail_text(m)).group(1)
             for m in read_outbox(app) if "/organize/join/" in mail_text(m)}
    assert "@example.org" not in "".join(links.values())  # the link names no address
    dashboard = organizer.get(f"/organize/{slug}?lang=en").text
    assert "f…@example.org" in dashboard and "friend@example.org" not in dashboard

    with app.app_context():
        other = db.session.execute(sa.text("SELECT id FROM invitations WHERE email = 'other@example.org'")).scalar_one()
    assert organizer.post(f"/organize/{slug}/invitations/{other}/void").status_code == 302
    late = logged_in(app, "other@example.org", name="Other")
    late.post(links["other@example.org"])
    assert late.get(f"/organize/{slug}").status_code == 404

    friend = logged_in(app, "friend@example.org", name="Friend")
    assert friend.post(links["friend@example.org"]).status_code == 302
    assert friend.get(f"/organize/{slug}").status_code == 200
    assert organizer.post(f"/organize/{slug}/invitations/{other}/void").status_code == 404  # already withdrawn


def test_a_campaign_sends_at_most_ten_invitations_a_day(app, organizer, moderator):
    slug = write_campaign(app, organizer)
    publish(app, organizer, moderator, slug)
    for n in range(12):
        organizer.post(f"/organize/{slug}/invite", data={"email": f"friend{n}@example.org"})
    assert len([m for m in read_outbox(app) if "/organize/join/" in mail_text(m)]) == 10
    assert rows(app, "invitations") == 10


# ---------------------------------------------------------------- letters: confirmation, once a day


def test_sending_letters_asks_for_confirmation_and_sends_each_recipient_once_a_day(app, runner, organizer, moderator):
    from petition_app.letters.operations import send_letters

    slug = write_campaign(app, organizer, recipients=RECIPIENTS)
    publish(app, organizer, moderator, slug)

    # the old button sends nothing: it leads to the page that shows what goes to whom
    response = organizer.post(f"/organize/{slug}/letters?action=send")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/organize/{slug}/letters/send")
    page = organizer.get(f"/organize/{slug}/letters/send?lang=en").text
    for name, email, _ in RECIPIENTS:
        assert name in page and email in page
    assert "Send the letters now" in page and letters_sent_to(app) == []

    # a stale page (the recipients changed since) sends nothing either
    stale = organizer.post(f"/organize/{slug}/letters/send?lang=en", data={"recipients_seen": "0" * 16})
    assert "The recipients changed since you opened this page" in stale.text and letters_sent_to(app) == []

    fingerprint = recipients_seen(organizer, slug)
    sent = organizer.post(f"/organize/{slug}/letters/send?lang=en", data={"recipients_seen": fingerprint},
                          follow_redirects=True)
    assert "The letters are on their way" in sent.text
    assert letters_sent_to(app) == ["board@example.org", "mayor@example.org"]

    # again within 24 hours, by the page or by the command line: nothing new
    assert "nothing can be sent now" in organizer.get(f"/organize/{slug}/letters/send?lang=en").text
    again = organizer.post(f"/organize/{slug}/letters/send?lang=en", data={"recipients_seen": fingerprint},
                           follow_redirects=True)
    assert "Nothing was sent" in again.text
    assert "queued the letters for 0 recipient(s)" in runner.invoke(args=["letters", "send", slug]).output
    assert letters_sent_to(app) == ["board@example.org", "mayor@example.org"] and rows(app, "handovers") == 2

    with app.app_context():
        assert send_letters(campaign_id(app, slug), now=utcnow() + timedelta(hours=23)) == []
        assert len(send_letters(campaign_id(app, slug), now=utcnow() + timedelta(hours=25))) == 2
        db.session.commit()
    assert letters_sent_to(app) == ["board@example.org"] * 2 + ["mayor@example.org"] * 2


def test_two_sends_at_once_hand_each_recipient_its_letters_once(committed_pg_app):
    from petition_app.letters.operations import send_letters

    slug = add_campaign(committed_pg_app)
    ident = campaign_id(committed_pg_app, slug)
    barrier, results, errors = threading.Barrier(4), [], []

    def press():
        try:
            with committed_pg_app.app_context():
                barrier.wait()
                results.append(len(send_letters(ident)))
                db.session.commit()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=press) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(results) == 3 and rows(committed_pg_app, "handovers") == 3
    assert sorted(letters_sent_to(committed_pg_app)) == ["board@example.org", "mayor@example.org", "police@example.org"]


# ---------------------------------------------------------------- what organizers see


def test_the_dashboard_and_the_export_hold_what_the_letters_hold_and_no_email_address(app, organizer):
    slug = add_campaign(app)
    with app.app_context():
        db.session.execute(sa.text("INSERT INTO campaign_organizers SELECT c.id, u.id FROM campaigns c, users u"))
        db.session.commit()
    signers = [
        {"name": "Anna de Vries", "city": "Leiden", "email": "anna@example.org", "is_public": True, "source": "whatsapp"},
        {"name": "Zoë Ñúñez", "city": None, "email": "zoe@example.org", "is_public": True, "locale": "en"},
        {"name": "Private Person", "city": "Delft", "email": "private@example.org", "is_public": False, "locale": "en"},
        {"name": "Not Confirmed", "email": "pending@example.org", "is_public": True, "confirmed": False},
    ]
    seed_signers(app, slug, signers)
    dashboard = organizer.get(f"/organize/{slug}?lang=en").text
    export = organizer.get(f"/organize/{slug}/signers.csv").data.decode()
    for signer in signers:
        assert signer["email"] not in dashboard and signer["email"] not in export
    assert "Anna de Vries" in dashboard and "Zoë Ñúñez" in dashboard
    assert "Private Person" not in dashboard and "Not Confirmed" not in dashboard
    assert list(csv.reader(io.StringIO(export))) == [["name", "city"], ["Anna de Vries", "Leiden"], ["Zoë Ñúñez", ""]]
    flat = re.sub(r"\s+", " ", dashboard)
    assert "Named in the letters</dt><dd>2</dd>" in flat.replace("> <", "><")
    assert "<li>Dutch: 1</li>" in flat and "<li>English: 2</li>" in flat and "<li>whatsapp: 1</li>" in flat


def test_moderators_pages_show_no_signers_address(app, moderator):
    slug = add_campaign(app)
    seed_signers(app, slug, [{"email": "anna@example.org", "ip_hash": "abc123"}])
    for path in ("/admin/", f"/admin/{slug}/invalidate", f"/admin/{slug}/preview", "/admin/jobs"):
        page = moderator.get(path)
        assert page.status_code == 200 and "anna@example.org" not in page.text, path
    counted = moderator.post(f"/admin/{slug}/invalidate?lang=en", data={"ip_hash": "abc123", "preview": "1"}).text
    assert "1 counted signature matches." in counted and "anna@example.org" not in counted


@pytest.mark.parametrize("page, status", [("99999999999999999999999", 404), ("-3", 404), ("0", 404), ("many", 200)])
def test_a_huge_or_strange_page_number_is_no_page_never_a_500(any_app, page, status):
    organizer = logged_in(any_app, "org@example.org")
    slug = add_campaign(any_app)
    with any_app.app_context():
        db.session.execute(sa.text("INSERT INTO campaign_organizers SELECT c.id, u.id FROM campaigns c, users u"))
        db.session.commit()
    seed_signers(any_app, slug, [{"name": "Anna de Vries", "is_public": True}])
    response = organizer.get(f"/organize/{slug}?page={page}&lang=en")
    assert response.status_code == status  # no such page, as on the signer wall; text that is no number is page 1
    if status == 200:
        assert "Signers who agreed to be named" in response.text


def test_the_privacy_statement_says_organizers_never_see_email_addresses(client):
    assert "organizers of a campaign never see your email address" in client.get("/privacy?lang=en").text.lower()
    assert "organisatoren van een campagne zien je e-mailadres nooit" in client.get("/privacy?lang=nl").text.lower()


# ---------------------------------------------------------------- recipients' addresses


@pytest.mark.parametrize("address", ["not-an-address", "rector@leiden", "rector@@example.org", "rector@example..org"])
def test_a_recipients_address_is_checked_like_a_signers(app, organizer, address):
    slug = write_campaign(app, organizer)
    added = organizer.post(f"/organize/{slug}/recipients?lang=en", data={"name": "Police", "email": address, "language": "nl"})
    assert added.status_code == 422 and "Enter a valid email address" in added.text and address in added.text
    assert rows(app, "recipients") == 1
    with app.app_context():
        recipient = db.session.execute(sa.text("SELECT id FROM recipients")).scalar_one()
    edited = organizer.post(f"/organize/{slug}/recipients/{recipient}/edit?lang=en",
                            data={"name": "Leiden University", "email": address, "language": "nl"})
    assert edited.status_code == 422 and "Enter a valid email address" in edited.text
    with app.app_context():
        assert db.session.execute(sa.text("SELECT email FROM recipients")).scalar_one() == "board@example.org"


def test_a_failed_edit_on_the_recipients_page_keeps_what_was_typed_and_says_what_is_wrong(app, organizer):
    """GOV.UK's pattern for each inline form of the page: 422, the error summary linking to the field,
    the form open with the organizer's own text and the error at the field; nothing is saved."""
    slug = write_campaign(app, organizer)
    with app.app_context():
        recipient = db.session.execute(sa.text("SELECT id FROM recipients")).scalar_one()
        demand = db.session.execute(sa.text("SELECT MIN(id) FROM demands")).scalar_one()
    edited = organizer.post(f"/organize/{slug}/recipients/{recipient}/edit?lang=en", data={
        "name": "College van Bestuur", "email": "board@@example.org", "language": "en", "salutation_en": "Dear Board,"})
    assert edited.status_code == 422
    assert "<title>Error:" in edited.text and "There is a problem" in edited.text
    assert f'href="#r{recipient}-email"' in edited.text and f'id="r{recipient}-email-error"' in edited.text
    assert "<details open>" in edited.text
    for typed in ('value="College van Bestuur"', 'value="board@@example.org"', 'value="Dear Board,"'):
        assert typed in edited.text
    assert re.search(rf'<select [^>]*id="r{recipient}-language"[^>]*>(?:(?!</select>).)*<option selected value="en">', edited.text, re.S)

    demanded = organizer.post(f"/organize/{slug}/demands/{demand}/edit?lang=en",
                              data={"text_nl": "Een nieuwe eis die ik niet kwijt wil", "text_en": ""})
    assert demanded.status_code == 422 and f'href="#d{demand}-text_en"' in demanded.text
    assert "Een nieuwe eis die ik niet kwijt wil</textarea>" in demanded.text

    added = organizer.post(f"/organize/{slug}/recipients/{recipient}/demands?lang=en",
                           data={"text_nl": "", "text_en": "A demand I typed"})
    assert added.status_code == 422 and f'href="#new-{recipient}-text_nl"' in added.text
    assert "A demand I typed</textarea>" in added.text
    with app.app_context():
        assert db.session.execute(sa.text("SELECT name, email, language FROM recipients")).one() == ("Leiden University", "board@example.org", "nl")
        assert db.session.execute(sa.text("SELECT COUNT(*) FROM demands")).scalar_one() == 2
        assert db.session.execute(sa.text("SELECT text_nl FROM demands WHERE id = :d"), {"d": demand}).scalar_one() == "Eis 0.0"


def test_a_campaign_file_with_a_bad_recipient_address_is_refused(app, runner, tmp_path):
    import yaml

    data = example_campaign_data()
    data["recipients"][1]["email"] = "mayor@leiden"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(args=["campaign", "import", str(path)])
    assert result.exit_code != 0 and "recipients[1].email: not a valid email address" in result.output
    assert rows(app, "campaigns") == 0
