"""Issue 12, point 7: two hosts at once. Two gunicorn instances (two "hosts" on different ports) and two
rq workers on one PostgreSQL and Redis, behind one nginx upstream: counts stay exact, rate limits are
shared, and a milestone mail goes out once to each signer."""
import json
import random
from concurrent.futures import ThreadPoolExecutor

import pytest

from deploy_stack import Client, confirm_through, hidden_token, loopback_address, production_env, sign_through
from helpers import add_campaign, free_port, rows, verify_path, wait_for

pytestmark = pytest.mark.worker
SIGNERS = 100


@pytest.fixture
def two_hosts(committed_pg_app, worker_env, start_worker, stack):
    slug = add_campaign(committed_pg_app, goals=[SIGNERS])
    base_url = f"http://127.0.0.1:{free_port()}"
    env = production_env(worker_env["DATABASE_URL"], worker_env["REDIS_URL"], worker_env["QUEUE_PREFIX"], base_url,
                         MAIL_SERVER=worker_env["MAIL_SERVER"], MAIL_PORT=worker_env["MAIL_PORT"],
                         SIGN_RATE_LIMIT="1000 per minute", PUBLIC_CACHE_SECONDS=1)
    hosts = [stack.start_gunicorn(env, workers=1), stack.start_gunicorn(env, workers=1)]
    port = stack.start_nginx(hosts)
    workers = [start_worker(), start_worker()]
    return {"port": port, "hosts": hosts, "slug": slug, "app": committed_pg_app, "env": env, "stack": stack, "workers": workers,
            "seed": random.randrange(10**6)}


def test_counts_stay_exact_and_each_signer_gets_the_milestone_mail_once(two_hosts, smtp_server):
    slug, port, seed = two_hosts["slug"], two_hosts["port"], two_hosts["seed"]
    emails = [f"signer{i}@example.org" for i in range(SIGNERS)]

    def sign(i):
        return sign_through(Client(port, loopback_address(seed, i)), slug, emails[i]).status

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(sign, range(SIGNERS))) == [303] * SIGNERS
    assert rows(two_hosts["app"], "signatures") == SIGNERS

    def confirmation(address):
        return next((m for m in smtp_server.messages if m["To"] == address and not m["List-Unsubscribe"]), None)

    wait_for(lambda: all(confirmation(a) for a in emails), timeout=60, what="100 confirmation mails")

    def confirm(i):
        return confirm_through(Client(port, loopback_address(seed, i)), verify_path(confirmation(emails[i]))).status

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(confirm, range(SIGNERS))) == [200] * SIGNERS

    for host in two_hosts["hosts"]:  # each host, past nginx's cache, tells the same count
        assert json.loads(Client(host).get(f"/api/v1/campaigns/{slug}").body)["signature_count"] == SIGNERS
    with two_hosts["app"].app_context():
        from petition_app.extensions import db

        counted = db.session.execute(db.text("SELECT confirmed_count FROM campaigns WHERE slug = :s"), {"s": slug}).scalar_one()
        confirmed = db.session.execute(db.text("SELECT COUNT(*) FROM signatures WHERE confirmed_at IS NOT NULL")).scalar_one()
    assert counted == confirmed == SIGNERS

    def announcements():
        return sorted(str(m["To"]) for m in smtp_server.messages if m["List-Unsubscribe"])

    wait_for(lambda: len(announcements()) >= SIGNERS, timeout=90, what="the milestone mails")
    wait_for(lambda: rows(two_hosts["app"], "deliveries") == SIGNERS, timeout=30, what="the delivery records")
    assert announcements() == sorted(emails)  # every signer, each exactly once
    assert rows(two_hosts["app"], "milestones") == 1
    assert all(worker.poll() is None for worker in two_hosts["workers"])


def test_rate_limits_are_shared_by_both_hosts(two_hosts):
    """A limit of 4 a minute per address, with the requests going to one host and the other in turn:
    the fifth is refused although each host saw only two or three."""
    stack, env, slug = two_hosts["stack"], two_hosts["env"], two_hosts["slug"]
    hosts = [stack.start_gunicorn({**env, "SIGN_RATE_LIMIT": "4 per minute"}, workers=1) for _ in range(2)]
    address = loopback_address(two_hosts["seed"], 250)
    statuses = []
    for i in range(6):
        # Straight to each host in turn, as nginx would send them (PROXY_COUNT=1: X-Forwarded-For is the client).
        client = Client(hosts[i % 2])
        page = client.get(f"/campaigns/{slug}")
        response = client.post(f"/campaigns/{slug}/sign", {"name": "Anna", "email": f"limit{i}@example.org", "consent": "y",
                                                           "csrf_token": hidden_token(page.text)},
                               headers={"X-Forwarded-For": address})
        statuses.append(response.status)
    assert statuses == [303, 303, 303, 303, 429, 429]
    other = Client(hosts[0])
    page = other.get(f"/campaigns/{slug}")
    assert other.post(f"/campaigns/{slug}/sign", {"name": "Bo", "email": "bo@example.org", "consent": "y",
                                                  "csrf_token": hidden_token(page.text)},
                      headers={"X-Forwarded-For": loopback_address(two_hosts["seed"], 251)}).status == 303
