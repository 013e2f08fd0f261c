"""Milestone updates: crossing a goal mails every confirmed signer who asked for updates, once, in their
language, and tells the organizers. In-process jobs and the outbox here; the real worker in test_worker."""
import re

import pytest

from helpers import add_campaign, header, mail_text, read_outbox, rows, seed_signers, sign, subject, verify_path
from petition_app.extensions import db


def milestone_mails(app):
    return [m for m in read_outbox(app) if "/verify/" not in mail_text(m)]


def cross_goal(app, slug, lang="nl"):
    """The last signer needed: signs through the form and confirms through the link."""
    client = app.test_client()
    sign(client, slug, email="last@example.org", lang=lang, updates=True)
    message = [m for m in read_outbox(app) if m["To"] == "last@example.org"][-1]
    assert client.post(verify_path(message), follow_redirects=True).status_code == 200


@pytest.fixture
def campaign_near_goal(any_committed_app):
    slug = add_campaign(any_committed_app, goals=[6, 10])
    seed_signers(
        any_committed_app,
        slug,
        [
            {"email": "anna@example.org", "locale": "nl", "wants_updates": True},
            {"email": "ben@example.org", "locale": "en", "wants_updates": True},
            {"email": "quiet@example.org", "locale": "nl", "wants_updates": False},
            {"email": "pending@example.org", "locale": "en", "wants_updates": True, "confirmed": False},
            {"email": "cleo@example.org", "locale": "en", "wants_updates": True},
            {"email": "dirk@example.org", "locale": "nl", "wants_updates": True},
        ],
    )
    return any_committed_app, slug  # 5 confirmed: the next confirmation reaches 6


def test_crossing_a_goal_mails_each_opted_in_confirmed_signer_once_in_their_language(campaign_near_goal):
    app, slug = campaign_near_goal
    cross_goal(app, slug)
    mails = milestone_mails(app)
    by_recipient = {}
    for message in mails:
        by_recipient.setdefault(message["To"], []).append(message)
    assert sorted(by_recipient) == sorted(
        ["anna@example.org", "ben@example.org", "cleo@example.org", "dirk@example.org", "last@example.org",
         "organizers@example.org"]
    )
    assert all(len(v) == 1 for v in by_recipient.values())

    dutch, english = by_recipient["anna@example.org"][0], by_recipient["ben@example.org"][0]
    assert subject(dutch).startswith("6 handtekeningen:")
    assert "heeft 6 handtekeningen bereikt" in mail_text(dutch)
    assert "Het volgende doel is 10." in mail_text(dutch)
    assert subject(english).startswith("6 signatures:")
    assert "has reached 6 signatures" in mail_text(english)
    assert "because you signed" in mail_text(english) and "asked for updates" in mail_text(english)

    for message in (dutch, english):
        assert re.fullmatch(r"<http://localhost/unsubscribe/[\w.\-]+\?lang=(nl|en)>", header(message, "List-Unsubscribe"))
        assert header(message, "List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    organizers = by_recipient["organizers@example.org"][0]
    assert subject(organizers) == "Je campagne heeft 6 handtekeningen bereikt"  # the organizers' language: Dutch, the default
    assert rows(app, "deliveries") == 5


def test_a_signer_confirmed_after_the_milestone_does_not_get_its_mail(campaign_near_goal):
    app, slug = campaign_near_goal
    cross_goal(app, slug)
    before = len(milestone_mails(app))
    client = app.test_client()
    sign(client, slug, email="late@example.org", updates=True)
    client.post(verify_path(read_outbox(app)[-1]), follow_redirects=True)
    assert len(milestone_mails(app)) == before
    assert "late@example.org" not in [m["To"] for m in milestone_mails(app)]


def test_announcing_again_sends_nothing_twice(campaign_near_goal):
    from petition_app.notifications.tasks import announce_milestone

    app, slug = campaign_near_goal
    cross_goal(app, slug)
    before = len(milestone_mails(app))
    with app.app_context():
        milestone_id = db.session.execute(db.text("SELECT id FROM milestones")).scalar_one()
        announce_milestone(milestone_id)  # already announced: returns at once
        db.session.execute(db.text("UPDATE milestones SET announced_at = NULL"))
        db.session.commit()
        announce_milestone(milestone_id)  # as if interrupted: the deliveries say who was reached
    assert len(milestone_mails(app)) == before


def test_one_click_unsubscribe_stops_updates_but_keeps_the_signature(campaign_near_goal):
    app, slug = campaign_near_goal
    cross_goal(app, slug)
    ben = next(m for m in milestone_mails(app) if m["To"] == "ben@example.org")
    url = header(ben, "List-Unsubscribe").strip("<>").replace("http://localhost", "")
    assert url.endswith("?lang=en")
    url = url.removesuffix("?lang=en")
    client = app.test_client()
    page = client.get(url + "?lang=en")
    assert page.status_code == 200 and "Stop updates" in page.text
    with app.app_context():
        assert db.session.execute(db.text("SELECT wants_updates FROM signatures WHERE email = 'ben@example.org'")).scalar()
    # what a mail program sends (RFC 8058): a POST without a form token
    response = client.post(url + "?lang=en", data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200 and "Updates stopped" in response.text
    with app.app_context():
        assert not db.session.execute(db.text("SELECT wants_updates FROM signatures WHERE email = 'ben@example.org'")).scalar()
    assert client.get(f"/api/v1/campaigns/{slug}").get_json()["signature_count"] == 6

    # the next goal does not reach ben
    seed_signers(app, slug, [{"email": f"more{i}@example.org"} for i in range(3)])
    before = len(milestone_mails(app))
    sign(client, slug, email="tenth@example.org")
    client.post(verify_path(read_outbox(app)[-1]), follow_redirects=True)
    assert client.get(f"/api/v1/campaigns/{slug}").get_json()["signature_count"] == 10
    new = [m["To"] for m in milestone_mails(app)[before:]]
    assert "ben@example.org" not in new and "anna@example.org" in new


def test_a_tampered_unsubscribe_link_is_refused(app, campaign):
    response = app.test_client().post("/unsubscribe/not-a-token?lang=en")
    assert response.status_code == 404
    assert "This link is not valid" in response.text
