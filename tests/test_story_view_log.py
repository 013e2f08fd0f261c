"""Every page that shows a submission's original text or contact details writes a line in the view
log, including the redaction form sent back with an error (issue 20, point 5): a team member cannot
read a submission unlogged by sending a form they know will be refused."""
import sqlalchemy as sa

from petition_app.extensions import db
from test_stories import TEXT, client_of, send_story, submission_ids, world  # noqa: F401 (world is a fixture)

CONTACT = "reach-me-please@example.org"


def openings(app, number):
    with app.app_context():
        return db.session.execute(
            sa.text("SELECT COUNT(*) FROM story_access_log WHERE submission_id = :n AND action = 'viewed'"), {"n": number}
        ).scalar_one()


def test_every_page_showing_the_original_or_the_contact_adds_a_view_log_line(app, world):  # noqa: F811
    send_story(app.test_client(), world.slug, publish="y", support="y", contact_method="email",
               contact_email=CONTACT, contact_language="en")
    [number] = submission_ids(app)
    team = client_of(app, world.team)
    base = f"/organize/{world.slug}/stories/{number}"
    paths = [
        ("the page itself", "GET", base, None, 200),
        ("an empty redaction", "POST", f"{base}/redaction?lang=en", {"text": "", "save": "y"}, 422),
        ("asking the author before screening", "POST", f"{base}/redaction?lang=en", {"text": "Redacted.", "ask": "1"}, 409),
    ]
    for what, method, path, data, expected in paths:
        before = openings(app, number)
        page = team.open(path, method=method, data=data)
        assert page.status_code == expected, what
        assert TEXT in page.text and CONTACT in page.text, what  # the page does show both ...
        assert openings(app, number) == before + 1, what  # ... and says so in the log
    log = team.get(f"/organize/{world.slug}/stories/log?lang=en").text.split("</header>")[1]
    assert log.count("<td>opened</td>") == len(paths)
