"""Many confirmations at the same moment: the count stays exact and each goal is recorded once."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from helpers import add_campaign, api_count, rows, signature_token
from petition_app.extensions import db
from petition_app.jobs import job
from petition_app.signing.models import Signature


def unconfirmed_signatures(app, slug, n):
    from petition_app.campaigns.queries import public_campaign

    with app.app_context():
        campaign = public_campaign(slug)
        signatures = [
            Signature(campaign_id=campaign.id, name=f"Signer {i}", email=f"signer{i}@example.org", locale="nl")
            for i in range(n)
        ]
        db.session.add_all(signatures)
        db.session.commit()
        ids = [s.id for s in signatures]
    return [signature_token(app, "verify", i) for i in ids]


@pytest.mark.parametrize("backend, confirmations, threads", [("postgresql", 200, 50), ("sqlite", 60, 12)])
def test_concurrent_confirmations_across_goals_count_exactly_and_record_each_goal_once(
    request, monkeypatch, backend, confirmations, threads
):
    app = request.getfixturevalue("committed_pg_app" if backend == "postgresql" else "app")
    goals = [confirmations * 3 // 4, confirmations]
    slug = add_campaign(app, goals=goals)
    tokens = unconfirmed_signatures(app, slug, confirmations)

    announced, lock = [], threading.Lock()

    def record(milestone_id):
        with lock:
            announced.append(milestone_id)

    monkeypatch.setattr("petition_app.notifications.tasks.announce_milestone", job("milestones")(record))
    start = threading.Event()

    def confirm(token):
        start.wait(timeout=30)  # every thread starts at once, so the confirmations really overlap
        response = app.test_client().post(f"/verify/{token}")
        return response.status_code, response.headers.get("Location")

    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = [pool.submit(confirm, token) for token in tokens]
        start.set()
        statuses = [future.result() for future in futures]

    assert statuses == [(303, f"/campaigns/{slug}/confirmed")] * confirmations  # each one newly confirmed
    client = app.test_client()
    assert api_count(client, slug) == confirmations
    assert rows(app, "milestones") == 2
    assert len(announced) == 2 and len(set(announced)) == 2
    body = client.get(f"/api/v1/campaigns/{slug}").get_json()
    assert [m["goal"] for m in body["milestones"]] == goals
    with app.app_context():
        confirmed = db.session.execute(db.text("SELECT COUNT(*) FROM signatures WHERE confirmed_at IS NOT NULL")).scalar()
    assert confirmed == confirmations


def test_the_same_link_pressed_concurrently_counts_once(committed_pg_app):
    slug = add_campaign(committed_pg_app, goals=[1, 2])
    (token,) = unconfirmed_signatures(committed_pg_app, slug, 1)
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda _: committed_pg_app.test_client().post(f"/verify/{token}"), range(32)))
    assert [answer.status_code for answer in answers] == [303] * 32
    locations = sorted(answer.headers["Location"] for answer in answers)
    assert locations == [f"/campaigns/{slug}/confirmed"] + [f"/campaigns/{slug}/confirmed/again"] * 31  # one was first
    assert api_count(committed_pg_app.test_client(), slug) == 1
    assert rows(committed_pg_app, "milestones") == 1


def test_the_same_address_signing_concurrently_is_one_signature(any_committed_app):
    from helpers import sign

    slug = add_campaign(any_committed_app)
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda _: sign(any_committed_app.test_client(), slug).status_code, range(16)))
    assert statuses == [200] * 16
    assert rows(any_committed_app, "signatures") == 1
