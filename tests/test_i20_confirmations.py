"""Issue 20, minor experience findings: nothing that deletes what someone typed happens on one click.
Removing a recipient of a draft (its demands go too) and dismissing a story (its text is deleted) post
first to a confirmation page that says what will go, with a red button and a way back; setting a story's
status keeps a redaction typed but not saved yet."""
import sqlalchemy as sa

from helpers import rows
from petition_app.extensions import db
from test_organizers import written_campaign
from helpers import make_organizer
from test_stories import client_of, send_story, submission_ids, world  # noqa: F401 (a fixture)


def test_removing_a_recipient_asks_first_and_names_the_demands_that_go(app):
    organizer = make_organizer(app)
    slug, recipient_ids = written_campaign(app, organizer)
    assert rows(app, "recipients") == 3 and rows(app, "demands") == 6

    first = organizer.post(f"/organize/{slug}/recipients/{recipient_ids[0]}/remove?lang=en")
    assert first.status_code == 200
    page = first.text
    assert "Remove " in page and "Its 2 demands go too:" in page and "Demand 0.0" in page and "Demand 0.1" in page
    assert 'class="button warning"' in page and 'name="confirm" value="1"' in page
    assert f'href="/organize/{slug}/recipients#r{recipient_ids[0]}">Cancel: keep the recipient</a>' in page
    assert rows(app, "recipients") == 3 and rows(app, "demands") == 6  # nothing happened yet

    dutch = organizer.post(f"/organize/{slug}/recipients/{recipient_ids[0]}/remove?lang=nl").text
    assert "verwijderen?" in dutch and "Annuleren" in dutch

    done = organizer.post(f"/organize/{slug}/recipients/{recipient_ids[0]}/remove", data={"confirm": "1"})
    assert done.status_code == 302
    assert rows(app, "recipients") == 2 and rows(app, "demands") == 4


def test_dismissing_a_story_asks_first_and_says_the_text_is_deleted(app, world):  # noqa: F811
    from petition_app.stories.models import StorySubmission

    send_story(app.test_client(), world.slug, text="Spam spam spam")
    (number,) = submission_ids(app)
    team = client_of(app, world.team)
    url = f"/organize/{world.slug}/stories/{number}/status"
    first = team.post(url + "?lang=en", data={"status": "dismissed"})
    assert first.status_code == 200
    assert f"Dismiss submission #{number}?" in first.text and "What the author wrote is deleted" in first.text
    assert 'class="button warning"' in first.text and "Spam spam spam" not in first.text
    with app.app_context():
        assert db.session.get(StorySubmission, number).text_sealed is not None
    assert "Annuleren" in team.post(url + "?lang=nl", data={"status": "dismissed"}).text

    assert team.post(url, data={"status": "dismissed", "confirm": "1"}).status_code == 302
    with app.app_context():
        assert db.session.get(StorySubmission, number).text_sealed is None


def test_setting_the_status_keeps_a_redaction_typed_but_not_saved(app, world):  # noqa: F811
    send_story(app.test_client(), world.slug, publish="y")
    (number,) = submission_ids(app)
    team = client_of(app, world.team)
    page = team.get(f"/organize/{world.slug}/stories/{number}?lang=en").text
    # one form: the status button and the redaction's buttons send the same fields
    assert page.count("<form") - page.count('action="/organize/' + world.slug + f'/stories/{number}/take-down"') >= 1
    typed = "Iemand liep mij achterna tot aan mijn deur."
    answer = team.post(f"/organize/{world.slug}/stories/{number}/status?lang=en", data={
        "status": "filed", "text": typed, "notes": ["sexual_harassment"],
    })
    assert answer.status_code == 200
    assert typed in answer.text and "not saved yet" in answer.text
    with app.app_context():
        status = db.session.execute(sa.text("SELECT status FROM story_submissions WHERE id = :n"), {"n": number}).scalar_one()
        assert status == "filed"
    # nothing typed: the status is saved and the page loads as before
    assert team.post(f"/organize/{world.slug}/stories/{number}/status", data={"status": "urgent"}).status_code == 302


# ---------------------------------------------------------------- paper that reaches a goal


def test_paper_that_reaches_a_goal_asks_first_and_shows_the_mail_and_whom_it_goes_to(app):
    from helpers import add_campaign, read_outbox, seed_signers
    from test_paper import counts, paper

    slug = add_campaign(app, goals=[500, 1000, 1500])
    seed_signers(app, slug, [{"email": f"s{i}@example.org", "wants_updates": True, "locale": "nl" if i else "en"} for i in range(3)])
    organizer = make_organizer(app, email="org@example.org", campaigns=[slug])
    before = len(read_outbox(app))

    first = paper(organizer, slug, signatures=1400, confirm=False)
    assert first.status_code == 200
    page = first.text
    assert "Recording 1,400 paper signatures" in page
    assert "the goal of 500 signatures" in page and "the goal of 1,000 signatures" in page and "1,500" not in page.split("<h2")[0].split("reaches:")[1]
    assert "3 signers who asked for news get a mail about the goal" in page and "2 in Dutch" in page and "1 in English" in page
    assert "1.000 handtekeningen" in page  # the Dutch mail, as it will be sent
    assert 'name="signatures" value="1400"' in page and 'name="confirm" value="1"' in page
    assert tuple(counts(app, slug)) == (3, 0) and len(read_outbox(app)) == before  # nothing recorded, nothing sent

    dutch = paper(organizer, slug, signatures=1400, confirm=False, lang="nl").text
    assert "Annuleren" in dutch

    done = paper(organizer, slug, signatures=1400)
    assert done.status_code == 303
    assert tuple(counts(app, slug)) == (3, 1400)
    assert len(read_outbox(app)) > before
    # a batch that reaches no goal is recorded at once
    assert paper(organizer, slug, signatures=5, confirm=False).status_code == 303


def test_paper_that_does_not_count_toward_the_goals_is_recorded_at_once(app):
    from helpers import add_campaign
    from test_paper import counts, paper

    slug = add_campaign(app, goals=[500, 1000], paper_counts_toward_goals=False)
    organizer = make_organizer(app, email="org@example.org", campaigns=[slug])
    assert paper(organizer, slug, signatures=1400, confirm=False).status_code == 303  # no goal, no mail: no page
    assert tuple(counts(app, slug)) == (0, 1400)
