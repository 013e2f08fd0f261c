"""Organizers and moderators through the web forms: write, preview, submit, approve, run a campaign."""
import csv
import io
import re
from datetime import timedelta

import pytest
from freezegun import freeze_time

from helpers import (
    CAMPAIGN, PASSWORD, RECIPIENTS, add_campaign, add_organizer, api_count, app_with_tables, login, mail_text,
    make_admin, make_organizer, read_outbox, recipients_seen, rows, seed_signers, sign, subject, verify_path,
)
from petition_app.extensions import db
from petition_app.timeutil import utcnow

def written_campaign(app, client):
    response = client.post("/organize/new?lang=en", data=CAMPAIGN)
    assert response.status_code == 302
    slug = response.headers["Location"].split("/organize/")[1].split("/")[0]
    for name, email, language in RECIPIENTS:
        client.post(f"/organize/{slug}/recipients", data={"name": name, "email": email, "language": language})
    with app.app_context():
        ids = db.session.execute(db.text("SELECT id FROM recipients ORDER BY position")).scalars().all()
    for index, recipient_id in enumerate(ids):
        for n in range(2):
            client.post(f"/organize/{slug}/recipients/{recipient_id}/demands",
                        data={"text_nl": f"Eis {index}.{n}", "text_en": f"Demand {index}.{n}"})
    return slug, ids


def published(app, runner, organizer, slug):
    """Submit a written campaign and have a moderator approve its first revision."""
    assert organizer.post(f"/organize/{slug}/submit").status_code == 302
    admin = make_admin(app)
    assert admin.post(f"/admin/{slug}/approve", data={"revision": 1, "confirm": "1"}).status_code == 302
    assert app.test_client().get(f"/campaigns/{slug}").status_code == 200
    return admin


def test_the_whole_path_of_a_campaign_through_the_web_forms(app, runner):
    organizer = make_organizer(app)
    slug, recipient_ids = written_campaign(app, organizer)
    assert slug == "safe-leiden-now"
    assert rows(app, "recipients") == 3 and rows(app, "demands") == 6

    # edit, reorder and remove
    with app.app_context():
        demand_ids = db.session.execute(db.text("SELECT id FROM demands WHERE recipient_id = :r ORDER BY position"),
                                        {"r": recipient_ids[0]}).scalars().all()
    organizer.post(f"/organize/{slug}/demands/{demand_ids[1]}/up")
    organizer.post(f"/organize/{slug}/demands/{demand_ids[0]}/edit", data={"text_nl": "Eis A", "text_en": "Demand A"})
    organizer.post(f"/organize/{slug}/recipients/{recipient_ids[2]}/up")
    page = organizer.get(f"/organize/{slug}/recipients?lang=en").text
    assert page.index("Demand 0.1") < page.index("Demand A")
    assert page.index("Leiden Police") < page.index("Mayor of Leiden")

    # preview in both languages, exactly like the public page, while the public sees nothing
    dutch = organizer.get(f"/organize/{slug}/preview?lang=nl").text
    english = organizer.get(f"/organize/{slug}/preview?lang=en").text
    assert "Veilig Leiden" in dutch and "<strong>Doe mee.</strong>" in dutch and "Eis A" in dutch
    assert "Safe Leiden now" in english and "Demand A" in english
    assert app.test_client().get(f"/campaigns/{slug}").status_code == 404

    # submit for review; a moderator approves; the organizer is told
    admin = make_admin(app)
    assert organizer.post(f"/organize/{slug}/submit").status_code == 302
    assert [subject(m) for m in read_outbox(app) if m["To"] == "mod@example.org"] == ["Te beoordelen: Veilig Leiden"]
    queue = admin.get("/admin/?lang=en").text
    assert "Safe Leiden now" in queue and "Revision 1" in queue and "Approve and publish revision 1" in queue
    assert admin.post(f"/admin/{slug}/approve", data={"revision": 1, "confirm": "1"}).status_code == 302
    told = [m for m in read_outbox(app) if m["To"] == "org@example.org"][-1]
    assert subject(told) == "Your campaign is live: Safe Leiden now"
    assert app.test_client().get(f"/campaigns/{slug}").status_code == 200

    # published text is not edited in place: the editor sends the organizer to a correction
    response = organizer.post(f"/organize/{slug}/demands/{demand_ids[0]}/edit", data={"text_nl": "Stiekem", "text_en": "Sneaky"})
    assert response.headers["Location"].endswith(f"/organize/{slug}/correct")
    assert "Sneaky" not in app.test_client().get(f"/campaigns/{slug}?lang=en").text

    # it collects signatures; the dashboard shows them
    client = app.test_client()
    for i in range(3):
        sign(client, slug, email=f"s{i}@example.org", updates=True, lang="nl" if i else "en")
        client.post(verify_path(read_outbox(app)[-1]), follow_redirects=True)
    assert api_count(client, slug) == 3
    dashboard = organizer.get(f"/organize/{slug}?lang=en").text
    assert ">3</dd>" in dashboard and "@example.org" not in dashboard

    # the letters are sent to the three recipients, after a page that shows to whom
    assert organizer.get(f"/organize/{slug}/letters/send?lang=en").status_code == 200
    organizer.post(f"/organize/{slug}/letters/send", data={"recipients_seen": recipients_seen(organizer, slug)})
    letters_to = sorted(m["To"] for m in read_outbox(app) if m.get_content_type() == "multipart/mixed")
    assert letters_to == ["board@example.org", "mayor@example.org", "police@example.org"]
    assert "Hand-over log" in organizer.get(f"/organize/{slug}?lang=en").text

    # an update goes to the signers who asked, each in their language; a second one must wait 48 hours
    before = len(read_outbox(app))
    organizer.post(f"/organize/{slug}/updates", data={"body_nl": "Wij spraken de rector.", "body_en": "We met the rector.", "confirm": "1"})
    news = read_outbox(app)[before:]
    assert sorted(m["To"] for m in news) == ["s0@example.org", "s1@example.org", "s2@example.org"]
    assert "We met the rector." in mail_text(next(m for m in news if m["To"] == "s0@example.org"))
    assert "Wij spraken de rector." in mail_text(next(m for m in news if m["To"] == "s1@example.org"))
    assert "We met the rector." in app.test_client().get(f"/campaigns/{slug}?lang=en").text
    assert "Wij spraken de rector." in app.test_client().get(f"/campaigns/{slug}?lang=nl").text
    organizer.post(f"/organize/{slug}/updates", data={"body_nl": "Nog meer", "body_en": "More", "confirm": "1"})
    assert rows(app, "updates") == 1
    with freeze_time(utcnow() + timedelta(hours=49)):  # (the session stays valid only inside this block)
        assert login(organizer).status_code == 302  # a login lasts 12 hours: two days later, log in again
        organizer.post(f"/organize/{slug}/updates", data={"body_nl": "Nog meer", "body_en": "More", "confirm": "1"})
    assert rows(app, "updates") == 2



def test_the_action_addresses_of_pages_loaded_before_the_split_still_work(app):
    """A recipients page loaded before each change had an endpoint of its own posts to ?action=: each
    still does what its button says, and an unknown action changes nothing."""
    organizer = make_organizer(app)
    slug, recipient_ids = written_campaign(app, organizer)

    def demands():
        with app.app_context():
            return db.session.execute(db.text("SELECT id FROM demands WHERE recipient_id = :r ORDER BY position"),
                                      {"r": recipient_ids[0]}).scalars().all()

    first = demands()
    assert organizer.post(f"/organize/{slug}/recipients/{recipient_ids[0]}?action=add_demand",
                          data={"text_nl": "Eis nieuw", "text_en": "Demand new"}).status_code == 302
    assert organizer.post(f"/organize/{slug}/demands/{first[0]}?action=edit",
                          data={"text_nl": "Eis B", "text_en": "Demand B"}).status_code == 302
    assert organizer.post(f"/organize/{slug}/demands/{first[0]}?action=down").status_code == 302
    assert organizer.post(f"/organize/{slug}/recipients/{recipient_ids[2]}?action=up").status_code == 302
    assert organizer.post(f"/organize/{slug}/demands/{first[1]}?action=remove").status_code == 302
    page = organizer.get(f"/organize/{slug}/recipients?lang=en").text
    assert "Demand 0.1" not in page and page.index("Demand B") < page.index("Demand new")
    assert page.index("Leiden Police") < page.index("Mayor of Leiden")
    assert len(demands()) == 2

    before = (rows(app, "recipients"), rows(app, "demands"))
    assert organizer.post(f"/organize/{slug}/recipients/{recipient_ids[0]}?action=explode").status_code == 400
    assert organizer.post(f"/organize/{slug}/demands/{first[0]}").status_code == 400
    assert (rows(app, "recipients"), rows(app, "demands")) == before


def test_a_moderator_sends_a_campaign_back_with_a_reason_in_the_organizers_language(app):
    organizer = make_organizer(app)
    slug, _ = written_campaign(app, organizer)
    organizer.post(f"/organize/{slug}/submit")
    admin = make_admin(app)
    admin.post(f"/admin/{slug}/reject", data={"revision": 1, "reason": "accusation", "note": "Please remove the name.", "confirm": "1"})
    message = [m for m in read_outbox(app) if m["To"] == "org@example.org"][-1]
    assert "Please remove the name." in mail_text(message)
    with app.app_context():
        assert db.session.execute(db.text("SELECT status FROM campaigns")).scalar() == "draft"


def test_a_decision_with_a_mistake_comes_back_on_the_queue_with_what_the_moderator_wrote(app):
    organizer = make_organizer(app)
    slug, _ = written_campaign(app, organizer)
    organizer.post(f"/organize/{slug}/submit")
    admin = make_admin(app)
    with app.app_context():
        campaign_id = db.session.execute(db.text("SELECT id FROM campaigns WHERE slug = :s"), {"s": slug}).scalar_one()
    note = "Voeg bronnen toe bij de tweede eis, dan kijken we opnieuw."
    sent = admin.post(f"/admin/{slug}/reject?lang=en", data={"revision": 1, "reason": "no-such-reason", "note": note})
    assert sent.status_code == 422 and "<title>Error:" in sent.text
    assert f'href="#reject-{campaign_id}-reason"' in sent.text and f'id="reject-{campaign_id}-reason-error"' in sent.text
    assert f"{note}</textarea>" in sent.text and "<details open>" in sent.text
    assert admin.post(f"/admin/{slug}/publish-now", data={"revision": 1, "confirm": "1"}).status_code == 404  # no such decision
    with app.app_context():
        assert db.session.execute(db.text("SELECT status FROM campaigns WHERE id = :i"), {"i": campaign_id}).scalar_one() == "pending"


def test_a_moderator_takes_a_live_campaign_offline(app):
    organizer = make_organizer(app)
    slug, _ = written_campaign(app, organizer)
    organizer.post(f"/organize/{slug}/submit")
    admin = make_admin(app)
    admin.post(f"/admin/{slug}/approve", data={"revision": 1, "confirm": "1"})
    refused = admin.post(f"/admin/{slug}/hide?lang=en", data={"note": " ", "confirm": "1"})
    assert refused.status_code == 422 and "There is a problem" in refused.text and "<details open>" in refused.text
    assert app.test_client().get(f"/campaigns/{slug}").status_code == 200  # a reason is required
    admin.post(f"/admin/{slug}/hide", data={"note": "Reported as harassment.", "confirm": "1"})
    assert app.test_client().get(f"/campaigns/{slug}").status_code == 404


def test_submitting_an_incomplete_campaign_says_what_is_missing(app):
    organizer = make_organizer(app)
    response = organizer.post("/organize/new?lang=en", data=CAMPAIGN)
    slug = response.headers["Location"].split("/organize/")[1].split("/")[0]
    page = organizer.post(f"/organize/{slug}/submit?lang=en", follow_redirects=True).text
    assert "Add at least one recipient" in page
    with app.app_context():
        assert db.session.execute(db.text("SELECT status FROM campaigns")).scalar() == "draft"


def test_the_chart_and_the_csv_show_the_right_numbers_and_neutralise_formulas(app):
    slug = add_campaign(app, slug="seeded")
    organizer = make_organizer(app, campaigns=[slug])
    day1, day2 = utcnow() - timedelta(days=2), utcnow() - timedelta(days=1)
    seed_signers(app, slug, [{"confirmed_at": day1, "email": f"a{i}@example.org"} for i in range(3)]
                 + [{"confirmed_at": day2, "email": f"b{i}@example.org", "name": "=HYPERLINK(\"http://evil\")", "is_public": True}
                    for i in range(2)]
                 + [{"confirmed": False, "email": "c@example.org"}])
    page = organizer.get(f"/organize/{slug}?lang=en").text
    assert re.findall(r"<title>(\d{4}-\d\d-\d\d): (\d+) \(", page) == [(str(day1.date()), "3"), (str(day2.date()), "2")]
    assert "Waiting for confirmation</dt><dd>1</dd>" in page.replace("\n", "")
    export = organizer.get(f"/organize/{slug}/signers.csv")
    table = list(csv.reader(io.StringIO(export.data.decode())))
    assert table[0] == ["name", "city"] and len(table) == 3  # only the two who agreed to be named
    formulas = [row[0] for row in table[1:] if "HYPERLINK" in row[0]]
    assert formulas == ["'=HYPERLINK(\"http://evil\")"] * 2


ORGANIZER_ROUTES = [
    ("GET", "/organize/"), ("GET", "/organize/new"), ("GET", "/organize/{slug}"), ("GET", "/organize/{slug}/edit"),
    ("GET", "/organize/{slug}/recipients"), ("GET", "/organize/{slug}/preview"), ("GET", "/organize/{slug}/signers.csv"),
    ("POST", "/organize/{slug}/submit"), ("POST", "/organize/{slug}/letters?action=send"), ("POST", "/organize/{slug}/updates"),
    ("POST", "/organize/{slug}/close"), ("POST", "/organize/{slug}/recipients/{recipient}/remove"),
    ("POST", "/organize/{slug}/demands/{demand}/remove"), ("GET", "/organize/{slug}/letters/1.pdf"),
    ("POST", "/organize/{slug}/invite"), ("POST", "/organize/{slug}/signers/1/hide"), ("POST", "/organize/{slug}/letters"),
    ("POST", "/organize/{slug}/edit"), ("POST", "/organize/{slug}/recipients"), ("GET", "/organize/{slug}/correct"),
    ("POST", "/organize/{slug}/correct"), ("GET", "/organize/{slug}/letters/send"), ("POST", "/organize/{slug}/letters/send"),
    ("POST", "/organize/{slug}/invitations/1/void"), ("POST", "/organize/{slug}/letters/compile"),
    ("POST", "/organize/{slug}/recipients/{recipient}/up"), ("POST", "/organize/{slug}/recipients/{recipient}/demands"),
    ("POST", "/organize/{slug}/demands/{demand}/down"),
    # the ?action= addresses of pages loaded before each action had an endpoint of its own
    ("POST", "/organize/{slug}/recipients/{recipient}?action=remove"), ("POST", "/organize/{slug}/demands/{demand}?action=up"),
]
ADMIN_ROUTES = [("GET", "/admin/"), ("GET", "/admin/{slug}/preview"), ("POST", "/admin/{slug}/approve"),
                ("GET", "/admin/jobs"), ("POST", "/admin/jobs/retry"), ("POST", "/admin/{slug}/invalidate"),
                ("POST", "/admin/{slug}/reject"), ("POST", "/admin/{slug}/hide")]


@pytest.fixture
def owned(app):
    organizer = make_organizer(app)
    slug, recipient_ids = written_campaign(app, organizer)
    with app.app_context():
        demand = db.session.execute(db.text("SELECT id FROM demands LIMIT 1")).scalar()
    return {"slug": slug, "recipient": recipient_ids[0], "demand": demand}


@pytest.mark.parametrize("method, route", ORGANIZER_ROUTES + ADMIN_ROUTES)
def test_an_anonymous_visitor_is_sent_to_the_login(app, owned, method, route):
    response = app.test_client().open(route.format(**owned), method=method)
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


@pytest.mark.parametrize("method, route", [r for r in ORGANIZER_ROUTES if "{slug}" in r[1]])
def test_another_organizer_gets_404_and_changes_nothing(app, owned, method, route):
    intruder = make_organizer(app, email="intruder@example.org", name="Other")
    before = (rows(app, "recipients"), rows(app, "demands"))
    response = intruder.open(route.format(**owned), method=method)
    assert response.status_code == 404
    assert (rows(app, "recipients"), rows(app, "demands")) == before
    with app.app_context():
        assert db.session.execute(db.text("SELECT status FROM campaigns")).scalar() == "draft"


@pytest.mark.parametrize("method, route", ADMIN_ROUTES)
def test_an_organizer_is_refused_the_moderation(app, owned, method, route):
    organizer = make_organizer(app, email="other@example.org")
    assert organizer.open(route.format(**owned), method=method).status_code == 403


@pytest.fixture
def csrf_session(tmp_path):
    """An app that checks CSRF tokens, an admin who also organizes a campaign, logged in with a token."""
    app = app_with_tables(tmp_path, WTF_CSRF_ENABLED=True)
    from petition_app.accounts.operations import create_admin

    slug = add_campaign(app, status="pending")
    with app.app_context():
        user, _ = create_admin("both@example.org", "Both")
        user.set_password(PASSWORD)
        db.session.commit()
    add_organizer(app, slug, "both@example.org")
    with app.app_context():
        recipient = db.session.execute(db.text("SELECT id FROM recipients LIMIT 1")).scalar()
        demand = db.session.execute(db.text("SELECT id FROM demands LIMIT 1")).scalar()
    client = app.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/account/login").text).group(1)
    assert client.post("/account/login", data={"email": "both@example.org", "password": PASSWORD, "csrf_token": token}).status_code == 302
    return app, client, {"slug": slug, "recipient": recipient, "demand": demand}


@pytest.mark.parametrize("route", [r for m, r in ORGANIZER_ROUTES + ADMIN_ROUTES if m == "POST"] + [
    "/organize/new", "/organize/{slug}/edit", "/organize/{slug}/recipients", "/account/logout",
    "/organize/{slug}/recipients/{recipient}/edit", "/organize/{slug}/demands/{demand}/edit",
])
def test_every_organizer_and_admin_post_is_refused_without_its_csrf_token(csrf_session, route):
    app, client, ids = csrf_session
    before = [rows(app, t) for t in ("campaigns", "recipients", "demands", "updates", "handovers")]
    response = client.post(route.format(**ids), data={"name": "X", "email": "x@example.org", "text_nl": "x", "text_en": "x",
                                                      "body_nl": "x", "body_en": "x", "note": "x", "reason": "other", **CAMPAIGN})
    assert response.status_code == 400
    assert [rows(app, t) for t in ("campaigns", "recipients", "demands", "updates", "handovers")] == before
    with app.app_context():
        assert db.session.execute(db.text("SELECT status FROM campaigns")).scalar() == "pending"
    assert client.get("/organize/").status_code == 200  # still logged in


def test_every_organizer_and_admin_form_needs_its_csrf_token(tmp_path):
    app = app_with_tables(tmp_path, WTF_CSRF_ENABLED=True)
    from petition_app.accounts.operations import create_admin

    with app.app_context():
        user, _ = create_admin("both@example.org", "Both")
        user.set_password(PASSWORD)
        db.session.commit()
    client = app.test_client()
    page = client.get("/account/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post("/account/login", data={"email": "both@example.org", "password": PASSWORD}).status_code == 400
    assert client.post("/account/login", data={"email": "both@example.org", "password": PASSWORD, "csrf_token": token}).status_code == 302
    assert client.post("/organize/new", data=CAMPAIGN).status_code == 400
    assert rows(app, "campaigns") == 0
    slug = add_campaign(app, status="pending")
    assert client.post(f"/admin/{slug}/approve").status_code == 400
    assert client.post("/account/logout").status_code == 400


def test_a_co_organizer_is_invited_by_mail_and_joins_with_their_own_account(app, runner):
    organizer = make_organizer(app)
    slug, _ = written_campaign(app, organizer)
    published(app, runner, organizer, slug)
    organizer.post(f"/organize/{slug}/invite", data={"email": "Friend@Example.org"})
    invitation = [m for m in read_outbox(app) if m["To"] == "friend@example.org"][-1]
    path = re.search(r"http://localhost(/organize/join/\S+)", mail_text(invitation)).group(1)

    stranger = make_organizer(app, email="stranger@example.org")
    stranger.post(path)
    assert stranger.get(f"/organize/{slug}").status_code == 404  # the link names another address

    friend = make_organizer(app, email="friend@example.org", name="Friend")
    assert friend.get(f"/organize/{slug}").status_code == 404
    assert friend.get(path).status_code == 200
    assert friend.post(path).status_code == 302
    assert friend.get(f"/organize/{slug}").status_code == 200
    assert "Friend" in organizer.get(f"/organize/{slug}?lang=en").text
    assert friend.post(path).status_code == 302  # a second click, already an organizer, lands on the dashboard too


def test_an_organizer_takes_a_name_off_the_wall_and_the_letters_but_it_still_counts(app, runner, tmp_path):
    from pypdf import PdfReader

    slug = add_campaign(app, slug="walled")
    organizer = make_organizer(app, campaigns=[slug])
    seed_signers(app, slug, [{"name": "Real Person", "is_public": True}, {"name": "Mickey Mouse", "is_public": True}])
    assert "Mickey Mouse" in app.test_client().get(f"/campaigns/{slug}/signers").text
    with app.app_context():
        mickey = db.session.execute(db.text("SELECT id FROM signatures WHERE name = 'Mickey Mouse'")).scalar()
    intruder = make_organizer(app, email="intruder@example.org")
    assert intruder.post(f"/organize/{slug}/signers/{mickey}/hide").status_code == 404
    assert organizer.post(f"/organize/{slug}/signers/{mickey}/hide").status_code == 302
    wall = app.test_client().get(f"/campaigns/{slug}/signers").text
    assert "Mickey Mouse" not in wall and "Real Person" in wall
    runner.invoke(args=["letters", "generate", slug, "--out", str(tmp_path)])
    text = "".join(page.extract_text() for page in PdfReader(tmp_path / "police.en.pdf").pages)
    assert "Real Person" in text and "Mickey Mouse" not in text
    assert api_count(app.test_client(), slug) == 2
