"""Stories and support (issue 13): the form without an account, the private code, sealed storage, the
team's queue and view log, redaction with the author's approval, the figures that never show a group
under 5 (page, open data, letter), deadlines and escalation, deletion. As the people involved see it:
status codes, page text, mails and counts."""
import base64
import io
import json
import logging
import re
import subprocess
from datetime import date

import pytest
import sqlalchemy as sa
from freezegun import freeze_time
from pypdf import PdfReader

from helpers import add_campaign, add_organizer, confirmed_account, login, mail_text, make_app, read_outbox, subject
from petition_app.extensions import db
from petition_app.rules.workdays import add_working_days
from petition_app.rules.stories import (
    fold_small_groups,
    is_escalation_due,
    is_overdue,
    safe_total,
    tally,
)

STORIES = {
    "enabled": True,
    "contact_by": {"nl": "Twee getrainde vrijwilligers van Safe Leiden", "en": "Two trained volunteers of Safe Leiden"},
    "confidentiality": {
        "nl": "Alles blijft binnen het team, tenzij iemand in direct gevaar is.",
        "en": "Everything stays within the team, unless someone is in immediate danger.",
    },
}
# The code in groups of four, each in a span that keeps it on one line (issue 20)
CODE = re.compile(r'<p class="code" translate="no"><strong id="private-code">((?:<span class="code-group">[A-Z0-9]+</span>-?)+)</strong></p>')
TEXT = "Na een feest liep iemand uit mijn studentenvereniging mij achterna tot aan mijn deur."


def story_campaign(app, slug="safe-leiden", **changes):
    return add_campaign(app, slug=slug, stories=dict(STORIES), **changes)


def send_story(client, slug="safe-leiden", lang=None, **fields):
    data = {"text": TEXT, "categories": ["sexual_harassment"], "place": "city"}
    data.update(fields)
    data = {k: v for k, v in data.items() if v is not None}
    response = client.post(f"/campaigns/{slug}/stories/new" + (f"?lang={lang}" if lang else ""), data=data)
    found = CODE.search(response.text)
    return response, (re.sub(r"<[^>]+>", "", found.group(1)) if found else None)


def make_user(app, email, name="Sanne", admin=False, confirmed=True):
    """An account (a cheap password hash, see helpers.confirmed_account); returns its address."""
    if confirmed:
        confirmed_account(app, email=email, name=name, role="admin" if admin else "organizer")
        return email
    from petition_app.accounts.models import User

    with app.app_context():
        db.session.add(User(email=email, name=name, password_hash="x", locale="en", role="admin" if admin else "organizer"))
        db.session.commit()
    return email


def _user_id(app, email):
    with app.app_context():
        return db.session.execute(sa.text("SELECT id FROM users WHERE email = :e"), {"e": email}).scalar_one()


def organize(app, slug, email):
    add_organizer(app, slug, email)


def join_team(app, slug, email, accepted=True):
    from petition_app.timeutil import utcnow

    organize(app, slug, email)
    with app.app_context():
        db.session.execute(sa.text(
            "INSERT INTO story_team_members (campaign_id, user_id, accepted_at) SELECT id, :u, :a FROM campaigns WHERE slug = :s"
        ), {"u": _user_id(app, email), "s": slug, "a": utcnow() if accepted else None})
        db.session.commit()


def client_of(app, email=None):
    """A browser: anonymous, or logged in through the login form as `email`."""
    client = app.test_client()
    if email is not None:
        response = login(client, email)
        assert response.status_code in (302, 422), response.status_code  # 422: an account that cannot log in
    return client


def submission_ids(app):
    with app.app_context():
        return db.session.execute(sa.text("SELECT id FROM story_submissions ORDER BY id")).scalars().all()


@pytest.fixture
def world(app):
    """A campaign that takes stories, a team member, a moderator, another organizer and a stranger."""
    slug = story_campaign(app)
    team = make_user(app, "team@example.org", "Team Member")
    other = make_user(app, "other@example.org", "Other Organizer")
    invited = make_user(app, "invited@example.org", "Invited Not Accepted")
    admin = make_user(app, "mod@example.org", "Moderator", admin=True)
    join_team(app, slug, team)
    organize(app, slug, other)
    join_team(app, slug, invited, accepted=False)
    return type("World", (), {"app": app, "slug": slug, "team": team, "other": other, "invited": invited, "admin": admin})


# ---------------------------------------------------------------- pure rules


@pytest.mark.parametrize("start, expected", [
    (date(2026, 3, 2), date(2026, 3, 4)),  # Monday -> Wednesday
    (date(2026, 3, 5), date(2026, 3, 9)),  # Thursday -> Monday
    (date(2026, 3, 6), date(2026, 3, 10)),  # Friday -> Tuesday
    (date(2026, 3, 7), date(2026, 3, 10)),  # Saturday -> Tuesday
    (date(2026, 3, 8), date(2026, 3, 10)),  # Sunday -> Tuesday
])
def test_two_working_days_skip_the_weekend(start, expected):
    assert add_working_days(start, 2) == expected


def test_working_days_skip_holidays_and_deadlines_are_whole_days():
    assert add_working_days(date(2026, 4, 24), 2, days_off={date(2026, 4, 27)}) == date(2026, 4, 29)  # King's Day
    assert add_working_days(date(2026, 3, 2), 0) == date(2026, 3, 2)
    with pytest.raises(ValueError):
        add_working_days(date(2026, 3, 2), -1)
    deadline = date(2026, 3, 6)  # a Friday
    assert not is_overdue(deadline, deadline) and is_overdue(deadline, date(2026, 3, 7))
    assert not is_escalation_due(deadline, date(2026, 3, 9))  # Monday: the team was reminded on Saturday
    assert is_escalation_due(deadline, date(2026, 3, 10))


@pytest.mark.parametrize("counts, expected", [
    ({"a": 7, "b": 5, "other": 0}, {"a": 7, "b": 5}),
    ({"a": 7, "b": 3, "c": 2, "other": 0}, {"a": 7, "other": 5}),
    ({"a": 7, "b": 3, "other": 0}, {"other": 10}),  # other would be 3: a is folded in too
    ({"a": 9, "b": 6, "c": 1, "other": 0}, {"a": 9, "other": 7}),  # the smallest shown group goes first
    ({"a": 2, "b": 1, "other": 1}, {}),  # under 5 altogether: nothing to show
    ({"a": 0, "b": 0, "other": 0}, {}),
    ({"a": 5, "other": 5}, {"a": 5, "other": 5}),
])
def test_no_group_under_five_is_ever_left(counts, expected):
    folded = fold_small_groups(counts)
    assert folded == expected
    assert all(n >= 5 for n in folded.values())
    assert sum(folded.values()) in (0, sum(counts.values()))


def test_totals_under_five_are_not_shown_and_tallies_fold_unknown_values():
    assert safe_total(4) is None and safe_total(5) == 5
    assert tally(["a", None, "zzz", "a"], ["a", "b"]) == {"a": 2, "b": 0, "other": 2}


# ---------------------------------------------------------------- sealing and the key


def test_sealed_values_open_only_in_their_own_field_and_campaign(app):
    from petition_app.stories import sealing

    with app.app_context():
        sealed = sealing.seal("geheim", 1, sealing.SealedField.TEXT)
        assert b"geheim" not in sealed and sealing.unseal(sealed, 1, sealing.SealedField.TEXT) == "geheim"
        assert sealing.seal("geheim", 1, sealing.SealedField.TEXT) != sealed  # a fresh nonce every time
        for campaign_id, field in ((2, sealing.SealedField.TEXT), (1, sealing.SealedField.CONTACT)):
            with pytest.raises(sealing.Unsealable):
                sealing.unseal(sealed, campaign_id, field)
        code = sealing.new_code()
        assert re.fullmatch(r"([A-Z2-9]{4}-){4}[A-Z2-9]{4}", code)
        assert sealing.code_digests(code.lower().replace("-", " ")) == sealing.code_digests(code)


def test_production_refuses_to_start_without_stories_key_and_a_rotated_key_still_opens(tmp_path):
    from petition_app.stories import sealing

    with pytest.raises(sealing.StoriesKeyMissing):
        make_app(tmp_path / "a", APP_ENV="production", STORIES_KEY=None, REDIS_URL="redis://127.0.0.1:6379/15")
    with pytest.raises(sealing.StoriesKeyMissing, match="32"):
        make_app(tmp_path / "b", STORIES_KEY="c2hvcnQ")
    old, new = base64.urlsafe_b64encode(b"o" * 32).decode(), base64.urlsafe_b64encode(b"n" * 32).decode()
    before = make_app(tmp_path / "c", STORIES_KEY=old)
    with before.app_context():
        sealed = sealing.seal("text", 1, sealing.SealedField.TEXT)
    after = make_app(tmp_path / "d", STORIES_KEY=f"{new},{old}")
    with after.app_context():
        assert sealing.unseal(sealed, 1, sealing.SealedField.TEXT) == "text"
        assert sealing.seal("x", 1, sealing.SealedField.TEXT)[1:5] != sealed[1:5]  # the new key seals


def test_development_generates_one_key_into_the_instance_folder(tmp_path):
    first = make_app(tmp_path, STORIES_KEY=None)
    second = make_app(tmp_path, STORIES_KEY=None)
    key = (tmp_path / "instance" / "stories_key").read_text()
    assert first.config["STORIES_KEY"] == second.config["STORIES_KEY"] == key != first.config["SECRET_KEY"]


# ---------------------------------------------------------------- the form, the code, the author


@pytest.mark.parametrize("lang, heading, help_line, not_a_report", [
    ("nl", "Deel je ervaring", "0800-0188", "geen melding"),
    ("en", "Share your experience", "0800-0188", "not a report"),
])
def test_the_form_says_who_contacts_the_limits_and_where_to_get_help(app, lang, heading, help_line, not_a_report):
    slug = story_campaign(app)
    page = app.test_client().get(f"/campaigns/{slug}/stories/new?lang={lang}")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert heading in page.text and help_line in page.text and "112" in page.text
    assert not_a_report in page.text
    assert STORIES["contact_by"][lang] in page.text and STORIES["confidentiality"][lang] in page.text
    assert "Leave this page quickly" in page.text or "Verlaat deze pagina snel" in page.text
    campaign_page = app.test_client().get(f"/campaigns/{slug}?lang={lang}")
    assert f"/campaigns/{slug}/stories/new" in campaign_page.text


def test_a_campaign_without_stories_has_no_form(app, campaign):
    assert app.test_client().get(f"/campaigns/{campaign}/stories/new").status_code == 404
    assert "/stories/new" not in app.test_client().get(f"/campaigns/{campaign}").text


@pytest.mark.parametrize("fields, field, dutch", [
    ({"text": "", "publish": "y"}, "text", "Schrijf je verhaal hier"),
    ({"text": "", "categories": None, "place": None}, "text", "Vertel wat er gebeurde"),
    ({"support": "y"}, "contact_method", "Kies hoe het team"),
    ({"support": "y", "contact_method": "email", "contact_email": "not-an-address", "contact_language": "nl"}, "contact_email", "geldig e-mailadres"),
    ({"support": "y", "contact_method": "phone", "contact_phone": "bel me", "contact_language": "nl"}, "contact_phone", "telefoonnummer"),
    ({"contact_phone": "0612345678"}, "support", "Ik wil graag steun"),
])
def test_bad_input_gets_a_dutch_error_keeps_what_was_typed_and_stores_nothing(app, fields, field, dutch):
    slug = story_campaign(app)
    typed = "Mijn eigen woorden, niet kwijtraken"
    response, code = send_story(app.test_client(), slug, lang="nl", **{"text": typed, **fields})
    assert response.status_code == 422 and code is None
    assert dutch in response.text
    assert f'id="{field}-error"' in response.text
    if fields.get("text", typed):
        assert typed in response.text
    assert submission_ids(app) == []


def test_the_code_is_shown_once_and_opens_the_authors_page(app):
    slug = story_campaign(app)
    client = app.test_client()
    response, code = send_story(client, slug, lang="en", support="y", contact_method="phone",
                                contact_phone="06 12345678", contact_language="en")
    assert response.status_code == 200 and code and response.headers["Cache-Control"] == "no-store"
    assert "We show it only this once" in response.text
    assert "The team will contact you by" in response.text
    page = client.post("/stories/my-story?lang=en", data={"code": code.lower()})
    assert page.status_code == 200 and "Your story" in page.text and "Not yet: the team has not read it yet" in page.text
    assert "The team will contact you by" in page.text
    wrong = client.post("/stories/my-story?lang=en", data={"code": "AAAA-BBBB-CCCC-DDDD-EEEE"})
    assert wrong.status_code == 404 and "No story was found" in wrong.text
    assert client.post("/stories/my-story", data={"code": "AAAA", "action": "withdraw_confirmed"}).status_code == 404
    assert code not in client.get("/stories/my-story").text


def test_withdrawing_deletes_everything_at_once(app, world):
    client = app.test_client()
    _, code = send_story(client, world.slug, publish="y", support="y", contact_method="email",
                         contact_email="anna@example.org", contact_language="nl")
    [number] = submission_ids(app)
    client_of(app, world.team).get(f"/organize/{world.slug}/stories/{number}")  # a view in the log
    ask = client.post("/stories/my-story?lang=en", data={"code": code, "action": "withdraw"})
    assert "Withdraw everything?" in ask.text and submission_ids(app) == [number]
    done = client.post("/stories/my-story?lang=en", data={"code": code, "action": "withdraw_confirmed"})
    assert done.status_code == 200 and "Everything is deleted" in done.text
    assert submission_ids(app) == []
    assert client.post("/stories/my-story", data={"code": code}).status_code == 404
    log = client_of(app, world.team).get(f"/organize/{world.slug}/stories/log?lang=en")
    assert f"#{number} (withdrawn)" in log.text  # the log keeps who looked, never what


def test_a_bot_filling_the_hidden_field_stores_nothing(app):
    slug = story_campaign(app)
    response, code = send_story(app.test_client(), slug, website="http://spam.example")
    assert response.status_code == 200 and code
    assert submission_ids(app) == []


def test_mail_me_the_code_sends_it_and_keeps_no_address(app):
    slug = story_campaign(app)
    client = app.test_client()
    _, code = send_story(client, slug)
    response = client.post(f"/campaigns/{slug}/stories/mail-code?lang=en", data={"code": code, "email": "me@example.org"})
    assert response.status_code == 200 and "We did not keep the address" in response.text
    [message] = [m for m in read_outbox(app) if m["To"] == "me@example.org"]
    assert code in mail_text(message) and TEXT not in mail_text(message)
    with app.app_context():
        dump = json.dumps([list(map(str, row)) for row in db.session.execute(sa.text("SELECT * FROM story_submissions"))])
        outbox = db.session.execute(sa.text("SELECT COUNT(*) FROM outbox_jobs")).scalar_one()
    assert "me@example.org" not in dump and outbox == 0
    assert client.post(f"/campaigns/{slug}/stories/mail-code", data={"code": "WRONG", "email": "x@example.org"}).status_code == 404


# ---------------------------------------------------------------- who may see what


def team_routes(slug, number):
    """Every route about submissions, with its method and form data."""
    return [
        ("GET", f"/organize/{slug}/stories/queue", None),
        ("GET", f"/organize/{slug}/stories/{number}", None),
        ("POST", f"/organize/{slug}/stories/{number}/status", {"status": "filed"}),
        ("POST", f"/organize/{slug}/stories/{number}/redaction", {"text": "Redacted", "save": "y"}),
        ("POST", f"/organize/{slug}/stories/{number}/take-down", {}),
        ("GET", f"/organize/{slug}/stories/log", None),
    ]


def test_everyone_outside_the_team_gets_404_on_every_submission_route(app, world):
    _, code = send_story(app.test_client(), world.slug, publish="y")
    [number] = submission_ids(app)
    elsewhere = story_campaign(app, slug="try-harder")
    stranger_team = make_user(app, "leuven@example.org", "TryHarder team")
    join_team(app, elsewhere, stranger_team)
    outsiders = {
        "anonymous": client_of(app),
        "other organizer": client_of(app, world.other),
        "invited, not accepted": client_of(app, world.invited),
        "team of another campaign": client_of(app, stranger_team),
        "unconfirmed admin": client_of(app, make_user(app, "x@example.org", admin=False, confirmed=False)),
    }
    failures = []
    for who, client in outsiders.items():
        for method, path, data in team_routes(world.slug, number):
            status = client.open(path, method=method, data=data).status_code
            if status != 404:
                failures.append(f"{who}: {method} {path} -> {status}")
        # the other campaign's team cannot reach this submission through its own campaign either
    path = f"/organize/{elsewhere}/stories/{number}"
    if client_of(app, stranger_team).get(path).status_code != 404:
        failures.append(f"team of another campaign: {path}")
    assert failures == []
    with app.app_context():
        assert db.session.execute(sa.text("SELECT status FROM story_submissions")).scalar_one() == "new"
        assert db.session.execute(sa.text("SELECT COUNT(*) FROM story_access_log")).scalar_one() == 0
    # a wrong code opens nothing either
    assert app.test_client().post("/stories/my-story", data={"code": code[:-1] + ("A" if code[-1] != "A" else "B")}).status_code == 404


def test_the_team_and_moderators_see_submissions_and_every_view_is_logged(app, world):
    send_story(app.test_client(), world.slug, support="y", contact_method="email",
               contact_email="reach-me@example.org", contact_language="nl")
    [number] = submission_ids(app)
    team, moderator = client_of(app, world.team), client_of(app, world.admin)
    queue = team.get(f"/organize/{world.slug}/stories/queue?lang=en")
    assert queue.status_code == 200 and queue.headers["Cache-Control"] == "no-store"
    assert "Support requested (1)" in queue.text and TEXT not in queue.text and "reach-me" not in queue.text
    for client in (team, team, moderator):
        page = client.get(f"/organize/{world.slug}/stories/{number}?lang=en")
        assert page.status_code == 200 and TEXT in page.text and "reach-me@example.org" in page.text
        assert page.headers["Cache-Control"] == "no-store"
    log = team.get(f"/organize/{world.slug}/stories/log?lang=en").text.split("</header>")[1]  # (the header names the account)
    assert log.count("<td>opened</td>") == 3
    assert log.count("Team Member") == 2 and log.count("Moderator") == 1


def test_organizers_set_up_stories_and_the_team_until_a_team_exists(app):
    slug = add_campaign(app)
    first, second = make_user(app, "first@example.org", "First"), make_user(app, "second@example.org", "Second")
    organize(app, slug, first)
    organize(app, slug, second)
    client = client_of(app, first)
    assert client.get(f"/organize/{slug}/stories").headers["Location"].endswith(f"/organize/{slug}/stories/settings")
    refused = client.post(f"/organize/{slug}/stories/settings?lang=en", data={"enabled": "y", "support_days": "2", "retention_days": "183"})
    assert refused.status_code == 422 and "Needed when stories are switched on." in refused.text
    data = {"enabled": "y", "support_days": "3", "retention_days": "90", "contact_by_nl": "Wij", "contact_by_en": "Us",
            "confidentiality_nl": "Grenzen", "confidentiality_en": "Limits"}
    assert client.post(f"/organize/{slug}/stories/settings", data=data).status_code == 302
    assert app.test_client().get(f"/campaigns/{slug}/stories/new").status_code == 200
    client.post(f"/organize/{slug}/stories/team", data={"members": [str(_user_id(app, first))]})
    assert client.get(f"/organize/{slug}/stories/queue").status_code == 404  # not before accepting
    refused = client.post(f"/organize/{slug}/stories/join?lang=en", data={})
    assert refused.status_code == 422 and "Tick this to join the team." in refused.text
    accepted = client.post(f"/organize/{slug}/stories/join", data={"accept": "y"})
    assert accepted.headers["Location"].endswith(f"/organize/{slug}/stories/queue")
    assert client.get(f"/organize/{slug}/stories/queue").status_code == 200
    # now that a team exists, the other organizer has no way in
    for path in ("", "/settings", "/queue", "/join"):
        assert client_of(app, second).get(f"/organize/{slug}/stories{path}").status_code == 404, path


# ---------------------------------------------------------------- screening, redaction, approval


def screen_and_redact(app, world, number, text, notes=("sexual_harassment",), ask=True):
    team = client_of(app, world.team)
    assert team.post(f"/organize/{world.slug}/stories/{number}/status", data={"status": "filed"}).status_code == 302
    data = {"text": text, "notes": list(notes), ("ask" if ask else "save"): "y"}
    assert team.post(f"/organize/{world.slug}/stories/{number}/redaction", data=data).status_code == 302


def test_nothing_is_published_without_the_authors_approval_of_that_version(app, world):
    client = app.test_client()
    _, code = send_story(client, world.slug, publish="y", quote="y", text="Mijn docent Jan de Vries zei dat in 2023.")
    [number] = submission_ids(app)
    redacted = "Mijn docent zei dat, een paar jaar geleden."
    team = client_of(app, world.team)
    early = team.post(f"/organize/{world.slug}/stories/{number}/redaction?lang=en", data={"text": redacted, "ask": "y"})
    assert early.status_code == 409 and "There is a problem" in early.text and "Screen the submission first" in early.text
    assert f"{redacted}</textarea>" in early.text  # the redaction written so far stays
    screen_and_redact(app, world, number, redacted)
    campaign_page = app.test_client().get(f"/campaigns/{world.slug}?lang=en").text
    assert redacted not in campaign_page  # waits for the author

    author = client.post("/stories/my-story?lang=en", data={"code": code})
    assert redacted in author.text and "Content note: Sexual harassment" in author.text and "Jan de Vries" not in author.text
    approved = client.post("/stories/my-story?lang=en", data={"code": code, "action": "approve"})
    assert "You approved this version" in approved.text

    page = app.test_client().get(f"/campaigns/{world.slug}?lang=en").text
    story = re.search(r'<article class="story">.*?</article>', page, re.S).group(0)
    assert "<details>" in story and redacted in story and "Content note: Sexual harassment" in story
    assert re.search(r"shared in [A-Z][a-z]+ 20\d\d", story)  # month and year only
    assert "Jan de Vries" not in page
    ref = re.search(r"/campaigns/[a-z-]+/stories/([0-9a-f]{16})", story).group(1)
    single = app.test_client().get(f"/campaigns/{world.slug}/stories/{ref}?lang=nl")
    assert single.status_code == 200 and redacted in single.text and "Verlaat deze pagina snel" in single.text
    assert 'src="/static/stories.js"' in single.text

    # any change by the team takes the approval back
    screen_and_redact(app, world, number, redacted + " Nog iets.", ask=False)
    assert redacted not in app.test_client().get(f"/campaigns/{world.slug}").text
    assert app.test_client().get(f"/campaigns/{world.slug}/stories/{ref}").status_code == 404


def test_closing_a_case_deletes_the_contact_details_and_dismissing_deletes_the_text(app, world):
    from petition_app.stories.models import StorySubmission

    send_story(app.test_client(), world.slug, support="y", contact_method="email", contact_email="c@example.org", contact_language="nl")
    send_story(app.test_client(), world.slug, text="Spam spam spam")
    first, second = submission_ids(app)
    team = client_of(app, world.team)
    team.post(f"/organize/{world.slug}/stories/{first}/status", data={"status": "contacted"})
    team.post(f"/organize/{world.slug}/stories/{first}/status", data={"status": "closed"})
    team.post(f"/organize/{world.slug}/stories/{second}/status", data={"status": "dismissed", "confirm": "1"})
    with app.app_context():
        closed, dismissed = db.session.get(StorySubmission, first), db.session.get(StorySubmission, second)
        assert closed.contact_sealed is None and closed.text_sealed is not None and closed.contacted_on is not None
        assert dismissed.text_sealed is None
    assert "The contact details are deleted." in team.get(f"/organize/{world.slug}/stories/{first}?lang=en").text


# ---------------------------------------------------------------- figures: never a group under 5


def seed_submissions(app, slug, specs):
    """Screened submissions straight into the table: [(categories, place, status)]."""
    from petition_app.stories.models import StorySubmission
    from petition_app.stories import sealing

    with app.app_context():
        campaign_id = db.session.execute(sa.text("SELECT id FROM campaigns WHERE slug = :s"), {"s": slug}).scalar_one()
        for n, (categories, place, status) in enumerate(specs):
            db.session.add(StorySubmission(
                campaign_id=campaign_id, code_digest=sealing.code_digests(sealing.new_code())[0], public_ref=f"{n:016x}",
                submitted_on=date(2026, 3, 2), status=status, categories=categories, place=place, content_notes=[],
            ))
        db.session.commit()


# Screened: sexual violence 5 (campus), harassment 6 (city), bullying 2 (online); 3 more not screened yet.
SMALL_CELLS = ([(["sexual_violence"], "campus", "filed")] * 5 + [(["harassment"], "city", "filed")] * 6
               + [(["bullying"], "online", "contacted")] * 2 + [(["discrimination"], "online", "new")] * 3)


def one_letter(app, slug, key, locale):
    """The text of one recipient's letter in one language, as pdftotext-like plain text (pypdf)."""
    from petition_app.campaigns.queries import campaign_by_slug
    from petition_app.letters.documents import render_letter

    with app.app_context():
        [recipient] = [r for r in campaign_by_slug(slug).recipients if r.key == key]
        out = io.BytesIO()
        render_letter(recipient, locale, out)
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(out.getvalue())).pages).split(" "))


def figure_cells(html):
    return [int(n) for n in re.findall(r"<td data-figure>(\d+)</td>", html)]


def test_no_figure_under_five_on_the_page_in_the_open_data_or_in_the_letter(app):
    slug = story_campaign(app)
    seed_submissions(app, slug, SMALL_CELLS)
    client = app.test_client()
    page = client.get(f"/campaigns/{slug}?lang=en").text
    assert "13 people told the team" in page  # the three unscreened ones do not count yet
    # bullying (2) goes to "other", and sexual violence (5) with it, or "other" would be 2; online likewise
    assert figure_cells(page) == [6, 7, 6, 7]

    data = client.get(f"/api/v1/campaigns/{slug}/stats/stories").get_json()
    assert data["people"] == 13 and data["min_group_size"] == 5
    cells = [row["people"] for row in data["categories"] + data["places"]]
    assert cells and all(n >= 5 for n in cells)
    csv_cells = [int(line.rsplit(",", 1)[1]) for line in client.get(f"/api/v1/campaigns/{slug}/stats/stories.csv").text.split()[1:]]
    assert all(n >= 5 for n in csv_cells)
    assert client.get("/api/v1/campaigns/safe-leiden/stats/stories").headers["Access-Control-Allow-Origin"] == "*"

    text = one_letter(app, slug, "university", "en")
    section = text.split("What people told the campaign", 1)[1].split("The petition, its full text", 1)[0]
    assert "13 people told" in section
    numbers = [int(n) for n in re.findall(r":\s*(\d+)", section)]
    assert numbers and all(n >= 5 for n in numbers), section


def test_under_five_people_no_figures_at_all(app):
    slug = story_campaign(app)
    seed_submissions(app, slug, [(["sexual_violence"], "campus", "filed")] * 4)
    page = app.test_client().get(f"/campaigns/{slug}?lang=en").text
    assert figure_cells(page) == [] and "once at least 5 people have been counted" in page
    data = app.test_client().get(f"/api/v1/campaigns/{slug}/stats/stories").get_json()
    assert data["people"] is None and data["categories"] == [] == data["places"]
    assert "What people told the campaign" not in one_letter(app, slug, "mayor", "en")


def test_the_letter_quotes_approved_stories_in_an_annex(app, world):
    client = app.test_client()
    _, quoted = send_story(client, world.slug, quote="y", text="Origineel met naam.")
    _, published_only = send_story(client, world.slug, publish="y", text="Alleen op de pagina.")
    first, second = submission_ids(app)
    screen_and_redact(app, world, first, "In de brief, zonder naam.")
    screen_and_redact(app, world, second, "Alleen op de pagina, geredigeerd.")
    for code in (quoted, published_only):
        client.post("/stories/my-story", data={"code": code, "action": "approve"})
    text = " ".join(one_letter(app, world.slug, "police", "nl").split())
    assert "Bijlage: verhalen gedeeld met toestemming" in text
    assert "In de brief, zonder naam." in text
    assert "Origineel met naam" not in text and "Alleen op de pagina" not in text


# ---------------------------------------------------------------- deadlines, escalation, retention


def test_a_support_request_past_its_deadline_reminds_the_team_then_the_moderators(app, world):
    from petition_app.stories.tasks import look_after_stories

    with freeze_time("2026-03-05 10:00:00"):  # a Thursday: contact is due on Monday
        send_story(app.test_client(), world.slug, support="y", contact_method="phone", contact_phone="+31 6 11122233",
                   contact_language="en", text="Ik wil graag praten.")
    [number] = submission_ids(app)
    alert = [m for m in read_outbox(app) if m["To"] == "team@example.org"]
    assert len(alert) == 1 and "New in the story queue" in subject(alert[0])
    queue = client_of(app, world.team).get(f"/organize/{world.slug}/stories/queue?lang=en").text
    assert "Mar 9, 2026" in queue

    def run(day):
        with freeze_time(day), app.app_context():
            look_after_stories()

    run("2026-03-09 12:00:00")  # Monday, the deadline itself
    assert len(read_outbox(app)) == 1
    run("2026-03-10 08:00:00")  # Tuesday: the team is reminded
    reminders = [m for m in read_outbox(app) if "past its deadline" in subject(m)]
    assert [m["To"] for m in reminders] == ["team@example.org"]
    assert f"#{number}" in mail_text(reminders[0]) and "March 9, 2026" in mail_text(reminders[0])
    run("2026-03-10 20:00:00")  # the same day again: nothing twice
    assert len([m for m in read_outbox(app) if "past its deadline" in subject(m)]) == 1
    run("2026-03-11 08:00:00")  # Wednesday: a working day later, the moderators are told
    reminders = [m for m in read_outbox(app) if "past its deadline" in subject(m)]
    assert [m["To"] for m in reminders] == ["team@example.org", "mod@example.org"]
    for message in read_outbox(app):
        assert "Ik wil graag praten" not in mail_text(message) and "11122233" not in mail_text(message)


@pytest.mark.parametrize("sent, due", [
    ("2026-04-24 10:00:00", "Apr 29, 2026"),  # Friday before King's Day (Monday 27 April): due on Wednesday
    ("2025-04-24 10:00:00", "Apr 28, 2025"),  # King's Day on Saturday 26 April 2025 (the 27th a Sunday): Monday
    ("2026-12-23 10:00:00", "Dec 28, 2026"),  # Christmas and Boxing Day (Friday, Saturday): Thursday 24, Monday 28
])
def test_the_two_working_days_for_support_skip_dutch_public_holidays(app, world, sent, due):
    with freeze_time(sent):
        send_story(app.test_client(), world.slug, support="y", contact_method="phone", contact_phone="+31 6 11122233",
                   contact_language="en", text="Ik wil graag praten.")
    queue = client_of(app, world.team).get(f"/organize/{world.slug}/stories/queue?lang=en").text
    assert due in queue


def test_contact_marked_in_time_stops_the_reminders(app, world):
    from petition_app.stories.tasks import look_after_stories

    with freeze_time("2026-03-05 10:00:00"):
        send_story(app.test_client(), world.slug, support="y", contact_method="email", contact_email="a@example.org", contact_language="nl")
    [number] = submission_ids(app)
    client_of(app, world.team).post(f"/organize/{world.slug}/stories/{number}/status", data={"status": "contacted"})
    with freeze_time("2026-03-20 10:00:00"), app.app_context():
        look_after_stories()
    assert not [m for m in read_outbox(app) if "past its deadline" in subject(m)]


def test_after_the_retention_period_texts_and_contacts_are_deleted_and_the_counts_stay(app, world):
    from petition_app.stories.models import StorySubmission
    from petition_app.stories.tasks import look_after_stories

    send_story(app.test_client(), world.slug, support="y", contact_method="email", contact_email="a@example.org", contact_language="nl")
    seed_submissions(app, world.slug, [(["harassment"], "city", "filed")] * 5)
    with app.app_context():
        db.session.execute(sa.text("UPDATE campaigns SET status = 'closed', closed_at = :t"), {"t": "2026-01-01 00:00:00"})
        db.session.execute(sa.text("UPDATE story_settings SET retention_days = 30"))
        db.session.commit()
    with freeze_time("2026-01-20 10:00:00"), app.app_context():
        assert look_after_stories()[0] == 0  # within the period
    with freeze_time("2026-02-01 10:00:00"), app.app_context():
        assert look_after_stories()[0] == 6
        first = db.session.get(StorySubmission, submission_ids(app)[0])
        assert first.text_sealed is None and first.contact_sealed is None and first.purged_on == date(2026, 2, 1)
    assert "5 people told the team" in app.test_client().get(f"/campaigns/{world.slug}?lang=en").text


def test_the_campaign_file_section_is_checked():
    from petition_app.campaigns.operations import CampaignFileError
    from petition_app.stories.settings import parse_campaign_file_section

    assert parse_campaign_file_section({"enabled": False})["enabled"] is False
    for section, message in (
        ({"enabled": "yes"}, "stories.enabled"),
        ({"enabled": True, "contact_by": {"nl": "x", "en": "y"}}, "stories.confidentiality.nl"),
        ({**STORIES, "support_days": 0}, "stories.support_days"),
        ("on", "stories:"),
    ):
        with pytest.raises(CampaignFileError, match=message):
            parse_campaign_file_section(section)


# ---------------------------------------------------------------- nothing in a dump, a log or a mail


@pytest.mark.postgres
def test_a_database_dump_logs_and_mails_hold_no_story_or_contact(committed_pg_app, caplog):
    app = committed_pg_app
    slug = story_campaign(app)
    team = make_user(app, "team@example.org", "Team")
    join_team(app, slug, team)
    secrets_typed = {
        "text": "Zeldzaam-merkwoord-7731 gebeurde na de borrel in gebouw Vrieshof",
        "email": "uniek-adres-4410@example.org",
        "phone": "+31 6 98765432",
        "redacted": "Geredigeerd-merkwoord-5512 na een borrel",
    }
    caplog.set_level(logging.DEBUG)
    client = app.test_client()
    _, code = send_story(client, slug, text=secrets_typed["text"], publish="y", support="y", contact_method="email",
                         contact_email=secrets_typed["email"], contact_language="nl")
    send_story(client, slug, text="Tweede verhaal zonder contact", support="y", contact_method="phone",
               contact_phone=secrets_typed["phone"], contact_language="en")
    number = submission_ids(app)[0]
    team_client = client_of(app, team)
    team_client.get(f"/organize/{slug}/stories/{number}")
    team_client.post(f"/organize/{slug}/stories/{number}/status", data={"status": "filed"})
    team_client.post(f"/organize/{slug}/stories/{number}/redaction", data={"text": secrets_typed["redacted"], "save": "y"})
    url = app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg://", "postgresql://")
    dump = subprocess.run(["pg_dump", "--data-only", url], capture_output=True, text=True, timeout=120, check=True).stdout
    assert "story_submissions" in dump
    for label, value in {**secrets_typed, "code": code, "phone digits": "98765432"}.items():
        assert value not in dump, f"the {label} is in the database dump"
        assert value not in caplog.text, f"the {label} is in a log line"
        for message in read_outbox(app):
            assert value not in message.as_string(), f"the {label} is in a mail"
    assert read_outbox(app), "the team was alerted"


@pytest.mark.parametrize("lang, heading, sealed", [
    ("nl", "Als je een verhaal deelt of om steun vraagt", "versleuteld"),
    ("en", "When you share a story or ask for support", "stored encrypted"),
])
def test_the_privacy_statement_and_the_documents_say_what_is_stored_sealed_shown_and_deleted(app, lang, heading, sealed):
    from petition_app.config import PROJECT_ROOT

    page = app.test_client().get(f"/privacy?lang={lang}").text
    assert heading in page and sealed in page and "5" in page
    for document in ("README.md", "docs/architecture.md"):
        text = (PROJECT_ROOT / document).read_text(encoding="utf-8")
        assert "STORIES_KEY" in text and "retention_days" in text and "under 5" in text, document
