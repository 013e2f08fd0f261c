"""Abuse defence: blocklisted addresses, domains and networks get the same answer as anyone and are never
counted; everything else that looks unusual is mailed and counted like any signature, and flagged for
the moderators (nobody honest is dropped in silence)."""
import re
from datetime import timedelta

import pytest
from freezegun import freeze_time

from helpers import (
    add_campaign, api_count, app_with_tables, make_admin, make_milestone, read_outbox, rows, seed_signers, sign,
    verify_path,
)
from petition_app.extensions import db
from petition_app.timeutil import utcnow


def limited_app(tmp_path, **config):
    app = app_with_tables(tmp_path, RATELIMIT_ENABLED=True, **config)
    app.slug = add_campaign(app)
    return app


def confirm_directly(app, email):
    """Confirm as the owner of the address would, with the link we would have mailed."""
    from helpers import signature_link

    with app.app_context():
        signature_id = db.session.execute(db.text("SELECT id FROM signatures WHERE email = :e"), {"e": email}).scalar()
    return app.test_client().post(signature_link(app, "verify", signature_id) + "?lang=en")


def alike(one, one_typed, other, other_typed):
    """The same page but for the address each typed, which "check your email" names to them (issue 20)."""
    return one.text.replace(one_typed, "[typed]") == other.text.replace(other_typed, "[typed]") and "[typed]" in one.text.replace(one_typed, "[typed]")


def test_a_filled_honeypot_is_answered_as_usual_and_stores_nothing(app, campaign):
    client = app.test_client()
    normal = client.post(f"/campaigns/{campaign}/sign", data={"name": "A", "email": "a@example.org", "consent": "y"},
                         follow_redirects=True)
    bot = app.test_client().post(
        f"/campaigns/{campaign}/sign",
        data={"name": "Bot", "email": "bot@example.org", "consent": "y", "website": "http://spam.example"},
        follow_redirects=True,
    )
    assert bot.status_code == normal.status_code == 200
    assert alike(bot, "bot@example.org", normal, "a@example.org")
    assert rows(app, "signatures") == 1
    assert [m["To"] for m in read_outbox(app)] == ["a@example.org"]


def test_over_the_soft_limit_a_signature_is_mailed_counted_and_flagged_for_the_moderators(tmp_path):
    app = limited_app(tmp_path, SIGN_SOFT_LIMITS="1 per minute", CLUSTER_THRESHOLD=2)
    first = sign(app.test_client(), app.slug, email="first@example.org")
    second = sign(app.test_client(), app.slug, email="second@example.org")  # same campus address
    assert first.status_code == second.status_code == 200 and alike(first, "first@example.org", second, "second@example.org")
    mails = read_outbox(app)
    assert [m["To"] for m in mails] == ["first@example.org", "second@example.org"]  # both get their mail

    client = app.test_client()
    for message in mails:
        assert "Thank you, your signature is confirmed" in client.post(verify_path(message) + "?lang=en", follow_redirects=True).text
    assert api_count(client, app.slug) == 2  # both count

    moderator = make_admin(app)
    page = moderator.get("/admin/clusters?lang=en").text
    row = next(r for r in page.split("<tr>") if "One client address" in r)
    cells = re.findall(r"<td>([^<]*)</td>", row)
    assert cells[2:5] == ["2", "2", "1"]  # 2 signatures, 2 confirmed, 1 beyond the soft limits


def test_a_signer_flagged_at_a_busy_address_is_mailed_on_every_try(tmp_path):
    app = limited_app(tmp_path, SIGN_SOFT_LIMITS="1 per minute")
    start = utcnow()
    with freeze_time(start):
        sign(app.test_client(), app.slug, email="first@example.org")
        sign(app.test_client(), app.slug, email="classmate@example.org")  # same campus address
    with freeze_time(start + timedelta(minutes=2)):
        sign(app.test_client(), app.slug, email="classmate@example.org")
    assert [m["To"] for m in read_outbox(app)] == ["first@example.org", "classmate@example.org", "classmate@example.org"]
    confirm_directly(app, "classmate@example.org")
    assert api_count(app.test_client(), app.slug) == 1


@pytest.mark.parametrize(
    "config, email, ip",
    [
        ({"BLOCKED_EMAIL_DOMAINS": ["spam.example"]}, "x@mail.spam.example", "192.0.2.1"),
        ({"BLOCKED_EMAILS": ["troll@example.org"]}, "Troll@Example.org", "192.0.2.1"),
        ({"BLOCKED_NETWORKS": ["198.51.100.0/24"]}, "someone@example.org", "198.51.100.77"),
    ],
)
def test_blocked_addresses_domains_and_networks_are_answered_alike_and_never_counted(tmp_path, config, email, ip):
    app = limited_app(tmp_path, **config)
    normal = app.test_client().post(f"/campaigns/{app.slug}/sign", data={"name": "A", "email": "ok@example.org", "consent": "y"},
                                    environ_base={"REMOTE_ADDR": "192.0.2.99"}, follow_redirects=True)
    blocked = app.test_client().post(f"/campaigns/{app.slug}/sign", data={"name": "B", "email": email, "consent": "y"},
                                     environ_base={"REMOTE_ADDR": ip}, follow_redirects=True)
    assert alike(blocked, email, normal, "ok@example.org")
    assert [m["To"] for m in read_outbox(app)] == ["ok@example.org"]
    confirm_directly(app, email.lower())
    assert api_count(app.test_client(), app.slug) == 0


def test_the_hard_limit_answers_429_with_a_translated_page_and_json_for_the_api(tmp_path):
    app = limited_app(tmp_path, SIGN_RATE_LIMIT="2 per minute", SIGN_SOFT_LIMITS="100 per minute")
    client = app.test_client()
    for i in range(2):
        assert sign(client, app.slug, email=f"s{i}@example.org").status_code == 200
    dutch = sign(client, app.slug, email="s3@example.org", lang="nl")
    assert dutch.status_code == 429 and "Te veel verzoeken" in dutch.text
    english = sign(client, app.slug, email="s4@example.org", lang="en")
    assert english.status_code == 429 and "Too many requests" in english.text
    api = client.post(f"/api/v1/campaigns/{app.slug}/signatures",
                      json={"name": "A", "email": "api@example.org", "consent": True})
    assert api.status_code == 429 and api.get_json() == {"error": "too_many_requests"}
    assert rows(app, "signatures") == 2


def test_bulk_invalidation_previews_then_lowers_the_count_exactly_and_milestones_stay(app, runner):
    slug = add_campaign(app, goals=[3, 10])
    start = utcnow()
    seed_signers(app, slug, [{"email": f"real{i}@example.org", "created_at": start - timedelta(days=1)} for i in range(3)])
    seed_signers(app, slug, [{"email": f"bot{i}@spam.example", "created_at": start, "ip_hash": "f" * 64} for i in range(4)])
    make_milestone(app, slug, 3, reached_at=start)
    assert api_count(app.test_client(), slug) == 7

    preview = runner.invoke(args=["signatures", "invalidate", slug, "--domain", "spam.example"])
    assert "4 counted signature(s) match" in preview.output
    assert api_count(app.test_client(), slug) == 7
    window = runner.invoke(args=["signatures", "invalidate", slug, "--from", (start - timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M:%S")])
    assert "4 counted signature(s) match" in window.output
    done = runner.invoke(args=["signatures", "invalidate", slug, "--ip-hash", "f" * 64, "--yes"])
    assert "invalidated 4 signature(s)" in done.output
    body = app.test_client().get(f"/api/v1/campaigns/{slug}").get_json()
    assert body["signature_count"] == 3
    assert [m["goal"] for m in body["milestones"]] == [3]
    assert "0 counted signature(s) match" in runner.invoke(args=["signatures", "invalidate", slug, "--domain", "spam.example"]).output


def test_the_sweep_repairs_a_count_that_drifted_from_its_rows(app, runner, campaign):
    seed_signers(app, campaign, [{}, {}, {"confirmed": False}])
    with app.app_context():
        db.session.execute(db.text("UPDATE campaigns SET confirmed_count = 40"))
        db.session.commit()
    assert "repaired the count of 1 campaign(s)" in runner.invoke(args=["sweep"]).output
    assert api_count(app.test_client(), campaign) == 2
    assert "repaired the count of 0 campaign(s)" in runner.invoke(args=["sweep"]).output


def test_an_admin_invalidates_in_bulk_through_the_web_after_seeing_how_many(app):
    slug = add_campaign(app)
    seed_signers(app, slug, [{"email": f"real{i}@example.org"} for i in range(3)]
                 + [{"email": f"bot{i}@spam.example"} for i in range(4)])
    admin = make_admin(app)

    page = admin.post(f"/admin/{slug}/invalidate?lang=en", data={"domain": "spam.example", "preview": "1"}).text
    assert "4 counted signatures match." in page
    assert api_count(app.test_client(), slug) == 7
    admin.post(f"/admin/{slug}/invalidate?lang=en", data={"domain": "spam.example", "confirm": "1"})
    assert api_count(app.test_client(), slug) == 3
    anonymous = app.test_client().get(f"/admin/{slug}/invalidate")
    assert anonymous.status_code == 302 and "/account/login" in anonymous.headers["Location"]
