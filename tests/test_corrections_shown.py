"""Issue 20, point 2: a correction shows its old and new text. The moderator reviews each changed text
old beside new (words removed and added marked), the public list of changes says in the reader's
language what changed (a demand: its old and new text; a recipient by its name in that language, not
the internal one), and the signers who asked for updates are told once each, in their own language."""
import re

import pytest

from helpers import flat, logged_in, mail_text, publish, read_outbox, seed_signers, subject, write_campaign
from test_revisions import correction

OLD_EN, NEW_EN = "Demand 0.0", "Demand 0.0 before 1 April"
OLD_NL, NEW_NL = "Eis 0.0", "Eis 0.0 vóór 1 april"


@pytest.fixture
def corrected(any_app):
    """A published campaign to the mayor (internal name in Dutch), four signers, and a correction of its
    first demand in both languages that also gives the mayor an English name, waiting for review."""
    return correction_waiting(any_app)


@pytest.fixture
def corrected_here(app):
    """The same on SQLite: the fan-out records each delivery on a connection of its own, which a
    PostgreSQL test rolled back in one transaction cannot give (committed_pg_app tests the fan-out)."""
    return correction_waiting(app)


def correction_waiting(app):
    organizer, moderator = logged_in(app, "org@example.org"), logged_in(app, "mod@example.org", name="Moderator", role="admin")
    slug = write_campaign(app, organizer, recipients=(("Burgemeester van Leiden", "mayor@example.org", "nl"),))
    publish(app, organizer, moderator, slug)
    response = correction(organizer, slug, r0_d0_nl=NEW_NL, r0_d0_en=NEW_EN, r0_name_en="the Mayor of Leiden")
    assert response.status_code == 302, re.findall(r'class="error"[^>]*>([^<]*)', response.text)
    # signed before the correction is approved (after it was proposed: its goals must lie above the count)
    seed_signers(app, slug, [
        {"email": "reader@example.org", "locale": "en", "wants_updates": True},
        {"email": "lezer@example.org", "locale": "nl", "wants_updates": True},
        {"email": "quiet@example.org", "locale": "nl", "wants_updates": False},
        {"email": "unconfirmed@example.org", "locale": "nl", "wants_updates": True, "confirmed": False},
    ])
    return app, slug, organizer, moderator


def test_the_organizers_read_what_their_waiting_correction_changes_in_their_words(corrected):
    _, slug, organizer, _ = corrected
    dashboard = flat(organizer.get(f"/organize/{slug}?lang=en").text)
    assert "Revision 2 waits for a moderator. It changes: " in dashboard
    assert f"demand 1 to the Mayor of Leiden: “{OLD_EN}” became “{NEW_EN}”" in dashboard


def test_the_moderator_reads_each_changed_demand_old_beside_new(corrected):
    app, slug, _, moderator = corrected
    queue = moderator.get("/admin/?lang=en").text
    assert "Demand 1 to the Mayor of Leiden" in queue
    review = flat(queue[queue.index("Old and new text, side by side"):])
    assert f"Online now (English)</p> <p class=\"compare-text\" lang=\"en\">{OLD_EN}</p>" in review
    assert "After this correction (English)</p> <p class=\"compare-text\" lang=\"en\">Demand 0.0<ins> before 1 April</ins></p>" in review
    assert "After this correction (Dutch)</p> <p class=\"compare-text\" lang=\"nl\">Eis 0.0<ins> vóór 1 april</ins></p>" in review
    # the recipient's name as it changed, and no address among the changed texts: the address has its own
    # table for the moderator (issue 20 point 1), after the texts
    assert "the name of the recipient the Mayor of Leiden: “Burgemeester van Leiden” became “the Mayor of Leiden”" in flat(queue)
    assert "mayor@example.org" not in review[:review.index("Recipients and their addresses")]
    assert "mayor@example.org" in review
    assert "the signers who asked for updates get a mail with the old and new text" in queue


def test_approved_the_page_lists_the_demand_old_and_new_in_the_readers_words(corrected):
    app, slug, _, moderator = corrected
    assert moderator.post(f"/admin/{slug}/approve", data={"revision": 2, "confirm": "1"}).status_code == 302

    english = flat(app.test_client().get(f"/campaigns/{slug}?lang=en").text)
    changes = english[english.index('id="changes-heading"'):]
    changes = changes[:changes.index("</section>")]
    assert f"demand 1 to the Mayor of Leiden: “{OLD_EN}” became “{NEW_EN}”" in changes
    assert "to Burgemeester van Leiden" not in changes  # the internal, Dutch name stays off the English page
    assert "the demands to" not in changes

    dutch = flat(app.test_client().get(f"/campaigns/{slug}?lang=nl").text)
    changes = dutch[dutch.index('id="changes-heading"'):]
    assert f"eis 1 aan Burgemeester van Leiden: “{OLD_NL}” werd “{NEW_NL}”" in changes


def test_approved_the_signers_who_asked_for_news_are_told_once_each_in_their_language(corrected_here):
    app, slug, _, moderator = corrected_here
    before = len(read_outbox(app))
    assert moderator.post(f"/admin/{slug}/approve", data={"revision": 2, "confirm": "1"}).status_code == 302
    told = [m for m in read_outbox(app)[before:] if m["To"] != "org@example.org"]
    assert sorted(str(m["To"]) for m in told) == ["lezer@example.org", "reader@example.org"]

    english = next(m for m in told if m["To"] == "reader@example.org")
    assert subject(english).startswith("A demand was corrected: ")
    text = flat(mail_text(english))
    assert f"demand 1 to the Mayor of Leiden: “{OLD_EN}” became “{NEW_EN}”" in text
    assert re.search(r"you can withdraw your signature: http://localhost/withdraw/", text)
    dutch = next(m for m in told if m["To"] == "lezer@example.org")
    assert f"eis 1 aan Burgemeester van Leiden: “{OLD_NL}” werd “{NEW_NL}”" in flat(mail_text(dutch))

    # the job run again sends nobody a second mail
    from petition_app.notifications.tasks import announce_correction
    from petition_app.extensions import db
    with app.app_context():
        revision_id = db.session.execute(db.text("SELECT id FROM campaign_revisions WHERE number = 2")).scalar_one()
        announce_correction(revision_id)
    assert len(read_outbox(app)) == before + len(told) + 1  # + the organizers' mail


def test_a_correction_of_the_title_only_mails_no_signer(app):
    organizer, moderator = logged_in(app, "org@example.org"), logged_in(app, "mod@example.org", name="Moderator", role="admin")
    slug = write_campaign(app, organizer)
    publish(app, organizer, moderator, slug)
    assert correction(organizer, slug, title_en="Safe Leiden, now").status_code == 302
    seed_signers(app, slug, [{"email": "reader@example.org", "locale": "en", "wants_updates": True}])
    queue = moderator.get("/admin/?lang=en").text
    assert "Safe <del>Leiden</del> now" in queue and "Safe <ins>Leiden,</ins> now" in queue
    before = len(read_outbox(app))
    moderator.post(f"/admin/{slug}/approve", data={"revision": 2, "confirm": "1"})
    assert [m["To"] for m in read_outbox(app)[before:]] == ["org@example.org"]
    page = flat(app.test_client().get(f"/campaigns/{slug}?lang=en").text)
    assert "corrected the title: “Safe Leiden now” became “Safe Leiden, now”" in page


def test_the_word_comparison_marks_only_the_words_that_changed():
    from petition_app.rules.revisions import word_diff

    old, new = word_diff("Before 1 March, please.", "Before 1 April, please.")
    assert old == [("same", "Before 1 "), ("removed", "March,"), ("same", " please.")]
    assert new == [("same", "Before 1 "), ("added", "April,"), ("same", " please.")]
    assert word_diff("same", "same") == ([("same", "same")], [("same", "same")])
    assert word_diff("", "new text") == ([], [("added", "new text")])


def test_the_lines_name_recipients_in_the_readers_language_and_never_an_address():
    from petition_app.rules.revisions import ChangeLine, correction_lines

    mayor = {"key": "mayor", "name": "Burgemeester", "email": "a@example.org", "language": "nl",
             "names": {"nl": "de burgemeester", "en": "the Mayor"}, "demands": [{"nl": "eis", "en": "demand"}]}
    before = {"title": {"nl": "T", "en": "T"}, "recipients": [mayor]}
    after = {"title": {"nl": "T", "en": "T2"},
             "recipients": [dict(mayor, email="b@example.org", demands=[{"nl": "eis!", "en": "demand"}])]}
    assert correction_lines(before, after, "en") == [
        ChangeLine("title", "", 0, "T", "T2"), ChangeLine("recipient_email", "the Mayor"), ChangeLine("demand", "the Mayor", 1),
    ]
    assert correction_lines(before, after, "nl") == [
        ChangeLine("title"), ChangeLine("recipient_email", "de burgemeester"), ChangeLine("demand", "de burgemeester", 1, "eis", "eis!"),
    ]
