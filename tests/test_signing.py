"""The path of a signature, through the web form and the confirmation link, on SQLite and PostgreSQL."""
from datetime import date, timedelta

import pytest
from freezegun import freeze_time

from helpers import (
    add_campaign, api_count, app_with_tables, mail_html, mail_text, read_outbox, rows, sign, subject, verify_path,
)
from petition_app.extensions import db
from petition_app.timeutil import utcnow


@pytest.fixture
def signing_app(any_app):
    any_app.slug = add_campaign(any_app)
    return any_app


def confirm(client, message):
    path = verify_path(message)
    return client.post(path, follow_redirects=True)


def test_a_signature_counts_only_once_confirmed(signing_app):
    client = signing_app.test_client()
    slug = signing_app.slug
    response = sign(client, slug)
    assert response.status_code == 200
    assert "Kijk in je mail" in response.text  # no language chosen: Dutch
    assert api_count(client, slug) == 0
    assert rows(signing_app, "signatures") == 1

    (message,) = read_outbox(signing_app)
    assert message["To"] == "anna@example.org"
    response = confirm(client, message)
    assert response.status_code == 200
    assert api_count(client, slug) == 1
    page = client.get(f"/campaigns/{slug}?lang=en").text
    assert "1 has signed — let's get to 1,500!" in page


def test_the_same_address_in_another_case_or_with_spaces_is_one_signature(signing_app):
    client = signing_app.test_client()
    for typed in ("anna@example.org", "  ANNA@Example.ORG ", "Anna@example.org\t"):
        assert sign(client, signing_app.slug, email=typed).status_code == 200
    assert rows(signing_app, "signatures") == 1
    mails = read_outbox(signing_app)
    assert len(mails) == 3 and all(m["To"] == "anna@example.org" for m in mails)
    for message in mails:
        confirm(client, message)
    assert api_count(client, signing_app.slug) == 1


def test_a_get_of_the_confirmation_link_changes_nothing(signing_app):
    client = signing_app.test_client()
    sign(client, signing_app.slug)
    (message,) = read_outbox(signing_app)
    path = verify_path(message)
    for _ in range(3):
        response = client.get(path + "?lang=en")
        assert response.status_code == 200
        assert "Confirm my signature" in response.text
    assert api_count(client, signing_app.slug) == 0
    with signing_app.app_context():
        assert db.session.execute(db.text("SELECT confirmed_at FROM signatures")).scalar_one() is None


def test_confirming_twice_counts_once(signing_app):
    client = signing_app.test_client()
    sign(client, signing_app.slug)
    (message,) = read_outbox(signing_app)
    first = client.post(verify_path(message) + "?lang=en", follow_redirects=True)
    second = client.post(verify_path(message) + "?lang=en", follow_redirects=True)
    assert "Thank you, your signature is confirmed" in first.text
    assert "Your signature was already confirmed" in second.text
    assert api_count(client, signing_app.slug) == 1


def test_confirming_sends_the_signer_on_to_a_thank_you_page_a_reload_cannot_repeat(signing_app):
    """Post/redirect/get: the confirmation answers 303 to the campaign's thank-you page in the signer's
    language; that page is the same for everyone (no cookie, cacheable) and reloading it confirms nothing."""
    client = signing_app.test_client()
    sign(client, signing_app.slug)
    (message,) = read_outbox(signing_app)
    path = verify_path(message)
    client.get(path + "?lang=en")  # the confirmation page chose English (the `lang` cookie)
    first = client.post(path)
    assert first.status_code == 303
    assert first.headers["Location"] == f"/campaigns/{signing_app.slug}/confirmed"
    assert first.headers["Cache-Control"] == "no-store"
    page = client.get(first.headers["Location"])
    assert page.status_code == 200
    assert "Thank you, your signature is confirmed" in page.text and "1 has signed" in page.text
    assert "may not include your signature yet" in page.text
    # kept by nginx for a few seconds (X-Accel-Expires), by the browser not at all: a shared device keeps no copy
    assert page.headers["Cache-Control"] == "no-store" and page.headers["X-Accel-Expires"] == "5"
    assert "Set-Cookie" not in page.headers
    assert "anna" not in page.text.lower()
    for _ in range(2):
        assert client.get(first.headers["Location"]).status_code == 200
    again = client.post(path)
    assert again.status_code == 303 and again.headers["Location"].endswith("/confirmed/again")
    pressed_again = client.get(again.headers["Location"]).text
    assert "Your signature was already confirmed" in pressed_again and "may not include" not in pressed_again
    assert f'href="/campaigns/{signing_app.slug}/confirmed/again?lang=nl"' in pressed_again  # the other language, same page
    dutch = signing_app.test_client().get(first.headers["Location"], headers={"Accept-Language": "nl"})
    assert "Bedankt, je handtekening is bevestigd" in dutch.text and "Set-Cookie" not in dutch.headers
    assert api_count(client, signing_app.slug) == 1
    assert client.get("/campaigns/no-such-campaign/confirmed").status_code == 404


def test_a_link_pressed_again_after_the_campaign_was_taken_offline_shows_nothing_of_it(signing_app):
    client = signing_app.test_client()
    sign(client, signing_app.slug)
    (message,) = read_outbox(signing_app)
    path = verify_path(message) + "?lang=en"
    assert client.post(path).status_code == 303
    with signing_app.app_context():
        db.session.execute(db.text("UPDATE campaigns SET status = 'hidden'"))
        db.session.commit()
    for answer in (client.get(path), client.post(path)):
        assert answer.status_code == 409 and "This campaign is closed" in answer.text
        assert "a safe Leiden" not in answer.text and f"/campaigns/{signing_app.slug}" not in answer.text
    assert client.get(f"/campaigns/{signing_app.slug}/confirmed").status_code == 404


def test_a_repeat_after_confirming_gets_an_already_signed_mail_without_a_link(signing_app):
    client = signing_app.test_client()
    sign(client, signing_app.slug, lang="en")
    confirm(client, read_outbox(signing_app)[0])
    sign(client, signing_app.slug, name="Someone Else", lang="en")
    latest = read_outbox(signing_app)[-1]
    assert subject(latest).startswith("You have already signed")
    assert "/verify/" not in mail_text(latest) and "/verify/" not in mail_html(latest)
    assert "Hello Anna de Vries" in mail_text(latest)  # the signature keeps its own name
    assert api_count(client, signing_app.slug) == 1


def test_at_most_five_mails_per_signature(signing_app):
    client = signing_app.test_client()
    for _ in range(8):
        assert sign(client, signing_app.slug).status_code == 200
    assert len(read_outbox(signing_app)) == 5


def test_mails_are_in_the_signers_language_with_text_and_html(signing_app):
    client = signing_app.test_client()
    sign(client, signing_app.slug, email="nl@example.org", lang="nl")
    sign(client, signing_app.slug, email="en@example.org", lang="en")
    mails = {m["To"]: m for m in read_outbox(signing_app)}
    dutch, english = mails["nl@example.org"], mails["en@example.org"]
    assert subject(dutch).startswith("Bevestig je handtekening")
    assert "Open deze link en druk op de knop" in mail_text(dutch)
    assert "Bevestig mijn handtekening" in mail_html(dutch)
    assert subject(english).startswith("Confirm your signature")
    assert "Open this link and press the button" in mail_text(english)
    assert "The link is valid for 7 days." in mail_text(english)
    assert verify_path(dutch) != verify_path(english)
    # mail programs (and screen readers) read the language from the header
    assert (dutch["Content-Language"], english["Content-Language"]) == ("nl", "en")


def test_an_expired_link_offers_to_sign_again(signing_app):
    client = signing_app.test_client()
    sign(client, signing_app.slug)
    (message,) = read_outbox(signing_app)
    with freeze_time(utcnow() + timedelta(days=8)):
        response = client.post(verify_path(message) + "?lang=en", follow_redirects=True)
    assert response.status_code == 410
    assert "This link has expired" in response.text
    assert "Sign again" in response.text
    assert api_count(client, signing_app.slug) == 0


@pytest.mark.parametrize("mangle", [lambda p: p[:-3] + "abc", lambda p: p + "x", lambda p: "/verify/nonsense"])
def test_a_tampered_link_is_refused(signing_app, mangle):
    client = signing_app.test_client()
    sign(client, signing_app.slug)
    (message,) = read_outbox(signing_app)
    response = client.post(mangle(verify_path(message)) + "?lang=en")
    assert response.status_code == 404
    assert "This link is not valid" in response.text
    assert api_count(client, signing_app.slug) == 0


def signed_then_closed(app):
    """Someone signs; then the organizers close the campaign before the signer confirms."""
    client = app.test_client()
    sign(client, app.slug)
    (message,) = read_outbox(app)
    with app.app_context():
        db.session.execute(db.text("UPDATE campaigns SET status = 'closed', closed_at = :now"), {"now": utcnow()})
        db.session.commit()
    return client, message


def test_a_closed_campaign_refuses_signatures_but_confirms_for_24_hours(signing_app):
    client, message = signed_then_closed(signing_app)

    response = sign(client, signing_app.slug, email="late@example.org", lang="en")
    assert response.status_code == 409
    assert "This campaign is closed and no longer takes signatures." in response.text
    assert rows(signing_app, "signatures") == 1

    with freeze_time(utcnow() + timedelta(hours=23)):
        assert client.post(verify_path(message), follow_redirects=True).status_code == 200
    assert api_count(client, signing_app.slug) == 1


def test_confirmation_is_refused_more_than_24_hours_after_closing(signing_app):
    client, message = signed_then_closed(signing_app)
    with freeze_time(utcnow() + timedelta(hours=25)):
        response = client.post(verify_path(message) + "?lang=en", follow_redirects=True)
    assert response.status_code == 409
    assert "This campaign is closed" in response.text
    assert api_count(client, signing_app.slug) == 0


def test_a_campaign_past_its_closing_date_refuses_signatures(app):
    slug = add_campaign(app, closes_at=date.today() - timedelta(days=2))
    response = sign(app.test_client(), slug, lang="en")
    assert response.status_code == 409
    assert rows(app, "signatures") == 0


def test_reaching_a_goal_records_one_milestone_per_goal(any_app):
    slug = add_campaign(any_app, goals=[2, 3])
    client = any_app.test_client()
    for i in range(4):
        sign(client, slug, email=f"signer{i}@example.org")
    for message in read_outbox(any_app):
        confirm(client, message)
    body = client.get(f"/api/v1/campaigns/{slug}").get_json()
    assert body["signature_count"] == 4
    assert [m["goal"] for m in body["milestones"]] == [2, 3]
    assert rows(any_app, "milestones") == 2


def test_the_ip_is_stored_only_as_a_keyed_hash(app, campaign):
    client = app.test_client()
    client.post(f"/campaigns/{campaign}/sign", data={"name": "A", "email": "a@example.org", "consent": "y"},
                environ_base={"REMOTE_ADDR": "203.0.113.7"})
    with app.app_context():
        (ip_hash,) = db.session.execute(db.text("SELECT ip_hash FROM signatures")).one()
    assert ip_hash and "203.0.113.7" not in ip_hash and len(ip_hash) == 64


def test_signing_still_works_when_redis_is_unreachable(tmp_path):
    app = app_with_tables(tmp_path, REDIS_URL="redis://127.0.0.1:9/0")  # nothing listens on the discard port
    slug = add_campaign(app)
    response = sign(app.test_client(), slug, lang="en")
    assert response.status_code == 200
    assert "Check your email" in response.text
    assert rows(app, "signatures") == 1


def test_a_share_links_source_tag_is_kept_with_the_signature(app, campaign):
    client = app.test_client()
    page = client.get(f"/campaigns/{campaign}?s=whatsapp").text
    assert 'name="source" type="hidden" value="whatsapp"' in page
    assert 'name="source" type="hidden" value=""' in client.get(f"/campaigns/{campaign}?s=<script>").text
    client.post(f"/campaigns/{campaign}/sign", data={"name": "A", "email": "a@example.org", "consent": "y", "source": "whatsapp"})
    client.post(f"/campaigns/{campaign}/sign", data={"name": "B", "email": "b@example.org", "consent": "y", "source": "DROP TABLE"})
    with app.app_context():
        sources = db.session.execute(db.text("SELECT source FROM signatures ORDER BY id")).scalars().all()
    assert sources == ["whatsapp", None]
