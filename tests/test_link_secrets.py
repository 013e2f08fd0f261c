"""Every link in a signer's mail carries the signature's random secret, not just its id: a withdrawn or
purged signature's links are void for good, and ids are never reused (SQLite AUTOINCREMENT; PostgreSQL
sequences). On SQLite and PostgreSQL."""
import re

import pytest
import sqlalchemy as sa

from helpers import add_campaign, api_count, mail_text, make_app, read_outbox, rows, sign, verify_path
from petition_app.extensions import db
from petition_app.jobs import job
from petition_app.rules import SuspectReason

FIRST, SECOND = "first.signer@example.org", "second.signer@example.org"


def link(message, path):
    return re.search(rf"http://localhost(/{path}/[\w.\-]+)", mail_text(message)).group(1)


def signature_ids(app):
    with app.app_context():
        return dict(db.session.execute(sa.text("SELECT email, id FROM signatures")).all())


def old_links_are_refused(app, links, must_not_show):
    client = app.test_client()
    responses = [
        client.get(links["verify"] + "?lang=en"),
        client.post(links["verify"] + "?lang=en"),
        client.get(links["withdraw"] + "?lang=en"),
        client.post(links["withdraw"] + "?lang=en"),
        client.get(links["unsubscribe"] + "?lang=en"),
        client.post(links["unsubscribe"] + "?lang=en"),
        client.get(links["my-data"] + "/change?lang=en"),
    ]
    for response in responses:
        assert response.status_code == 404, response.request.path
        assert "This link is not valid" in response.text
    data = client.get(links["my-data"] + "/data.json")
    assert data.status_code == 404 and data.get_json() == {"error": "not_found"}
    for response in [*responses, data]:
        for secret in must_not_show:
            assert secret not in response.text


def first_signer_confirms_and_keeps_the_links(app, slug):
    client = app.test_client()
    sign(client, slug, name="First Signer", email=FIRST, updates=True, lang="en")
    (message,) = read_outbox(app)
    client.post(verify_path(message), follow_redirects=True)
    return {
        "verify": verify_path(message), "withdraw": link(message, "withdraw"), "my-data": link(message, "my-data"),
        # the unsubscribe link comes with bulk mail; build it as the first signer's mails would carry it
        "unsubscribe": link(message, "withdraw").replace("/withdraw/", "/unsubscribe/"),
    }


def test_an_old_link_of_a_withdrawn_signature_is_refused_after_a_new_signer_comes(any_app):
    slug = add_campaign(any_app)
    links = first_signer_confirms_and_keeps_the_links(any_app, slug)
    first_id = signature_ids(any_app)[FIRST]
    any_app.test_client().post(links["withdraw"])
    assert rows(any_app, "signatures") == 0  # the receipt went out and the row is gone

    sign(any_app.test_client(), slug, name="Second Signer", email=SECOND, city="Delft", lang="en")
    assert signature_ids(any_app)[SECOND] > first_id  # the id is never handed out again

    old_links_are_refused(any_app, links, must_not_show=[SECOND, "Second Signer", "Delft"])
    assert api_count(any_app.test_client(), slug) == 0
    with any_app.app_context():
        assert db.session.execute(sa.text("SELECT confirmed_at FROM signatures")).scalar_one() is None


def test_an_old_link_never_reaches_a_row_that_took_the_same_id(any_app):
    """Even if an id came back (a restored backup, a reset sequence), the secret does not."""
    slug = add_campaign(any_app)
    links = first_signer_confirms_and_keeps_the_links(any_app, slug)
    first_id = signature_ids(any_app)[FIRST]
    any_app.test_client().post(links["withdraw"])
    with any_app.app_context():
        db.session.execute(sa.text(
            "INSERT INTO signatures (id, campaign_id, name, email, email_key, city, locale, wants_updates, is_public, secret,"
            " leaf_secret, created_at, mails_requested, mails_sent) SELECT :id, id, 'Second Signer', :email, :email, 'Delft',"
            " 'en', true, true, 'another-secret', :leaf, created_at, 0, 0 FROM campaigns"
        ), {"id": first_id, "email": SECOND, "leaf": "ab" * 32})
        db.session.commit()

    old_links_are_refused(any_app, links, must_not_show=[SECOND, "Second Signer", "Delft"])
    with any_app.app_context():
        assert db.session.execute(sa.text("SELECT confirmed_at FROM signatures")).scalar_one() is None


def test_withdrawing_voids_the_links_at_once_even_if_the_address_signs_again(app, campaign, monkeypatch):
    # the receipt (which deletes the row) has not gone out yet
    monkeypatch.setattr("petition_app.signing.tasks.send_withdrawal_receipt", job("mail")(lambda signature_id: None))
    links = first_signer_confirms_and_keeps_the_links(app, campaign)
    app.test_client().post(links["withdraw"])
    sign(app.test_client(), campaign, name="First Signer", email=FIRST, lang="en")  # a fresh start
    assert rows(app, "signatures") == 1

    old_links_are_refused(app, links, must_not_show=[])
    fresh = read_outbox(app)[-1]
    assert app.test_client().get(link(fresh, "my-data") + "/data.json").get_json()["name"] == "First Signer"
    assert "Thank you, your signature is confirmed" in app.test_client().post(verify_path(fresh) + "?lang=en", follow_redirects=True).text
    assert api_count(app.test_client(), campaign) == 1


# ---------------------------------------------------------------- ids are never reused


def integer_keyed_tables():
    from petition_app import models  # noqa: F401  (every table)

    def generated_id(table):  # a single integer key the database hands out (not a campaign's id borrowed by a FK)
        columns = list(table.primary_key.columns)
        return len(columns) == 1 and isinstance(columns[0].type, sa.Integer) and not columns[0].foreign_keys

    return [table for table in db.metadata.sorted_tables if generated_id(table)]


def test_every_table_with_an_id_is_autoincrement_on_sqlite(app):
    tables = integer_keyed_tables()
    assert {"signatures", "sign_requests", "campaigns", "users", "deliveries"} <= {t.name for t in tables}
    with app.app_context():
        created = dict(db.session.execute(sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'table'")).all())
    for table in tables:
        assert table.dialect_options["sqlite"]["autoincrement"] is True, table.name
        assert "AUTOINCREMENT" in created[table.name], table.name


def test_the_migration_makes_sqlite_ids_never_reused_and_gives_every_signature_a_secret(tmp_path):
    from flask_migrate import upgrade

    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'old.db'}")
    with app.app_context():
        upgrade(revision="stories_0010")  # the revision before i11a_signing
        # written in that revision's columns (today's model has more)
        db.session.execute(sa.text(
            "INSERT INTO campaigns (slug, status, title_nl, title_en, summary_nl, summary_en, body_nl, body_en, goals,"
            " organizer_name, organizer_email, organizer_language, created_at, confirmed_count)"
            " VALUES ('safe-leiden', 'open', 'T', 'T', 'S', 'S', '', '', '[10]', 'Org', 'o@example.org', 'nl',"
            " CURRENT_TIMESTAMP, 0)"))
        db.session.commit()
    slug = "safe-leiden"
    with app.app_context():
        for i, reason in enumerate([None, "rate", "blocked"]):
            db.session.execute(sa.text(
                "INSERT INTO signatures (campaign_id, name, email, locale, wants_updates, is_public, created_at,"
                " mails_requested, mails_sent, suspect_reason) SELECT id, 'Signer', :email, 'nl', false, false,"
                " created_at, 1, 1, :reason FROM campaigns"
            ), {"email": f"s{i}@example.org", "reason": reason})
        db.session.commit()
        upgrade()
        tables = dict(db.session.execute(sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'table'")).all())
        for table in integer_keyed_tables():
            assert "AUTOINCREMENT" in tables[table.name], table.name
        assert "CHECK (status IN ('draft'" in tables["campaigns"]  # constraints survive the rebuild
        signatures = db.session.execute(sa.text(
            "SELECT email, secret, suspect_reason, review_flag FROM signatures ORDER BY id"
        )).all()
        assert [(s.email, s.suspect_reason, s.review_flag) for s in signatures] == [
            ("s0@example.org", None, None), ("s1@example.org", None, "rate"), ("s2@example.org", "blocked", None),
        ]
        secrets = [s.secret for s in signatures]
        assert all(len(secret) >= 40 for secret in secrets) and len(set(secrets)) == 3
        highest = db.session.execute(sa.text("SELECT MAX(id) FROM signatures")).scalar()
        db.session.execute(sa.text("DELETE FROM signatures WHERE id = :id"), {"id": highest})
        db.session.commit()
    slug = add_campaign(app)  # the whole example campaign (recipients, demands) on the upgraded schema
    sign(app.test_client(), slug, email="new@example.org")
    assert signature_ids(app)["new@example.org"] > highest
    assert "rate" not in set(SuspectReason)  # a soft limit flags, it no longer takes a signature out


@pytest.mark.parametrize("purpose", ["withdraw", "my_data", "unsubscribe"])
def test_a_link_made_for_an_id_alone_is_refused(app, campaign, purpose):
    """Links mailed before secrets existed carried only the id: they no longer act on anyone."""
    from helpers import LINK_PATHS
    from petition_app.tokens import make_token

    sign(app.test_client(), campaign)
    signature_id = signature_ids(app)["anna@example.org"]
    with app.app_context():
        token = make_token(purpose, {"s": signature_id})
    response = app.test_client().get(f"/{LINK_PATHS[purpose]}/{token}?lang=en")
    assert response.status_code == 404
    assert "anna@example.org" not in response.text
