"""Organizer accounts: register with a confirmed address, log in, log out, reset a forgotten password."""
import re

import pytest

from helpers import PASSWORD, account_link, app_with_tables, login, make_organizer, read_outbox, register, rows, subject


def test_register_confirm_and_log_in(app):
    client = app.test_client()
    page = register(client)
    assert page.status_code == 200 and "Check your email" in page.text
    assert login(client).status_code == 422  # not confirmed yet
    (message,) = read_outbox(app)
    assert subject(message) == "Confirm your account"
    path = account_link(message, "confirm")
    assert client.get(path).status_code == 200
    assert login(client).status_code == 422  # a GET of the link confirms nothing
    assert client.post(path).status_code == 302
    response = login(client)
    assert response.status_code == 302 and response.headers["Location"].endswith("/organize/")
    assert "My campaigns" in client.get("/organize/?lang=en").text


def test_registering_a_taken_address_answers_the_same_and_mails_the_owner(app):
    first = register(app.test_client())
    again = register(app.test_client(), name="Someone Else", password="another long password")
    assert first.data == again.data
    assert rows(app, "users") == 1
    assert subject(read_outbox(app)[-1]) == "You already have an account"


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"password": "short", "password_repeat": "short"}, "Use between 12 and 200 characters."),
        ({"password_repeat": "something else entirely"}, "The two passwords differ."),
        ({"email": "not-an-email"}, "Enter a valid email address"),
        ({"name": "=cmd"}, "Please start with a letter"),
    ],
)
def test_bad_registrations_are_refused_with_the_input_kept(app, fields, message):
    data = {"name": "Safe Leiden", "email": "org@example.org", "password": PASSWORD, "password_repeat": PASSWORD, **fields}
    response = app.test_client().post("/account/register?lang=en", data=data)
    assert response.status_code == 422 and message in response.text
    assert f'value="{data["email"]}"' in response.text
    assert rows(app, "users") == 0


def test_a_wrong_password_is_refused_without_saying_whether_the_account_exists(app):
    make_organizer(app)
    wrong = login(app.test_client(), password="wrong password here")
    unknown = login(app.test_client(), email="nobody@example.org")
    assert wrong.status_code == unknown.status_code == 422
    message = "This email address and password do not match an active account."
    assert message in wrong.text and message in unknown.text


def test_login_renews_the_session_and_logout_ends_it(app):
    make_organizer(app, email="second@example.org")
    client = app.test_client()
    client.get("/?lang=en")
    with client.session_transaction() as session:
        session["planted"] = "before the login"  # what a session fixation would carry over
    before = client.get_cookie("session").value
    assert login(client, "second@example.org").status_code == 302
    assert client.get_cookie("session").value != before
    with client.session_transaction() as session:
        assert "planted" not in session  # nothing from before survives ...
    assert '<html lang="en">' in client.get("/organize/").text  # ... but the language chosen before (its own cookie)
    assert client.get("/organize/").status_code == 200
    assert client.post("/account/logout").status_code == 302
    assert client.get("/organize/").status_code == 302


def test_login_redirects_only_to_paths_on_this_site(app):
    make_organizer(app)
    for target, expected in (("/organize/new", "/organize/new"), ("https://evil.example/x", "/organize/"), ("//evil.example", "/organize/")):
        response = app.test_client().post(f"/account/login?next={target}", data={"email": "org@example.org", "password": PASSWORD})
        assert response.headers["Location"].endswith(expected), target


def test_login_is_throttled(tmp_path):
    app = app_with_tables(tmp_path, RATELIMIT_ENABLED=True)
    statuses = [login(app.test_client(), password=f"guess number {i}").status_code for i in range(7)]
    assert statuses[:5] == [422] * 5 and statuses[5:] == [429, 429]


def test_a_forgotten_password_is_reset_by_mail_and_the_link_works_once(app):
    make_organizer(app)
    client = app.test_client()
    assert "Check your email" in client.post("/account/reset?lang=en", data={"email": "org@example.org"}).text
    assert "Check your email" in client.post("/account/reset?lang=en", data={"email": "nobody@example.org"}).text
    message = read_outbox(app)[-1]
    assert message["To"] == "org@example.org" and subject(message) == "Reset your password"
    path = account_link(message, "reset")
    new = "a brand new passphrase"
    assert client.post(path, data={"password": new, "password_repeat": new}).status_code == 302
    assert login(app.test_client(), password=PASSWORD).status_code == 422
    assert login(app.test_client(), password=new).status_code == 302
    assert client.post(path, data={"password": "yet another passphrase", "password_repeat": "yet another passphrase"}).status_code == 404


def test_admin_create_makes_a_moderator_with_a_link_to_choose_a_password(app, runner):
    result = runner.invoke(args=["admin", "create", "mod@example.org"])
    assert result.exit_code == 0 and "mod@example.org is an admin" in result.output
    path = re.search(r"http://localhost(/account/reset/\S+)", result.output).group(1)
    app.test_client().post(path, data={"password": PASSWORD, "password_repeat": PASSWORD})
    client = app.test_client()
    assert login(client, "mod@example.org").status_code == 302
    assert client.get("/admin/").status_code == 200
    assert runner.invoke(args=["admin", "create", "nope"]).exit_code != 0
