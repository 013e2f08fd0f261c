"""One signature per person per campaign, plus-addresses included (issue 20, point 12): x+a@ and x+b@
are one person (rules.emails.uniqueness_key), the mail goes to the address as typed the first time, and
the answer is the same for a new and a known address. Also: the moderators' domain filter takes `%`
and `_` as letters, not LIKE wildcards."""
import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from helpers import add_campaign, api_count, make_admin, make_app, read_outbox, seed_signers, sign, subject, verify_path
from petition_app.extensions import db
from petition_app.rules import is_blocked, uniqueness_key


@pytest.mark.parametrize("email, key", [
    ("x+a@example.org", "x@example.org"),
    ("x+a+b@example.org", "x@example.org"),
    ("x@example.org", "x@example.org"),
    ("first.last+news@example.org", "first.last@example.org"),  # dots stay: a different mailbox at some providers
    ("+tag@example.org", "+tag@example.org"),  # nothing but a tag: kept whole
])
def test_the_key_drops_only_the_tag(email, key):
    assert uniqueness_key(email) == key


def test_blocking_a_person_blocks_their_tags():
    assert is_blocked("x+a@example.org", None, blocked_emails={"x@example.org"})
    assert is_blocked("x@example.org", None, blocked_emails={"x+spam@example.org"})
    assert not is_blocked("y+a@example.org", None, blocked_emails={"x@example.org"})


def signatures(app):
    with app.app_context():
        return db.session.execute(sa.text("SELECT email, email_key, confirmed_at IS NOT NULL FROM signatures ORDER BY id")).all()


def answer(client, slug, email):
    response = sign(client, slug, follow=False, lang="en", email=email)
    page = client.get(response.headers["Location"]) if response.status_code in (302, 303) else response
    # "check your email" names the address as typed, to whoever typed it (issue 20); nothing else differs
    return response.status_code, response.headers.get("Location"), page.status_code, page.text.replace(email, "[typed]")


def test_two_tags_of_one_address_are_one_signature_and_the_answer_is_the_same(any_app):
    app = any_app
    slug = add_campaign(app)
    first = answer(app.test_client(), slug, "x+a@example.org")
    known = answer(app.test_client(), slug, "X+B@example.org")
    new = answer(app.test_client(), slug, "someone-else@example.org")
    assert first == known == new  # nothing tells a known person from a new one
    assert signatures(app) == [("x+a@example.org", "x@example.org", False), ("someone-else@example.org", "someone-else@example.org", False)]
    mails = [m for m in read_outbox(app) if m["To"].startswith("x")]
    assert [m["To"] for m in mails] == ["x+a@example.org", "x+a@example.org"]  # the address first typed, not a new one
    app.test_client().post(verify_path(mails[-1]) + "?lang=en")
    assert api_count(app.test_client(), slug) == 1
    sign(app.test_client(), slug, lang="en", email="x+c@example.org")
    latest = [m for m in read_outbox(app) if m["To"].startswith("x")][-1]
    assert latest["To"] == "x+a@example.org" and subject(latest).startswith("You have already signed")
    assert api_count(app.test_client(), slug) == 1


def test_the_domain_filter_takes_percent_and_underscore_as_letters(app):
    slug = add_campaign(app)
    seed_signers(app, slug, [{"email": f"real{i}@example.org"} for i in range(3)] + [{"email": "bot@spam.example"}])
    admin = make_admin(app)
    for wildcard in ("%", "%.org", "exampl_.org", "_xample.org"):
        page = admin.post(f"/admin/{slug}/invalidate?lang=en", data={"domain": wildcard, "preview": "1"}).text
        assert "0 counted signatures match." in page, wildcard
        admin.post(f"/admin/{slug}/invalidate?lang=en", data={"domain": wildcard, "confirm": "1"})
    assert api_count(app.test_client(), slug) == 4
    assert "3 counted signatures match." in admin.post(f"/admin/{slug}/invalidate?lang=en", data={"domain": "example.org", "preview": "1"}).text


def test_the_migration_keys_existing_rows_and_keeps_earlier_duplicates(tmp_path):
    app = make_app(tmp_path)
    with app.app_context():
        upgrade()
    slug = add_campaign(app)  # with today's models, then back to the schema before the email keys
    with app.app_context():
        downgrade(revision="i14_paper")
        campaign_id = db.session.execute(sa.text("SELECT id FROM campaigns WHERE slug = :s"), {"s": slug}).scalar_one()
        for email in ("x+a@example.org", "x+b@example.org", "y@example.org"):
            db.session.execute(sa.text(
                "INSERT INTO signatures (campaign_id, name, email, locale, wants_updates, is_public, secret, created_at,"
                " confirmed_at, mails_requested, mails_sent) VALUES (:c, 'S', :e, 'nl', false, false, :e, CURRENT_TIMESTAMP,"
                " CURRENT_TIMESTAMP, 1, 1)"
            ), {"c": campaign_id, "e": email})
        db.session.execute(sa.text("UPDATE campaigns SET confirmed_count = 3"))
        db.session.commit()
        upgrade()
    assert [row[:2] for row in signatures(app)] == [
        ("x+a@example.org", "x@example.org"), ("x+b@example.org", "x+b@example.org"), ("y@example.org", "y@example.org"),
    ]
    assert api_count(app.test_client(), slug) == 3  # nothing taken out of the count
    sign(app.test_client(), slug, lang="en", email="x+new@example.org")
    assert len(signatures(app)) == 3  # a new tag finds the oldest signature of that person
    with app.app_context():
        db.engine.dispose()
