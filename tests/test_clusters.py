"""No honest signer is dropped in silence: a lecture hall behind one campus address all get their mail and
all count once confirmed; the moderators see the crowd as a cluster (address hash, mail domain, a few
minutes), can take it out of the count, and get one mail about it."""
import re
from datetime import datetime, timedelta, timezone

import pytest

from helpers import (
    add_campaign, api_count, app_with_tables, mail_text, make_admin, make_app, make_organizer, read_outbox, rows,
    seed_signers, sign, subject, verify_path,
)
from petition_app.extensions import db
from petition_app.rules.abuse import is_cluster, window_bounds, window_number
from petition_app.timeutil import utcnow

HALL = "145.107.1.1"  # one campus address for a whole lecture hall


@pytest.fixture(params=["sqlite", "postgresql"])
def crowd_app(request, tmp_path):
    """The app with its rate limits on, as in production (the test configuration turns them off)."""
    if request.param == "sqlite":
        app = app_with_tables(tmp_path, RATELIMIT_ENABLED=True)
    else:
        request.getfixturevalue("committed_pg_app")  # its teardown empties the shared test database
        app = make_app(tmp_path / "crowd", request.getfixturevalue("migrated_postgres_url"), RATELIMIT_ENABLED=True)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def cluster_rows(page):
    """The rows of the moderators' cluster table, as lists of cell texts."""
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in page else ""
    return [[re.sub(r"\s+", " ", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
            for row in body.split("<tr>")[1:]]


def mails_to_moderator(app):
    return [m for m in read_outbox(app) if m["To"] == "mod@example.org"]


def test_fifty_signers_from_one_address_within_a_minute_are_mailed_counted_and_one_cluster(crowd_app):
    slug = add_campaign(crowd_app)
    moderator = make_admin(crowd_app)
    for i in range(50):
        response = crowd_app.test_client().post(
            f"/campaigns/{slug}/sign?lang=en", environ_base={"REMOTE_ADDR": HALL}, follow_redirects=True,
            data={"name": f"Student {i}", "email": f"student{i}@example.org", "consent": "y"},
        )
        assert response.status_code == 200 and "Check your email" in response.text
    mails = read_outbox(crowd_app)
    assert sorted(m["To"] for m in mails) == sorted(f"student{i}@example.org" for i in range(50))

    for message in mails:  # each student confirms from their own phone, behind the same address
        confirmed = crowd_app.test_client().post(verify_path(message) + "?lang=en", environ_base={"REMOTE_ADDR": HALL}, follow_redirects=True)
        assert "Thank you, your signature is confirmed" in confirmed.text
    assert api_count(crowd_app.test_client(), slug) == 50

    page = moderator.get("/admin/clusters?lang=en")
    assert page.status_code == 200
    by_address = [row for row in cluster_rows(page.text) if row[1].startswith("One client address")]
    assert len(by_address) == 1  # the whole hall is one cluster
    assert by_address[0][2:4] == ["50", "50"]  # 50 signatures, 50 confirmed
    assert int(by_address[0][4]) >= 40  # beyond the soft limits: flagged for review, but counted
    assert "student" not in page.text and HALL not in page.text  # hashes and counts, no addresses

    from petition_app.admin.tasks import alert_clusters

    with crowd_app.app_context():
        assert alert_clusters() >= 1  # the periodic job
    (alert,) = mails_to_moderator(crowd_app)
    assert "/admin/clusters" in mail_text(alert) and "(50 " in mail_text(alert)
    assert "student" not in mail_text(alert)
    with crowd_app.app_context():
        assert alert_clusters() == 0
    assert "told the moderators about 0 new cluster(s)" in crowd_app.test_cli_runner().invoke(args=["sweep"]).output
    assert len(mails_to_moderator(crowd_app)) == 1  # one mail, not one per run
    assert api_count(crowd_app.test_client(), slug) == 50


def test_a_lecture_hall_of_200_gets_through_the_hard_limit(tmp_path):
    """The hard limit counts requests per client address, whatever they hold. Here each request fills in
    the honeypot (answered like any signature, nothing stored), so 200 requests stay quick to run."""
    app = app_with_tables(tmp_path, RATELIMIT_ENABLED=True)
    slug = add_campaign(app)
    client = app.test_client()

    def sign_from_the_hall(i):
        data = {"name": f"Student {i}", "email": f"student{i}@example.org", "consent": "y", "website": "x"}
        return client.post(f"/campaigns/{slug}/sign", data=data, environ_base={"REMOTE_ADDR": HALL}).status_code

    assert [sign_from_the_hall(i) for i in range(200)] == [303] * 200  # "check your email", all of them
    assert sign_from_the_hall(200) == 429  # beyond it, a flood from one address is refused
    real = app.test_client().post(f"/campaigns/{slug}/sign", environ_base={"REMOTE_ADDR": "192.0.2.7"},
                                  data={"name": "Elsewhere", "email": "elsewhere@example.org", "consent": "y"})
    assert real.status_code == 303 and rows(app, "signatures") == 1  # other addresses are not affected


def test_clusters_by_domain_and_minutes_lead_to_the_bulk_invalidation(app):
    slug = add_campaign(app, goals=[100])
    now = utcnow()
    seed_signers(app, slug, [{"email": f"real{i}@example.org", "created_at": now - timedelta(hours=3 + i)} for i in range(4)])
    seed_signers(app, slug, [{"email": f"bot{i}@spam.example", "created_at": now - timedelta(hours=2 + i)} for i in range(3)])
    burst = datetime.fromtimestamp(window_number(now - timedelta(hours=1), 10) * 600, tz=timezone.utc)
    seed_signers(app, slug, [{"email": f"burst{i}@mail{i}.example", "created_at": burst + timedelta(seconds=i)} for i in range(3)])
    app.config.update(CLUSTER_THRESHOLD=3)
    moderator = make_admin(app)
    rows_shown = cluster_rows(moderator.get("/admin/clusters?lang=en").text)
    shared = {row[1] for row in rows_shown}
    assert "One mail domain: spam.example" in shared and "One mail domain: example.org" in shared
    window = f"{burst:%Y-%m-%d %H:%M}–{burst + timedelta(minutes=10):%H:%M} UTC"
    assert f"Within the same 10 minutes: {window}" in shared
    assert not [row for row in rows_shown if "mail1.example" in row[1]]  # one signature is no cluster

    # the cluster's button counts exactly its signatures on the existing invalidation page
    page = moderator.get("/admin/clusters?lang=en").text
    form = re.search(r'<form method="post" action="(/admin/[^"]+/invalidate)"[^>]*>(?:(?!</form>).)*?value="spam\.example"', page, re.S)
    preview = moderator.post(form.group(1) + "?lang=en", data={"domain": "spam.example", "preview": "1"})
    assert "3 counted signatures match." in preview.text
    minutes = moderator.post(form.group(1) + "?lang=en", data={
        "since": f"{burst:%Y-%m-%dT%H:%M}", "until": f"{burst + timedelta(minutes=10):%Y-%m-%dT%H:%M}", "preview": "1"})
    assert "3 counted signatures match." in minutes.text
    moderator.post(form.group(1), data={"domain": "spam.example", "confirm": "1"})
    assert api_count(app.test_client(), slug) == 7
    # invalidated signatures leave the clusters: they no longer count anyway
    assert "spam.example" not in moderator.get("/admin/clusters?lang=en").text


def test_only_moderators_see_the_clusters(app, campaign):
    assert app.test_client().get("/admin/clusters").status_code == 302  # to the login
    organizer = make_organizer(app)
    assert organizer.get("/admin/clusters").status_code == 403


def test_blocked_signatures_are_no_cluster_and_no_mail(tmp_path):
    app = app_with_tables(tmp_path, BLOCKED_EMAIL_DOMAINS=["spam.example"], CLUSTER_THRESHOLD=3)
    slug = add_campaign(app)
    for i in range(5):
        sign(app.test_client(), slug, email=f"bot{i}@spam.example")
    assert read_outbox(app) == []  # refused in silence
    moderator = make_admin(app)
    assert "No signatures arrived together." in moderator.get("/admin/clusters?lang=en").text
    assert "told the moderators about 0 new cluster(s)" in app.test_cli_runner().invoke(args=["sweep"]).output


# ---------------------------------------------------------------- the pure rules


def test_a_window_of_minutes_holds_its_moments_and_no_others():
    moment = datetime(2026, 11, 29, 14, 27, 59, tzinfo=timezone.utc)
    number = window_number(moment, 10)
    start, end = window_bounds(number, 10)
    assert (start, end) == (datetime(2026, 11, 29, 14, 20, tzinfo=timezone.utc), datetime(2026, 11, 29, 14, 30, tzinfo=timezone.utc))
    assert window_number(end, 10) == number + 1 and window_number(start, 10) == number
    assert window_number(moment.astimezone(timezone(timedelta(hours=1))), 10) == number


def test_a_cluster_starts_at_the_threshold():
    assert not is_cluster(24, 25) and is_cluster(25, 25) and is_cluster(1000, 25)
    assert not is_cluster(5, 0)  # a threshold of 0 switches clusters off


def test_the_periodic_work_tells_the_moderators_about_clusters(app):
    from petition_app.jobs.schedule import SCHEDULE

    entry = next(e for e in SCHEDULE if e.name == "clusters")
    assert entry.function().path == "petition_app.admin.tasks.alert_clusters"
    assert entry.interval(app.config) == timedelta(minutes=5)


def test_the_cluster_mail_is_in_the_moderators_language_and_names_no_address(app):
    slug = add_campaign(app)
    make_admin(app)
    seed_signers(app, slug, [{"email": f"s{i}@hall.example", "ip_hash": "a" * 64} for i in range(30)])
    app.test_cli_runner().invoke(args=["sweep"])
    (alert,) = mails_to_moderator(app)
    assert subject(alert).startswith("Handtekeningen om naar te kijken")  # `flask admin create` makes a Dutch account
    text = mail_text(alert)
    assert "aaaaaaaaaaaa…" in text and "a" * 13 not in text and "hall.example" in text and "@hall" not in text
