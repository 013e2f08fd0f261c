"""Review means what was reviewed: submitting freezes a revision, a moderator approves that revision by
its number, an edit while it waits makes the campaign a draft again, and a correction after publishing
is a new revision that goes online only once approved, listed on the page with its date."""
import re

import pytest
import sqlalchemy as sa

from helpers import (
    add_campaign, campaign_status, example_campaign_data, letters_sent_to, logged_in, mail_text, publish, read_outbox,
    recipients_seen, rows, seed_signers, subject, write_campaign,
)
from petition_app.extensions import db
from petition_app.rules.revisions import changed_parts, goals_fit, same_structure
from petition_app.timeutil import utcnow

RESPOND_LINK = re.compile(r"http://localhost(/respond/[\w.\-]+)\?lang=\w\w")


@pytest.fixture
def people(any_app):
    """An organizer and a moderator, logged in, on SQLite and on PostgreSQL."""
    return logged_in(any_app, "org@example.org"), logged_in(any_app, "mod@example.org", name="Moderator", role="admin")


def recipient_id(app, slug, position=0):
    with app.app_context():
        return db.session.execute(sa.text(
            "SELECT r.id FROM recipients r JOIN campaigns c ON c.id = r.campaign_id WHERE c.slug = :s AND r.position = :p"
        ), {"s": slug, "p": position}).scalar_one()


def send_letters_through_the_page(client, slug):
    return client.post(f"/organize/{slug}/letters/send?lang=en", data={"recipients_seen": recipients_seen(client, slug)},
                       follow_redirects=True)


def correction(client, slug, **changes):
    """Post the correction form as it is filled in, with `changes`."""
    page = client.get(f"/organize/{slug}/correct?lang=en")
    assert page.status_code == 200
    fields = dict(re.findall(r'<input[^>]*? name="([^"]+)"[^>]*? value="([^"]*)"', page.text))
    fields.update((name, value) for name, value in re.findall(r'<textarea[^>]*? name="([^"]+)"[^>]*>\n?([^<]*)</textarea>', page.text))
    fields.update((name, value) for name, value in re.findall(
        r'<select[^>]*? name="([^"]+)".*?<option selected value="([^"]*)"', page.text, re.S))
    fields = {name: value.replace("&amp;", "&").replace("&#39;", "'").replace("&quot;", '"') for name, value in fields.items()}
    fields.pop("csrf_token", None)
    fields.update(changes)
    return client.post(f"/organize/{slug}/correct?lang=en", data=fields)


# ---------------------------------------------------------------- before the first publication


def test_an_edit_after_submission_never_reaches_the_public_page_unreviewed(any_app, people):
    app, (organizer, moderator) = any_app, people
    slug = write_campaign(app, organizer)
    assert organizer.post(f"/organize/{slug}/submit").status_code == 302

    # the moderator reads revision 1
    queue = moderator.get("/admin/?lang=en").text
    assert "Revision 1" in queue and "Safe Leiden now" in queue
    preview = moderator.get(f"/admin/{slug}/preview?revision=1&lang=en").text
    assert "Safe Leiden now" in preview and "Preview of revision 1" in preview

    # meanwhile the organizer changes the title and the recipient's address
    response = organizer.post(f"/organize/{slug}/edit?lang=en", data={
        "organizer_name": "Safe Leiden", "title_nl": "Veilig Leiden", "title_en": "Something else entirely",
        "summary_nl": "Studenten vragen om actie.", "summary_en": "Students ask for action.", "goals": "3 5",
    }, follow_redirects=True)
    assert "Your campaign is a draft again" in response.text
    organizer.post(f"/organize/{slug}/recipients/{recipient_id(app, slug)}/edit",
                   data={"name": "Leiden University", "email": "someone-else@example.org", "language": "nl"})
    assert campaign_status(app, slug) == "draft"
    assert "Nothing to review." in moderator.get("/admin/?lang=en").text

    # the moderator's approval of what they read is refused: nothing goes public
    refused = moderator.post(f"/admin/{slug}/approve?lang=en", data={"revision": 1, "confirm": "1"}, follow_redirects=True)
    assert "changed after you read it" in refused.text
    assert app.test_client().get(f"/campaigns/{slug}").status_code == 404

    # submitted again, it is revision 2; approving revision 1 is still refused
    organizer.post(f"/organize/{slug}/submit")
    assert "Revision 2" in moderator.get("/admin/?lang=en").text
    refused = moderator.post(f"/admin/{slug}/approve?lang=en", data={"revision": 1, "confirm": "1"}, follow_redirects=True)
    assert "read revision 2 first" in refused.text
    assert app.test_client().get(f"/campaigns/{slug}").status_code == 404
    assert moderator.post(f"/admin/{slug}/approve", data={}).status_code == 302  # no number: refused too
    assert app.test_client().get(f"/campaigns/{slug}").status_code == 404

    # what the moderator read as revision 2 is what goes public, and where the letters go
    assert "Something else entirely" in moderator.get(f"/admin/{slug}/preview?revision=2&lang=en").text
    moderator.post(f"/admin/{slug}/approve", data={"revision": 2, "confirm": "1"})
    assert "Something else entirely" in app.test_client().get(f"/campaigns/{slug}?lang=en").text
    send_letters_through_the_page(organizer, slug)
    assert letters_sent_to(app) == ["someone-else@example.org"]


def test_saving_a_waiting_campaign_unchanged_keeps_it_in_the_queue(app):
    organizer = logged_in(app, "org@example.org")
    slug = write_campaign(app, organizer)
    organizer.post(f"/organize/{slug}/submit")
    organizer.post(f"/organize/{slug}/edit", data={
        "organizer_name": "Safe Leiden", "title_nl": "Veilig Leiden", "title_en": "Safe Leiden now",
        "summary_nl": "Studenten vragen om actie.", "summary_en": "Students ask for action.",
        "body_nl": "**Doe mee.**", "body_en": "**Join us.**", "goals": "3 5",
    })
    assert campaign_status(app, slug) == "pending"
    with app.app_context():
        assert db.session.execute(sa.text("SELECT number, status FROM campaign_revisions")).all() == [(1, "pending")]


# ---------------------------------------------------------------- corrections after publishing


def test_a_correction_after_publishing_is_reviewed_then_listed_on_the_page_with_its_date(any_app, people):
    app, (organizer, moderator) = any_app, people
    slug = write_campaign(app, organizer)
    assert publish(app, organizer, moderator, slug) == 1
    send_letters_through_the_page(organizer, slug)
    old_link = RESPOND_LINK.search(mail_text(next(m for m in read_outbox(app) if m["To"] == "board@example.org"))).group(1)
    assert app.test_client().get(old_link).status_code == 200

    # the organizer corrects the title and the university's address
    response = correction(organizer, slug, title_en="Safe Leiden, now", r0_email="rector@example.org")
    assert response.status_code == 302
    assert "Revision 2 waits for a moderator" in organizer.get(f"/organize/{slug}?lang=en").text

    # nothing changes online before the review
    public = app.test_client().get(f"/campaigns/{slug}?lang=en").text
    assert "Safe Leiden now" in public and "Safe Leiden, now" not in public and 'id="changes-heading"' not in public
    assert "board@example.org" in organizer.get(f"/organize/{slug}/letters/send").text

    # the moderator sees revision 2 as a correction, with what it changes, and approves it
    queue = moderator.get("/admin/?lang=en").text
    assert "Revision 2" in queue and "a correction of a live campaign" in queue
    assert "the title: “Safe Leiden now” became “Safe Leiden, now”; the address the letter to Leiden University goes to" in queue
    assert "Safe Leiden, now" in moderator.get(f"/admin/{slug}/preview?revision=2&lang=en").text
    moderator.post(f"/admin/{slug}/approve", data={"revision": 2, "confirm": "1"})

    public = app.test_client().get(f"/campaigns/{slug}?lang=en").text
    assert "Safe Leiden, now" in public
    changes = public[public.index('id="changes-heading"'):public.index("</section>", public.index('id="changes-heading"'))]
    assert utcnow().strftime("%Y-%m-%d") in changes
    assert "corrected the title: “Safe Leiden now” became “Safe Leiden, now”; the address the letter to Leiden University goes to" in changes
    assert "rector@example.org" not in public
    told = [m for m in read_outbox(app) if m["To"] == "org@example.org"][-1]
    assert subject(told) == "Your correction is published: Safe Leiden, now"

    # the letters now go to the reviewed address, and the link mailed to the old one is void
    assert app.test_client().get(old_link).status_code == 404
    send_letters_through_the_page(organizer, slug)
    assert letters_sent_to(app) == ["board@example.org", "rector@example.org"]


def test_only_the_newest_correction_can_be_approved(app):
    organizer, moderator = logged_in(app, "org@example.org"), logged_in(app, "mod@example.org", role="admin")
    slug = write_campaign(app, organizer)
    publish(app, organizer, moderator, slug)
    assert correction(organizer, slug, title_en="First try").status_code == 302
    assert correction(organizer, slug, title_en="Second try").status_code == 302
    with app.app_context():
        assert db.session.execute(sa.text("SELECT number, status FROM campaign_revisions ORDER BY number")).all() == [
            (1, "approved"), (2, "withdrawn"), (3, "pending")]
    refused = moderator.post(f"/admin/{slug}/approve?lang=en", data={"revision": 2, "confirm": "1"}, follow_redirects=True)
    assert "read revision 3 first" in refused.text
    assert "First try" not in app.test_client().get(f"/campaigns/{slug}?lang=en").text
    moderator.post(f"/admin/{slug}/approve", data={"revision": 3, "confirm": "1"})
    page = app.test_client().get(f"/campaigns/{slug}?lang=en").text
    assert "Second try" in page and "First try" not in page


def test_a_correction_sent_back_leaves_the_campaign_as_it_was(app):
    organizer, moderator = logged_in(app, "org@example.org"), logged_in(app, "mod@example.org", role="admin")
    slug = write_campaign(app, organizer)
    publish(app, organizer, moderator, slug)
    correction(organizer, slug, title_en="Name and shame")
    moderator.post(f"/admin/{slug}/reject", data={"revision": 2, "reason": "accusation", "note": "No names, please.", "confirm": "1"})
    assert campaign_status(app, slug) == "open"
    page = app.test_client().get(f"/campaigns/{slug}?lang=en").text
    assert "Safe Leiden now" in page and "Name and shame" not in page and 'id="changes-heading"' not in page
    message = [m for m in read_outbox(app) if m["To"] == "org@example.org"][-1]
    assert subject(message) == "Your correction needs changes: Safe Leiden now"
    assert "No names, please." in mail_text(message) and f"/organize/{slug}/correct" in mail_text(message)
    assert "No names, please." in organizer.get(f"/organize/{slug}?lang=en").text
    assert moderator.post(f"/admin/{slug}/approve", data={"revision": 2, "confirm": "1"}).status_code == 302
    assert "Name and shame" not in app.test_client().get(f"/campaigns/{slug}?lang=en").text


def test_a_correction_that_changes_nothing_or_passes_a_goal_is_refused(app):
    organizer, moderator = logged_in(app, "org@example.org"), logged_in(app, "mod@example.org", role="admin")
    slug = write_campaign(app, organizer, goals="10 20")
    publish(app, organizer, moderator, slug)
    unchanged = correction(organizer, slug)
    assert unchanged.status_code == 422 and "Nothing is changed" in unchanged.text
    seed_signers(app, slug, [{"email": f"s{i}@example.org"} for i in range(4)])
    passed = correction(organizer, slug, goals="3 20")
    assert passed.status_code == 422 and "A new goal must be above today&#39;s count of 4." in passed.text
    assert "3 20" in passed.text  # what the organizer typed stays
    assert correction(organizer, slug, goals="10 20 50").status_code == 302
    assert rows(app, "campaign_revisions") == 2


def test_a_draft_or_a_taken_offline_campaign_has_no_correction_form(app):
    organizer, moderator = logged_in(app, "org@example.org"), logged_in(app, "mod@example.org", role="admin")
    slug = write_campaign(app, organizer)
    assert organizer.get(f"/organize/{slug}/correct").headers["Location"].endswith(f"/organize/{slug}/edit")
    publish(app, organizer, moderator, slug)
    correction(organizer, slug, title_en="Pending correction")
    moderator.post(f"/admin/{slug}/hide", data={"note": "Reported.", "confirm": "1"})
    assert organizer.get(f"/organize/{slug}/correct").status_code == 302
    assert moderator.post(f"/admin/{slug}/approve", data={"revision": 2, "confirm": "1"}).status_code == 302
    with app.app_context():
        assert db.session.execute(sa.text("SELECT status FROM campaign_revisions WHERE number = 2")).scalar() == "withdrawn"
        assert db.session.execute(sa.text("SELECT title_en FROM campaigns")).scalar() == "Safe Leiden now"


# ---------------------------------------------------------------- campaign files


def test_a_campaign_file_is_recorded_as_a_revision_and_its_changes_are_listed(app):
    slug = add_campaign(app)
    add_campaign(app)  # the same file again changes nothing
    with app.app_context():
        assert db.session.execute(sa.text("SELECT number, status, correction FROM campaign_revisions")).all() == [
            (1, "approved", False)]
    assert 'id="changes-heading"' not in app.test_client().get(f"/campaigns/{slug}").text
    data = example_campaign_data()
    data["title"] = {**data["title"], "en": "A corrected title"}
    add_campaign(app, title=data["title"])
    page = app.test_client().get(f"/campaigns/{slug}?lang=en").text
    assert "A corrected title" in page and "corrected the title" in page


def test_a_pending_campaign_from_a_file_waits_in_the_queue_by_number(app):
    moderator = logged_in(app, "mod@example.org", role="admin")
    slug = add_campaign(app, status="pending")
    assert "Revision 1" in moderator.get("/admin/?lang=en").text
    moderator.post(f"/admin/{slug}/approve", data={"revision": 1, "confirm": "1"})
    assert campaign_status(app, slug) == "open"


def test_the_migration_freezes_what_waits_for_review(tmp_path):
    """A campaign waiting for review when the migration runs can be approved as revision 1."""
    from flask_migrate import upgrade

    from helpers import make_app

    app = make_app(tmp_path)
    with app.app_context():
        upgrade(revision="0009_wall")
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO campaigns (slug, status, title_nl, title_en, summary_nl, summary_en, body_nl, body_en, goals,"
                " organizer_name, organizer_email, organizer_language, created_at, confirmed_count)"
                " VALUES ('waiting', 'pending', 'T', 'Waiting title', 'S', 'S', '', '', '[10]', 'Org', 'o@example.org', 'nl',"
                " CURRENT_TIMESTAMP, 0)"))
            conn.execute(sa.text("INSERT INTO recipients (campaign_id, key, name, email, language, position)"
                                 " VALUES (1, 'uni', 'Uni', 'uni@example.org', 'nl', 0)"))
            conn.execute(sa.text("INSERT INTO demands (recipient_id, position, text_nl, text_en) VALUES (1, 0, 'eis', 'demand')"))
        upgrade()
        db.engine.dispose()
    moderator = logged_in(app, "mod@example.org", role="admin")
    assert "Revision 1" in moderator.get("/admin/?lang=en").text
    moderator.post("/admin/waiting/approve", data={"revision": 1, "confirm": "1"})
    assert "Waiting title" in app.test_client().get("/campaigns/waiting?lang=en").text


# ---------------------------------------------------------------- the pure rules


def content(**changes):
    base = {
        "title": {"nl": "T", "en": "T"}, "summary": {"nl": "S", "en": "S"}, "body": {"nl": "", "en": ""},
        "organizer_name": "Org", "goals": [10], "closes_on": None,
        "recipients": [{"key": "uni", "name": "Uni", "email": "u@example.org", "language": "nl",
                        "demands": [{"nl": "a", "en": "a"}]},
                       {"key": "mayor", "name": "Mayor", "email": "m@example.org", "language": "nl", "demands": []}],
    }
    base.update(changes)
    return base


def test_changed_parts_names_what_changed_and_never_an_address():
    before = content()
    assert changed_parts(before, content()) == []
    recipients = [dict(before["recipients"][0], email="new@example.org", name="University"), before["recipients"][1]]
    after = content(title={"nl": "T", "en": "New"}, goals=[10, 20], recipients=recipients)
    parts = changed_parts(before, after)
    assert parts == [["title", ""], ["goals", ""], ["recipient_name", "University"], ["recipient_email", "University"]]
    assert "new@example.org" not in str(parts)
    swapped = content(recipients=list(reversed(before["recipients"])))
    assert changed_parts(before, swapped) == [["recipient_order", ""]]
    assert changed_parts(before, content(recipients=before["recipients"][:1])) == [["recipient_removed", "Mayor"]]


def test_a_correction_keeps_the_recipients_and_the_number_of_demands():
    before = content()
    assert same_structure(before, content(title={"nl": "x", "en": "y"}))
    assert not same_structure(before, content(recipients=before["recipients"][:1]))
    fewer = [dict(before["recipients"][0], demands=[]), before["recipients"][1]]
    assert not same_structure(before, content(recipients=fewer))


def test_new_goals_lie_above_the_count_unless_reached():
    assert goals_fit([1500, 2000], 1200, [])
    assert not goals_fit([1000, 2000], 1200, [])
    assert goals_fit([1000, 2000], 1200, [1000])
