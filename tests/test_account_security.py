"""Accounts under attack (issue 11): sessions end at logout and at a password reset, on every device;
links mailed to an account die with its password; `next` never leaves the site; an attacker guessing
passwords never locks the owner out; and an address with an account takes the same work as one without."""
import re
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

import pytest
import sqlalchemy as sa
from freezegun import freeze_time

from helpers import PASSWORD, app_with_tables, confirmed_account, login, mail_text, make_app, read_outbox, subject
from petition_app.extensions import db
from petition_app.rules.paths import local_path
from petition_app.timeutil import utcnow

DASHBOARD = "/organize/"
NEW_PASSWORD = "a brand new passphrase"


def logged_in(client):
    """True when the client's session opens the dashboard; an anonymous visitor is sent to the login."""
    response = client.get(DASHBOARD)
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 302:
        assert "/account/login" in response.headers["Location"]
    return response.status_code == 200


def copy_of(app, client):
    """Another browser holding a copy of the client's session cookie (as a thief would)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def reset_link(app, client, email="org@example.org"):
    client.post("/account/reset?lang=en", data={"email": email})
    message = [m for m in read_outbox(app) if m["To"] == email][-1]
    assert subject(message) == "Reset your password"
    return re.search(r"http://localhost(/account/reset/[\w.\-]+)", mail_text(message)).group(1)


def choose_password(client, path, password=NEW_PASSWORD):
    return client.post(path, data={"password": password, "password_repeat": password})


# ---------------------------------------------------------------- sessions end


def test_a_cookie_copied_before_logout_is_refused_after_it(any_app):
    confirmed_account(any_app)
    owner = any_app.test_client()
    assert login(owner).status_code == 302
    thief = copy_of(any_app, owner)
    assert logged_in(thief)  # the copy works while the session lives

    assert owner.post("/account/logout").status_code == 302
    assert not logged_in(owner)
    assert not logged_in(thief)


def test_logging_out_on_one_device_ends_the_sessions_on_every_other(any_app):
    confirmed_account(any_app)
    laptop, phone = any_app.test_client(), any_app.test_client()
    assert login(laptop).status_code == login(phone).status_code == 302
    phone.post("/account/logout")
    assert not logged_in(laptop)
    assert login(laptop).status_code == 302 and logged_in(laptop)  # logging in again works


def test_a_password_reset_on_another_device_ends_every_session(any_app):
    confirmed_account(any_app)
    owner = any_app.test_client()
    assert login(owner).status_code == 302
    thief = copy_of(any_app, owner)
    path = reset_link(any_app, any_app.test_client())

    assert choose_password(any_app.test_client(), path).status_code == 302
    assert not logged_in(owner)
    assert not logged_in(thief)
    assert login(any_app.test_client()).status_code == 422  # the old password is gone
    assert login(owner, password=NEW_PASSWORD).status_code == 302 and logged_in(owner)


def test_another_accounts_session_secret_opens_nothing(app):
    """A session must name the account and its current secret; a bare id, as sessions before the
    upgrade held, or a secret that is not the account's own, is nobody."""
    first = confirmed_account(app)
    second = confirmed_account(app, email="second@example.org")
    client = app.test_client()
    assert login(client, "second@example.org").status_code == 302
    with client.session_transaction() as session:
        _, secret = session["_user_id"].split(":")
        login_at = session["login_at"]
    for forged in (str(first), f"{first}:{secret}", f"{first}:", f"x:{secret}", f"{second}:{secret}x", "9" * 30 + f":{secret}"):
        with client.session_transaction() as session:
            session["_user_id"] = forged
            session["login_at"] = login_at
        assert not logged_in(client), forged
    with client.session_transaction() as session:
        session["_user_id"] = f"{second}:{secret}"
        session.pop("login_at")
    assert not logged_in(client)  # no moment of login: no session


def test_a_login_lasts_the_account_session_lifetime(app):
    assert app.config["ACCOUNT_SESSION_LIFETIME"] == timedelta(hours=12)
    confirmed_account(app)
    client = app.test_client()
    start = utcnow()
    with freeze_time(start):
        assert login(client).status_code == 302
    with freeze_time(start + timedelta(hours=11, minutes=59)):
        assert logged_in(client)
    with freeze_time(start + timedelta(hours=12, minutes=1)):
        assert not logged_in(client)
        assert login(client).status_code == 302 and logged_in(client)


@pytest.mark.parametrize("base_url, secure", [("https://petitions.example.org", True), ("http://localhost", False)])
def test_the_session_cookie_of_a_login_is_secure_when_the_site_is_https(tmp_path, base_url, secure):
    app = app_with_tables(tmp_path, BASE_URL=base_url)
    confirmed_account(app)
    response = app.test_client().post(
        "/account/login", data={"email": "org@example.org", "password": PASSWORD}, base_url=base_url
    )
    assert response.status_code == 302
    (cookie,) = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert ("secure" in attributes) is secure
    assert "httponly" in attributes and "samesite=lax" in attributes


# ---------------------------------------------------------------- links in mails die with the password


def test_every_link_mailed_to_an_account_is_void_once_the_password_changes(any_app):
    client = any_app.test_client()
    client.post("/account/register?lang=en", data={
        "name": "Safe Leiden", "email": "org@example.org", "password": PASSWORD, "password_repeat": PASSWORD,
    })
    confirm = re.search(r"http://localhost(/account/confirm/[\w.\-]+)", mail_text(read_outbox(any_app)[-1])).group(1)
    first, second = reset_link(any_app, client), reset_link(any_app, client)

    assert choose_password(client, first).status_code == 302
    assert choose_password(client, first, "yet another passphrase").status_code == 404  # works once
    assert choose_password(client, second, "yet another passphrase").status_code == 404  # a sibling dies too
    assert client.get(second).status_code == 404
    assert client.post(confirm).status_code == 404
    assert login(any_app.test_client(), password=NEW_PASSWORD).status_code == 302


def test_an_old_link_never_acts_on_a_new_account_that_takes_the_same_id(any_app):
    """Links carry a key derived from the account's own random secret, not only its id."""
    user_id = confirmed_account(any_app)
    path = reset_link(any_app, any_app.test_client())
    with any_app.app_context():
        db.session.execute(sa.text("DELETE FROM users WHERE id = :id"), {"id": user_id})
        db.session.commit()
    newcomer = confirmed_account(any_app, email="newcomer@example.org")
    with any_app.app_context():
        db.session.execute(sa.text("UPDATE users SET id = :old WHERE id = :new"), {"old": user_id, "new": newcomer})
        db.session.commit()
    assert any_app.test_client().get(path).status_code == 404
    assert choose_password(any_app.test_client(), path).status_code == 404
    assert login(any_app.test_client(), "newcomer@example.org").status_code == 302  # their password stands


def test_the_admin_link_to_choose_a_password_dies_with_its_first_use(app, runner):
    result = runner.invoke(args=["admin", "create", "mod@example.org"])
    path = re.search(r"http://localhost(/account/reset/\S+)", result.output).group(1)
    assert choose_password(app.test_client(), path).status_code == 302
    assert choose_password(app.test_client(), path, "yet another passphrase").status_code == 404
    assert login(app.test_client(), "mod@example.org", NEW_PASSWORD).status_code == 302


# ---------------------------------------------------------------- `next` stays on the site

BYPASSES = [
    "//evil.example/",
    "///evil.example/",
    "/%09/evil.example/",
    "%2F%09%2Fevil.example%2F",
    "/%0A/evil.example/",
    "/%0D%0ALocation:%20https://evil.example/",
    "%0D%0A",
    "/%5Cevil.example/",
    "/%5C%5Cevil.example/",
    "%5C%5Cevil.example",
    "https:evil.example",
    "https://evil.example/",
    "http:/evil.example",
    "javascript:alert(1)",
    "/%2F%2Fevil.example",
    "/%2F/evil.example",
    "%2F%2Fevil.example",
    "/%252F%252Fevil.example",
    "/%25252F%25252Fevil.example",
    "%20//evil.example/",
    "/%00/evil.example",
    "/%7F/evil.example",
    "%EF%BC%8F%EF%BC%8Fevil.example",  # fullwidth solidus, which some parsers fold into "/"
    "evil.example",
    ".evil.example",
    "@evil.example",
    "",
]


def browser_target(location):
    """Where a browser goes with this Location: it drops tabs and line breaks and reads \\ as /."""
    cleaned = re.sub(r"[\t\r\n]", "", location).replace("\\", "/")
    return urlsplit(urljoin("http://localhost/account/login", cleaned))


@pytest.mark.parametrize("target", BYPASSES)
def test_every_bypass_of_next_stays_on_our_host(app, target):
    confirmed_account(app)
    response = login(app.test_client(), next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == DASHBOARD
    assert browser_target(response.headers["Location"]).netloc == "localhost"


@pytest.mark.parametrize("target", ["/organize/new", "/organize/?lang=en", "/campaigns/safe-leiden?s=qr", "/organize/a%20b"])
def test_next_keeps_a_path_on_this_site(app, target):
    confirmed_account(app)
    response = login(app.test_client(), next=target.replace("?", "%3F").replace("&", "%26").replace("%20", "%2520"))
    assert response.status_code == 302 and response.headers["Location"] == target


def test_a_next_from_the_login_redirect_of_a_private_page_is_kept(app):
    confirmed_account(app)
    client = app.test_client()
    sent = client.get("/organize/new?lang=en")
    assert sent.status_code == 302
    response = client.post(sent.headers["Location"], data={"email": "org@example.org", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/organize/new?lang=en"


@pytest.mark.parametrize("target", [t.replace("%09", "\t") for t in BYPASSES] + [
    "/\t/evil.example", "/\\evil.example", "\\/evil.example", "/\r\n/evil.example", "/x\x00", "/é", None, 42, "/" + "a" * 2000,
])
def test_local_path_refuses_anything_that_could_leave_the_site(target):
    from urllib.parse import unquote

    assert local_path(target) is None
    if isinstance(target, str) and target:
        assert local_path(unquote(target)) is None


@pytest.mark.parametrize("target", ["/", "/organize/", "/organize/new?lang=en&x=1", "/a%20b", "/a/b#c", "/a:b", "/a@b"])
def test_local_path_keeps_paths_of_this_site(target):
    assert local_path(target) == target


# ---------------------------------------------------------------- throttling never locks the owner out

ATTACKER, OWNER = "203.0.113.66", "198.51.100.7"


@pytest.fixture
def throttled_app(tmp_path):
    app = app_with_tables(tmp_path, RATELIMIT_ENABLED=True)
    confirmed_account(app)
    return app


def test_the_owner_logs_in_from_their_address_after_an_attackers_12_failures(throttled_app):
    statuses = [login(throttled_app.test_client(), password=f"guess number {i}", ip=ATTACKER).status_code for i in range(12)]
    assert statuses == [422] * 5 + [429] * 7  # the attacker is slowed down
    owner = throttled_app.test_client()
    assert login(owner, ip=OWNER).status_code == 302 and logged_in(owner)
    # and the attacker stays throttled for this account, even with the right password
    assert login(throttled_app.test_client(), ip=ATTACKER).status_code == 429


def test_the_owner_may_mistype_and_still_log_in_after_an_attack(throttled_app):
    for i in range(12):
        login(throttled_app.test_client(), password=f"guess number {i}", ip=ATTACKER)
    assert [login(throttled_app.test_client(), password="typo typo typo", ip=OWNER).status_code for _ in range(3)] == [422] * 3
    assert login(throttled_app.test_client(), ip=OWNER).status_code == 302


def test_the_waits_grow_with_each_round_of_failures(throttled_app):
    start = utcnow()

    def round_of_guesses(at):
        with freeze_time(at):
            return [login(throttled_app.test_client(), password="wrong password!", ip=ATTACKER).status_code for _ in range(6)]

    assert round_of_guesses(start) == [422] * 5 + [429]  # 5 a minute
    assert round_of_guesses(start + timedelta(minutes=1, seconds=5)) == [422] * 5 + [429]
    # 10 in 15 minutes: the next minute brings no new tries, the end of the 15 minutes does
    assert round_of_guesses(start + timedelta(minutes=2, seconds=10)) == [429] * 6
    assert round_of_guesses(start + timedelta(minutes=15, seconds=5)) == [422] * 5 + [429]
    with freeze_time(start + timedelta(minutes=15, seconds=10)):
        assert login(throttled_app.test_client(), ip=OWNER).status_code == 302


def test_one_address_trying_many_accounts_is_throttled(throttled_app):
    statuses = [login(throttled_app.test_client(), f"person{i}@example.org", ip=ATTACKER).status_code for i in range(11)]
    assert statuses == [422] * 10 + [429]
    assert login(throttled_app.test_client(), ip=OWNER).status_code == 302


def test_successful_logins_use_up_no_tries(throttled_app):
    assert [login(throttled_app.test_client(), ip=OWNER).status_code for _ in range(12)] == [302] * 12


# ---------------------------------------------------------------- the same work, known address or not


@pytest.fixture
def work(monkeypatch):
    """Counts the password hashes, hash checks and jobs a request costs."""
    from petition_app.accounts import models, operations, queries

    counts = {"hash": 0, "check": 0, "jobs": []}

    def counting(name, fn):
        def wrapper(*args, **kwargs):
            counts[name] += 1
            return fn(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(models, "generate_password_hash", counting("hash", models.generate_password_hash))
    monkeypatch.setattr(models, "check_password_hash", counting("check", models.check_password_hash))
    monkeypatch.setattr(queries, "check_password_hash", counting("check", queries.check_password_hash))
    original = operations.enqueue_after_commit
    monkeypatch.setattr(operations, "enqueue_after_commit", lambda job, *args: (counts["jobs"].append(job.path), original(job, *args)))

    def taken(action):
        counts.update(hash=0, check=0, jobs=[])
        response = action()
        return response, {"hash": counts["hash"], "check": counts["check"], "jobs": len(counts["jobs"])}

    return taken


def test_register_answers_and_works_alike_for_a_known_and_an_unknown_address(app, work):
    confirmed_account(app)

    def register(email):
        return lambda: app.test_client().post("/account/register?lang=en", data={
            "name": "Someone", "email": email, "password": "another long password", "password_repeat": "another long password",
        })

    known, known_work = work(register("org@example.org"))
    unknown, unknown_work = work(register("new@example.org"))
    assert known.status_code == unknown.status_code == 200 and known.data == unknown.data
    assert known_work == unknown_work == {"hash": 1, "check": 0, "jobs": 1}


def test_a_reset_request_answers_and_works_alike_for_a_known_and_an_unknown_address(app, work):
    confirmed_account(app)

    def reset(email):
        return lambda: app.test_client().post("/account/reset?lang=en", data={"email": email})

    before = len(read_outbox(app))
    known, known_work = work(reset("org@example.org"))
    unknown, unknown_work = work(reset("nobody@example.org"))
    assert known.status_code == unknown.status_code == 200 and known.data == unknown.data
    assert known_work == unknown_work == {"hash": 0, "check": 0, "jobs": 1}
    assert [m["To"] for m in read_outbox(app)[before:]] == ["org@example.org"]  # the unknown one's job finds nobody


def test_a_failed_login_answers_and_works_alike_for_a_known_and_an_unknown_address(app, work):
    confirmed_account(app)
    login(app.test_client(), "warm@example.org")  # the dummy hash is made once per process
    known, known_work = work(lambda: login(app.test_client(), "org@example.org", "not the password"))
    unknown, unknown_work = work(lambda: login(app.test_client(), "nobody@example.org", "not the password"))
    assert known.status_code == unknown.status_code == 422
    assert known.text.replace("org@example.org", "X") == unknown.text.replace("nobody@example.org", "X")
    assert known_work == unknown_work == {"hash": 0, "check": 1, "jobs": 0}


def test_production_stores_scrypt_hashes_while_the_tests_hash_cheaply(app):
    """TestConfig's cheap method must not leak into production's configuration."""
    from petition_app.config import Config

    assert Config.PASSWORD_HASH_METHOD == "scrypt" and app.config["PASSWORD_HASH_METHOD"] != "scrypt"
    app.config["PASSWORD_HASH_METHOD"] = Config.PASSWORD_HASH_METHOD
    app.test_client().post("/account/register?lang=en", data={
        "name": "Someone", "email": "new@example.org", "password": "another long password", "password_repeat": "another long password",
    })
    with app.app_context():
        stored = db.session.execute(db.text("SELECT password_hash FROM users WHERE email = 'new@example.org'")).scalar_one()
    assert stored.startswith("scrypt:32768:8:1$")


# ---------------------------------------------------------------- the migration


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path):
    """A database with no tables at all, on either backend (dropped afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    import uuid

    from helpers import POSTGRES_ADMIN_URL

    request.getfixturevalue("postgres_url")  # PostgreSQL is there (or the test fails under CI)
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"petition_migrate_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_the_migration_gives_every_existing_account_secrets_of_its_own(tmp_path, empty_database_url):
    from flask_migrate import downgrade, upgrade

    app = make_app(tmp_path, empty_database_url)
    with app.app_context():
        upgrade(revision="0009_wall")
        for i in range(3):
            db.session.execute(sa.text(
                "INSERT INTO users (email, name, password_hash, role, locale, created_at) "
                "VALUES (:e, 'Old', 'x', 'organizer', 'nl', CURRENT_TIMESTAMP)"
            ), {"e": f"old{i}@example.org"})
        db.session.commit()
        upgrade(revision="i11b_account_secrets")
        rows = db.session.execute(sa.text("SELECT token_secret, session_secret FROM users")).all()
        secrets = [secret for row in rows for secret in row]
        assert len(rows) == 3 and all(len(s) >= 32 for s in secrets) and len(set(secrets)) == 6
        db.session.commit()
        downgrade(revision="0009_wall")
        assert db.session.execute(sa.text("SELECT count(*) FROM users")).scalar() == 3
        db.session.commit()
        db.engine.dispose()
