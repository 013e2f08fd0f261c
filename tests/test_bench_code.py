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
