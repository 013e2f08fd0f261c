"""Hostile input that used to answer 500: huge page numbers and ids, a file where a form expects text,
and control characters in the forms of organizers, moderators and accounts. Each now gets a clear,
translated 4xx (or the form again with its message) and changes nothing. The sign form, the API and
the private links are in tests/test_hostile_input.py.

What we refuse, and why:
- `?page=` outside 1..100,000 (0, -1, 10**30) is no page: 404. Text that is no number is page 1.
- A number in a path that no id column can hold (2**31 and up: PostgreSQL's integer) is no id: 404.
- No form takes a file: a multipart body with a file part is refused with 415 and a translated page.
- One-line texts (titles, names, addresses, goals, filters) refuse line breaks and every other control
  or invisible character; a title goes into mail subjects. Longer texts (summaries, bodies, demands,
  updates, notes) keep line breaks and tabs and refuse the other control characters; PostgreSQL
  cannot store NUL at all. Passwords are only hashed, never stored or shown: they may hold anything.
- A title that reached the database with a line break anyway (a campaign file) still gives mails with
  a one-line subject, and nothing from it becomes a header of its own.
"""
import importlib
import io
import re
from types import SimpleNamespace

import pytest
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SearchField, StringField, TelField, TextAreaField, URLField
from wtforms.fields.core import UnboundField

from helpers import add_campaign, moderator_organizing, read_outbox, rows, sign, sign_form, subject
from petition_app.extensions import db
from petition_app.formfields import MAX_PAGE, deliverable_email, multi_line, plain_text, single_line
from petition_app.responses.forms import answer_form, visible_text

HUGE_NUMBERS = [str(2**31), str(2**63), str(10**30), "9" * 400]
OUT_OF_RANGE_PAGES = ["0", "-1", str(MAX_PAGE + 1), *HUGE_NUMBERS]
DRAFT = {
    "organizer_name": "Safe Leiden",
    "title_nl": "Veilig Leiden", "title_en": "Safe Leiden now",
    "summary_nl": "Studenten vragen om actie.", "summary_en": "Students ask for action.",
    "body_nl": "Doe mee.", "body_en": "Join us.",
    "goals": "3 5",
}


def first_id(app, table):
    with app.app_context():
        return db.session.execute(db.text(f"SELECT MIN(id) FROM {table}")).scalar_one()


def stored(app):
    """Everything an organizer, a moderator or an account can write, as it is stored."""
    with app.app_context():
        return {
            table: db.session.execute(db.text(f"SELECT * FROM {table} ORDER BY id")).all()
            for table in ("campaigns", "recipients", "demands", "users", "updates", "signatures")
        }


# ---------------------------------------------------------------- page numbers and ids


def test_huge_page_numbers_are_404_never_500(any_app):
    app = any_app
    slug = add_campaign(app)
    moderator = moderator_organizing(app, slug)
    visitor = app.test_client()
    assert visitor.get(f"/campaigns/{slug}/signers").status_code == 200
    assert visitor.get(f"/campaigns/{slug}/signers?page=abc").status_code == 200  # no number: page 1
    assert moderator.get(f"/organize/{slug}?page=1").status_code == 200
    assert moderator.get(f"/organize/{slug}?page=abc").status_code == 200
    for page in OUT_OF_RANGE_PAGES:
        for client, path in ((visitor, f"/campaigns/{slug}/signers"), (moderator, f"/organize/{slug}")):
            response = client.get(f"{path}?page={page}&lang=en")
            assert response.status_code == 404, (path, page)
            assert "Page not found" in response.text


def test_numbers_no_id_can_hold_are_404_never_500(any_app):
    app = any_app
    slug = add_campaign(app)
    moderator = moderator_organizing(app, slug)
    before = stored(app)
    for number in [str(2**31 - 1), *HUGE_NUMBERS]:  # the largest id there is, then none
        for method, path in (
            ("GET", f"/organize/{slug}/letters/{number}.pdf"),
            ("POST", f"/organize/{slug}/recipients/{number}?action=edit"),
            ("POST", f"/organize/{slug}/demands/{number}?action=remove"),
            ("POST", f"/organize/{slug}/signers/{number}/hide"),
        ):
            response = moderator.open(path, method=method, data={"name": "X", "email": "x@example.org", "language": "nl"})
            assert response.status_code == 404, (method, path, response.status_code)
    assert stored(app) == before


# ---------------------------------------------------------------- a file where text belongs


def a_file():
    return (io.BytesIO(b"%PDF-1.4 not a name"), "name.pdf")


@pytest.fixture
def world(app):
    """A public campaign with letters sent, a moderator who organizes it, and a recipient's answer link."""
    from petition_app.campaigns.queries import campaign_by_slug
    from petition_app.letters.operations import send_letters

    slug = add_campaign(app)
    moderator = moderator_organizing(app, slug)
    with app.app_context():
        send_letters(campaign_by_slug(slug).id)
        db.session.commit()
    respond = next(
        found.group(1)
        for message in read_outbox(app)
        if (found := re.search(r"http://localhost(/respond/[\w.\-]+)", message.get_body(("plain",)).get_content()))
    )
    return SimpleNamespace(app=app, slug=slug, moderator=moderator, respond=respond,
                           demand=first_id(app, "demands"))


def test_a_file_in_a_text_field_is_refused_with_a_translated_page(world):
    app, slug = world.app, world.slug
    anonymous = app.test_client()
    cases = [
        (anonymous, f"/campaigns/{slug}/sign", {**sign_form(email="file@example.org"), "name": a_file()}),
        (anonymous, "/account/login", {"email": a_file(), "password": "whatever it is"}),
        (anonymous, "/account/register", {"name": "Anna", "email": a_file(), "password": "x" * 12, "password_repeat": "x" * 12}),
        (anonymous, "/account/reset", {"email": a_file()}),
        (anonymous, world.respond, {f"status_{world.demand}": "accepted", f"text_{world.demand}": a_file()}),
        (world.moderator, "/organize/new", {**DRAFT, "title_en": a_file()}),
        (world.moderator, f"/organize/{slug}/updates", {"body_nl": "Nieuws", "body_en": a_file(), "confirm": "1"}),
        (world.moderator, f"/admin/{slug}/hide", {"note": a_file(), "confirm": "1"}),
        (world.moderator, f"/admin/{slug}/invalidate", {"domain": a_file(), "preview": "y"}),
    ]
    before = stored(app)
    for lang, heading in (("en", "We could not read what was sent"), ("nl", "We konden niet lezen wat er werd verstuurd")):
        for client, path, data in cases:
            fresh = {k: a_file() if isinstance(v, tuple) else v for k, v in data.items()}  # a stream is read once
            url = f"{path}{'&' if '?' in path else '?'}lang={lang}"
            response = client.post(url, data=fresh, content_type="multipart/form-data")
            assert response.status_code == 415, (path, response.status_code)
            assert heading in response.text, path
    assert stored(app) == before
    # The same form sent as multipart with text only is fine: it is the file that is refused.
    response = anonymous.post(f"/campaigns/{slug}/sign", data=sign_form(email="multipart@example.org"),
                              content_type="multipart/form-data")
    assert response.status_code == 303 and rows(app, "signatures") == len(before["signatures"]) + 1


def test_a_file_sent_to_the_api_gets_json(world):
    url = f"/api/v1/campaigns/{world.slug}/signatures"
    response = world.app.test_client().post(url, data={"name": a_file(), "email": "api-file@example.org", "consent": "true"},
                                            content_type="multipart/form-data")
    assert 400 <= response.status_code < 500 and response.is_json
    assert rows(world.app, "signatures") == 0


# ---------------------------------------------------------------- control characters in every form

TEXT_FIELD_CLASSES = (StringField, TextAreaField, EmailField, HiddenField, SearchField, URLField, TelField)
GUARDS = {plain_text, single_line, multi_line, deliverable_email, visible_text}
# Text fields that need no guard, and why.
UNGUARDED = {
    ("SignForm", "website"): "the honeypot: a filled one stores nothing",
    ("SignForm", "source"): "filtered to [a-z0-9-] by source_tag",
    ("SignForm", "csrf_token"): "the form token: only compared with a signature (security.sign_form_token_valid), never stored",
}
FORM_MODULES = ["accounts", "admin", "organizers", "responses", "signing", "stories"]


def every_form_class():
    for name in FORM_MODULES:
        importlib.import_module(f"petition_app.{name}.forms")
    found, todo = [], [FlaskForm]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("petition_app."):
                found.append(sub)
    return found


def unbound_text_fields(form_class):
    for name in dir(form_class):
        attr = getattr(form_class, name, None)
        if isinstance(attr, UnboundField) and issubclass(attr.field_class, TEXT_FIELD_CLASSES + (PasswordField,)):
            yield name, attr


def test_every_text_field_of_every_form_refuses_control_characters(app):
    """A new form field must carry one of the shared guards (petition_app/formfields.py), or be listed
    in UNGUARDED with its reason. Passwords are hashed, never stored or shown."""
    with app.test_request_context("/"):
        answers = type(answer_form([SimpleNamespace(id=7)]))  # made per recipient
    classes = every_form_class() + [answers]
    assert {"CampaignForm", "RecipientForm", "LoginForm", "SignForm", "InvalidateForm", "AnswerForm"} <= {c.__name__ for c in classes}
    checked, missing = 0, []
    for form_class in classes:
        for name, field in unbound_text_fields(form_class):
            if issubclass(field.field_class, PasswordField) or (form_class.__name__, name) in UNGUARDED:
                continue
            validators = field.kwargs.get("validators") or (field.args[1] if len(field.args) > 1 else [])
            checked += 1
            if not GUARDS & set(validators):
                missing.append(f"{form_class.__module__}.{form_class.__name__}.{name}")
    assert missing == []
    assert checked >= 25


NUL, BREAK, ESCAPE = "Leiden\x00", "Safe\r\nLeiden", "Leiden\x1b[2J"


@pytest.fixture
def draft(pg_app):
    """On PostgreSQL, which cannot store NUL: a public campaign organized by a moderator, and a draft
    of theirs with a recipient and a demand."""
    app = pg_app
    slug = add_campaign(app)
    moderator = moderator_organizing(app, slug)
    response = moderator.post("/organize/new", data=DRAFT)
    assert response.status_code == 302
    draft = response.headers["Location"].split("/organize/")[1].split("/")[0]
    moderator.post(f"/organize/{draft}/recipients", data={"name": "Leiden University", "email": "board@example.org", "language": "nl"})
    with app.app_context():
        recipient = db.session.execute(db.text("SELECT r.id FROM recipients r JOIN campaigns c ON c.id = r.campaign_id WHERE c.slug = :s"),
                                       {"s": draft}).scalar_one()
    moderator.post(f"/organize/{draft}/recipients/{recipient}?action=add_demand", data={"text_nl": "Eis", "text_en": "Demand"})
    with app.app_context():
        demand = db.session.execute(db.text("SELECT id FROM demands WHERE recipient_id = :r"), {"r": recipient}).scalar_one()
    return SimpleNamespace(app=app, slug=slug, draft=draft, moderator=moderator, recipient=recipient, demand=demand)


def form_cases(d):
    """(who, path, valid data, one-line fields, longer fields) for every organizer, moderator and account form."""
    recipient = {"name": "Leiden University", "email": "board@example.org", "language": "nl"}
    return [
        ("moderator", "/organize/new", DRAFT, ["organizer_name", "title_nl", "title_en", "goals"],
         ["summary_nl", "summary_en", "body_nl", "body_en"]),
        ("moderator", f"/organize/{d.draft}/edit", DRAFT, ["organizer_name", "title_nl", "title_en", "goals"],
         ["summary_nl", "body_en"]),
        ("moderator", f"/organize/{d.draft}/recipients", recipient, ["name", "email"], []),
        ("moderator", f"/organize/{d.draft}/recipients/{d.recipient}?action=edit", recipient, ["name", "email"], []),
        ("moderator", f"/organize/{d.draft}/recipients/{d.recipient}?action=add_demand", {"text_nl": "Eis", "text_en": "Demand"},
         [], ["text_nl", "text_en"]),
        ("moderator", f"/organize/{d.draft}/demands/{d.demand}?action=edit", {"text_nl": "Eis", "text_en": "Demand"}, [],
         ["text_nl", "text_en"]),
        ("moderator", f"/organize/{d.slug}/invite", {"email": "co@example.org"}, ["email"], []),
        ("moderator", f"/organize/{d.slug}/updates", {"body_nl": "Nieuws", "body_en": "News", "confirm": "1"}, [], ["body_nl", "body_en"]),
        ("moderator", f"/admin/{d.draft}/reject", {"reason": "other", "note": "Please add sources.", "confirm": "1"}, [], ["note"]),
        ("moderator", f"/admin/{d.slug}/hide", {"note": "Offline for now.", "confirm": "1"}, [], ["note"]),
        ("moderator", f"/admin/{d.slug}/invalidate", {"domain": "example.org", "preview": "y"}, ["domain", "ip_hash"], []),
        ("anonymous", "/account/login", {"email": "mod@example.org", "password": "wrong password here"}, ["email"], []),
        ("anonymous", "/account/reset", {"email": "nobody@example.org"}, ["email"], []),
        ("anonymous", "/account/register", {"name": "Anna", "email": "anna@example.org", "password": "p" * 12, "password_repeat": "p" * 12},
         ["name", "email"], []),
    ]


def clean(value, one_line):
    if not isinstance(value, str):
        return True
    if "\x00" in value or "\x1b" in value:
        return False
    return not (one_line and ("\r" in value or "\n" in value))


def test_control_characters_in_every_form_are_refused_never_500(draft):
    """Every text field of every organizer, moderator and account form, with NUL, a line break and an
    escape sequence: no 500, and nothing with them is stored (line breaks only in longer texts)."""
    app = draft.app
    clients = {"moderator": draft.moderator, "anonymous": app.test_client()}
    failures = []
    for who, path, valid, one_line, longer in form_cases(draft):
        for field in one_line + longer:
            for value in (NUL, BREAK, ESCAPE):
                response = clients[who].post(path, data={**valid, field: value})
                if response.status_code >= 500:
                    failures.append(f"{path} {field}={value!r}: {response.status_code}")
    assert failures == []
    one_line_columns = {"campaigns": ("title_nl", "title_en", "organizer_name", "slug"), "recipients": ("name", "email", "key"),
                        "users": ("name", "email")}
    for table, rows_ in stored(app).items():
        for row in rows_:
            for column, value in row._mapping.items():
                assert clean(value, column in one_line_columns.get(table, ())), (table, column, value)


def test_a_title_with_a_line_break_is_refused_in_both_languages_and_the_text_is_kept(app):
    slug = add_campaign(app)
    moderator = moderator_organizing(app, slug)
    before = rows(app, "campaigns")
    for lang, message in (("en", "Please write this on one line, without line breaks."),
                          ("nl", "Schrijf dit op één regel, zonder regelovergangen.")):
        response = moderator.post(f"/organize/new?lang={lang}", data={**DRAFT, "title_en": "Safe Leiden\nnow"})
        assert response.status_code == 422
        assert message in response.text
        assert "Studenten vragen om actie." in response.text and "Safe Leiden" in response.text  # what was typed stays
    assert rows(app, "campaigns") == before
    tabbed = moderator.post("/organize/new?lang=en", data={**DRAFT, "title_nl": "Veilig\tLeiden"})
    assert tabbed.status_code == 422 and "This contains invisible characters; please type it again." in tabbed.text
    # Longer texts keep their line breaks.
    assert moderator.post("/organize/new", data={**DRAFT, "summary_en": "Students ask.\r\n\r\nFor action."}).status_code == 302


def test_a_title_with_a_line_break_from_a_campaign_file_still_gives_mails_with_one_subject_line(app):
    """Before the forms refused them, such a title broke every mail of its campaign."""
    title = {"nl": "Veilig Leiden\nnu", "en": "Safe Leiden\r\nBcc: victim@example.org"}
    slug = add_campaign(app, title=title)
    client = app.test_client()
    sign(client, slug, email="en@example.org", lang="en")
    sign(client, slug, email="nl@example.org", lang="nl")
    mails = {str(m["To"]): m for m in read_outbox(app)}
    assert subject(mails["en@example.org"]) == "Confirm your signature: Safe Leiden Bcc: victim@example.org"
    assert mails["en@example.org"]["Bcc"] is None
    assert "\n" not in subject(mails["nl@example.org"]) and subject(mails["nl@example.org"]).endswith("Veilig Leiden nu")
