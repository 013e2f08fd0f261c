"""A cheaper campaign page when no HTTP cache serves it (issue 12, point 3): the Markdown is rendered
once per change of the text and stored, the page loads nothing lazily, and for anonymous visitors the
rendered page is kept in Flask-Caching, with the count and the form's token filled in per request."""
import re
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from freezegun import freeze_time

from helpers import add_campaign, app_with_tables, logged_in, make_app, rows
from petition_app.extensions import db
from petition_app.markdown import render_markdown

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
PROGRESS = re.compile(r'<div class="progress campaign-progress">.*?</div>\s*</div>', re.S)  # the count, goals


def statements(app, action):
    """Run `action` and return (its result, the SQL statements it sent)."""
    sent = []

    def note(conn, cursor, statement, *args):
        sent.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        return action(), sent
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)


def without_count(page):
    return PROGRESS.sub("", TOKEN.sub("", page))


def set_count(app, slug, count):
    """Raise the count with a statement, as a confirmation does."""
    with app.app_context():
        db.session.execute(sa.text("UPDATE campaigns SET confirmed_count = :n WHERE slug = :s"), {"n": count, "s": slug})
        db.session.commit()


@pytest.fixture
def cached_app(tmp_path):
    """The app with a fragment cache (in this process's memory) and CSRF on, as production has."""
    app = app_with_tables(tmp_path, CACHE_TYPE="SimpleCache", WTF_CSRF_ENABLED=True)
    return app


def body_columns(app, slug):
    with app.app_context():
        return db.session.execute(sa.text(
            "SELECT body_nl, body_en, body_html_nl, body_html_en FROM campaigns WHERE slug = :s"), {"s": slug}).one()


def test_the_body_is_rendered_when_it_changes_and_stored_not_on_every_view(any_app, monkeypatch):
    slug = add_campaign(any_app)
    body_nl, body_en, html_nl, html_en = body_columns(any_app, slug)
    assert html_nl == str(render_markdown(body_nl)) and "<strong>Safe Leiden</strong>" in html_nl
    assert html_en == str(render_markdown(body_en))

    import petition_app.campaigns.models as models

    def never(text):
        raise AssertionError("the page rendered Markdown")

    monkeypatch.setattr(models, "render_markdown", never)
    page = any_app.test_client().get(f"/campaigns/{slug}?lang=en")
    assert page.status_code == 200 and html_en in page.text
    monkeypatch.undo()

    from petition_app.campaigns.queries import public_campaign

    with any_app.app_context():
        public_campaign(slug).body_en = "A *new* text <script>alert(1)</script>"
        db.session.commit()
    _, _, still_nl, new_en = body_columns(any_app, slug)
    assert new_en == "<p>A <em>new</em> text </p>" and still_nl == html_nl  # sanitised: no script
    assert "A <em>new</em> text" in any_app.test_client().get(f"/campaigns/{slug}?lang=en").text


def test_a_campaign_page_loads_everything_it_shows_up_front(app):
    slug = add_campaign(app)
    from petition_app.organizers.operations import send_update
    from petition_app.campaigns.queries import public_campaign

    with app.app_context():
        send_update(public_campaign(slug), "Nieuws", "News of the day")
        db.session.commit()
    client = app.test_client()
    page, sent = statements(app, lambda: client.get(f"/campaigns/{slug}?lang=en"))
    assert page.status_code == 200 and "News of the day" in page.text and "Leiden University" in page.text
    # the version, the campaign with recipients, demands, answers, corrections and updates, the stories
    assert len(sent) == 8, sent


def test_a_cached_page_shows_the_count_as_it_is_now_and_a_current_working_token(cached_app):
    # 20 s before the form token moves on (it changes every 5 minutes), well within the page cache's minute
    now = datetime.now(timezone.utc).replace(microsecond=0)
    with freeze_time(now + timedelta(seconds=300 - now.timestamp() % 300 - 20)) as clock:
        _cached_page_with_count_and_token(cached_app, clock)


def _cached_page_with_count_and_token(app, clock):
    slug = add_campaign(app)
    first, second = app.test_client(), app.test_client()
    set_count(app, slug, 120)
    page, sent = statements(app, lambda: first.get(f"/campaigns/{slug}?lang=en"))
    assert page.status_code == 200 and "120 have signed" in page.text and len(sent) > 1
    set_count(app, slug, 121)  # within the share image's step (120): the same cached page

    again, sent = statements(app, lambda: second.get(f"/campaigns/{slug}?lang=en"))
    assert len(sent) == 1, sent  # one statement: the rest came from the cache
    assert "121 have signed" in again.text and "120 have signed" not in again.text
    assert "<!--petition:" not in again.text
    token_second = TOKEN.search(again.text).group(1)
    assert without_count(page.text) == without_count(again.text)  # the rest is the same page
    # The form token is the campaign's (no session) and moves on every few minutes: a page from the cache
    # carries the token of now, not the one it was rendered with.
    clock.tick(40)
    later, sent = statements(app, lambda: app.test_client().get(f"/campaigns/{slug}?lang=en"))
    assert len(sent) == 1, sent  # still the cached page
    assert TOKEN.search(later.text).group(1) != token_second

    answer = second.post(f"/campaigns/{slug}/sign?lang=en", data={
        "csrf_token": token_second, "name": "Anna", "email": "anna@example.org", "consent": "y"})
    assert answer.status_code == 303 and rows(app, "signatures") == 1
    set_count(app, slug, 130)  # the next step: the share image's address changes, so the page too
    assert "share.png?language=en&amp;v=130" in second.get(f"/campaigns/{slug}?lang=en").text


def test_what_changes_on_the_page_reaches_anonymous_visitors_at_once(cached_app):
    app = cached_app
    slug = add_campaign(app)
    visitor = app.test_client()
    assert "News of the day" not in visitor.get(f"/campaigns/{slug}?lang=en").text
    from petition_app.campaigns.queries import public_campaign
    from petition_app.organizers.operations import send_update

    with app.app_context():
        send_update(public_campaign(slug), "Nieuws", "News of the day")
        db.session.commit()
    assert "News of the day" in visitor.get(f"/campaigns/{slug}?lang=en").text

    with app.app_context():
        public_campaign(slug).title_en = "Safe Leiden, renamed"
        db.session.commit()
    assert "Safe Leiden, renamed" in visitor.get(f"/campaigns/{slug}?lang=en").text
    with app.app_context():
        public_campaign(slug).status = "closed"
        db.session.commit()
    assert "This campaign is closed" in visitor.get(f"/campaigns/{slug}?lang=en").text


def test_logged_in_visitors_and_share_links_get_their_own_page(tmp_path):
    app = app_with_tables(tmp_path, CACHE_TYPE="SimpleCache")
    slug = add_campaign(app)
    app.test_client().get(f"/campaigns/{slug}?lang=en")
    organizer = logged_in(app, "org@example.org")
    page, sent = statements(app, lambda: organizer.get(f"/campaigns/{slug}?lang=en"))
    assert page.status_code == 200 and len(sent) > 2  # rendered for them (the stories show team members more)
    _, sent = statements(app, lambda: app.test_client().get(f"/campaigns/{slug}?lang=en"))
    assert len(sent) == 1
    shared = app.test_client().get(f"/campaigns/{slug}?lang=en&s=poster").text
    assert re.search(r'name="source" type="hidden" value="poster"', shared)
    plain = app.test_client().get(f"/campaigns/{slug}?lang=en").text
    assert 'value="poster"' not in plain


def test_the_migration_stores_the_rendered_body_of_existing_campaigns(tmp_path):
    from flask_migrate import upgrade

    app = make_app(tmp_path)
    with app.app_context():
        upgrade(revision="i11a_signing")
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO campaigns (slug, status, title_nl, title_en, summary_nl, summary_en, body_nl, body_en, goals,"
                " organizer_name, organizer_email, organizer_language, created_at, confirmed_count)"
                " VALUES ('old', 'open', 'T', 'T', 'S', 'S', 'Een **tekst**', '', '[10]', 'Org', 'o@example.org', 'nl',"
                " CURRENT_TIMESTAMP, 0)"))
        upgrade()
        stored = db.session.execute(sa.text("SELECT body_html_nl, body_html_en FROM campaigns")).one()
        db.engine.dispose()
    assert stored == ("<p>Een <strong>tekst</strong></p>", "")
