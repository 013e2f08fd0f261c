"""The benchmarks run code of the app that tests alone do not: a change to the app must not break them
unseen until someone runs `make bench` (it did: the letters' logger and the milestone mail's context)."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_letter_benchmark_compiles_a_letter_with_names():
    """bench/letters.py's child process, as `make bench` runs it, with 50 names instead of 100,000."""
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "letters.py"), "--case", "50"],
                            capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["pdf_kb"] > 0 and figures["peak_mb"] > 0


def test_the_mail_benchmark_builds_the_milestone_mail_as_production_does(committed_pg_app):
    """bench/run.py's breakdown of a milestone mail, on this test's database: one copy per signer."""
    sys.path.insert(0, str(ROOT))
    from bench.run import mail_breakdown
    from helpers import add_campaign, seed_signers

    slug = add_campaign(committed_pg_app, goals=[1500, 2000])
    seed_signers(committed_pg_app, slug, [{}, {"locale": "en"}, {}])
    with committed_pg_app.app_context():
        from petition_app.extensions import db

        campaign_id = db.session.execute(db.text("SELECT id FROM campaigns WHERE slug = :s"), {"s": slug}).scalar_one()
    line = mail_breakdown(type("Bench", (), {"app": committed_pg_app})(), campaign_id, 3)
    assert "a copy of the mail rendered once per language" in line and "(3 mails)" in line


def test_the_write_baseline_commits_a_row_and_queues_a_job(committed_pg_app, redis_url, queue_prefix):
    """bench/baselines.py's `POST /_bench/write`, the baseline of signature submissions: through the app's
    JSON hooks, one row committed and one job in Redis per request; `/_bench/ok` answers before Flask."""
    sys.path.insert(0, str(ROOT))
    from bench.baselines import CREATE_WRITE_TABLE, OK_PATH, WRITE_PATH, WRITE_QUEUE, install
    from petition_app.extensions import db
    from petition_app.jobs.connection import get_queue

    committed_pg_app.config.update(REDIS_URL=redis_url, QUEUE_PREFIX=queue_prefix)
    app = install(committed_pg_app)
    with app.app_context():
        db.session.execute(db.text(CREATE_WRITE_TABLE))
        db.session.commit()
    try:
        response = app.test_client().post(WRITE_PATH, json={"name": "Bench Signer 1", "email": "b1@example.org"})
        assert response.status_code == 201
        with app.app_context():
            rows = db.session.execute(db.text("SELECT name, email FROM bench_writes")).all()
            assert [tuple(row) for row in rows] == [("Bench Signer 1", "b1@example.org")]
            assert get_queue(WRITE_QUEUE).count == 1
        assert app.test_client().get(OK_PATH).data == b"ok"
    finally:
        with app.app_context():
            get_queue(WRITE_QUEUE).empty()
            db.session.rollback()
            db.session.execute(db.text("DROP TABLE IF EXISTS bench_writes"))
            db.session.commit()
