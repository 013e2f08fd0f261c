"""The anonymous paths of stories cannot be used to flood an inbox (issue 20, point 6): "mail me my
code" mails a code at most 3 times an hour per code and per address, with the same answer beyond it;
a code works only on its own campaign; and the team hears of a flood of submissions in one mail per
window that says how many are new."""
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from freezegun import freeze_time

from helpers import app_with_tables, mail_text, read_outbox, subject
from petition_app.extensions import db
from test_stories import send_story, story_campaign, world  # noqa: F401 (world is a fixture)



def start():
    """Now: the in-memory limiter expires its counters in a thread that freezegun leaves on the real
    clock, so a frozen clock may only be moved forward from the real time."""
    return datetime.now(timezone.utc)


@pytest.fixture
def app(tmp_path):
    """Rate limits on, as in production (the test configuration switches them off)."""
    app = app_with_tables(tmp_path, RATELIMIT_ENABLED=True)
    yield app
    with app.app_context():
        db.engine.dispose()


def mailed_to(app, address):
    return [m for m in read_outbox(app) if m["To"] == address]


def ask(client, slug, code, email):
    response = client.post(f"/campaigns/{slug}/stories/mail-code?lang=en", data={"code": code, "email": email})
    return response.status_code, response.text.count("We did not keep the address")


def test_the_fourth_request_for_one_code_mails_nothing_and_the_page_says_the_same(app):
    slug = story_campaign(app)
    client = app.test_client()
    _, code = send_story(client, slug)
    answers = [ask(client, slug, code, f"reader{n}@example.org") for n in range(4)]
    assert answers == [(200, 1)] * 4  # nothing on the page tells the 4th from the others
    assert [len(mailed_to(app, f"reader{n}@example.org")) for n in range(4)] == [1, 1, 1, 0]


def test_the_fourth_code_for_one_address_mails_nothing_and_the_window_passes(app):
    slug = story_campaign(app)
    client = app.test_client()
    with freeze_time(start()) as clock:
        codes = [send_story(client, slug)[1] for _ in range(5)]
        typed = ["target@example.org", "Target@Example.org", "target+1@example.org", "target+2@example.org"]
        answers = [ask(client, slug, code, address) for code, address in zip(codes, typed)]
        assert answers == [(200, 1)] * 4
        assert [len(mailed_to(app, address)) for address in typed] == [1, 1, 1, 0]  # one person, however typed
        clock.tick(timedelta(hours=1, minutes=1))
        assert ask(client, slug, codes[4], "target@example.org") == (200, 1)
    assert len(mailed_to(app, "target@example.org")) == 2


def test_a_code_works_only_on_its_own_campaigns_path(app):
    slug = story_campaign(app)
    other = story_campaign(app, slug="try-harder")
    client = app.test_client()
    _, code = send_story(client, slug)
    assert client.post(f"/campaigns/{other}/stories/mail-code", data={"code": code, "email": "me@example.org"}).status_code == 404
    assert mailed_to(app, "me@example.org") == []
    assert ask(client, slug, code, "me@example.org") == (200, 1)
    [message] = mailed_to(app, "me@example.org")
    assert code in mail_text(message)


def team_alerts(app):
    return [m for m in read_outbox(app) if m["To"] == "team@example.org" and "New in the story queue" in subject(m)]


def test_a_flood_of_submissions_is_one_alert_per_window_saying_how_many_are_new(app, world):  # noqa: F811
    from petition_app.stories.tasks import look_after_stories

    def periodic():
        with app.app_context():
            look_after_stories()

    with freeze_time(start()) as clock:
        for n in range(10):
            assert send_story(app.test_client(), world.slug, text=f"Verhaal {n}")[0].status_code == 200
        [first] = team_alerts(app)
        assert "1 new submission waits" in mail_text(first)
        periodic()  # within the window: nothing more
        assert len(team_alerts(app)) == 1
        clock.tick(timedelta(minutes=16))
        periodic()  # the window passed: one mail for the nine that came meanwhile
        alerts = team_alerts(app)
        assert len(alerts) == 2 and "9 new submissions wait" in mail_text(alerts[1])
        for message in alerts:
            assert "Verhaal" not in mail_text(message)
        clock.tick(timedelta(minutes=16))
        periodic()  # nothing new: no mail
        assert len(team_alerts(app)) == 2
        send_story(app.test_client(), world.slug)  # a quiet window: the next one is alerted at once
        alerts = team_alerts(app)
        assert len(alerts) == 3 and "1 new submission waits" in mail_text(alerts[2])
    with app.app_context():
        assert db.session.execute(sa.text("SELECT COUNT(*) FROM story_submissions WHERE NOT team_alerted")).scalar_one() == 0
