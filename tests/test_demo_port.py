"""`make demo PORT=...` serves on that port, and every link the demo hands out follows it: BASE_URL is
set to match unless the person running the demo gave one."""
import os
import shutil
import subprocess
import sys
import textwrap

from petition_app.config import PROJECT_ROOT
from helpers import free_port

# Stands in for `flask --app wsgi` in the Makefile's demo recipe: migrate and load the demo for real (in a
# folder of the test's own), and instead of serving, sign the demo campaign and print the mail's link.
PROBE = textwrap.dedent('''
    import os, sys
    from pathlib import Path
    sys.path.insert(0, {root!r})
    from petition_app import create_app
    from petition_app.extensions import db
    from petition_app.campaigns.operations import import_campaign
    import yaml

    app = create_app(instance_path={instance!r}, SQLALCHEMY_DATABASE_URI="sqlite:///" + {instance!r} + "/demo.db")
    command = sys.argv[1:]
    with app.app_context():
        if command[:2] == ["db", "upgrade"]:
            db.create_all()
        elif command[:1] == ["demo"]:
            import_campaign(yaml.safe_load(Path({root!r}, "examples", "safe-leiden.yaml").read_text()))
            db.session.commit()
            print("BASE_URL", app.config["BASE_URL"])
        elif command[:1] == ["run"]:
            print("RUN", " ".join(command))
            client = app.test_client()
            page = client.get("/campaigns/safe-leiden?lang=en")
            assert page.status_code == 200, page.status_code
            app.config["WTF_CSRF_ENABLED"] = False
            answer = client.post("/campaigns/safe-leiden/sign", data={{
                "name": "Demo Signer", "email": "demo@example.org", "consent": "y"}})
            assert answer.status_code == 303, answer.status_code
            mail = max(Path({instance!r}, "outbox").glob("*.eml"), key=lambda p: p.stat().st_mtime)
            print("MAIL", mail.read_text())
''')


def run_demo(tmp_path, *make_args, env=None):
    instance = tmp_path / "instance"
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE.format(root=str(PROJECT_ROOT), instance=str(instance)))
    environment = {k: v for k, v in os.environ.items() if k not in ("BASE_URL", "DATABASE_URL", "REDIS_URL")}
    environment.update(env or {})
    return subprocess.run(
        [shutil.which("make") or "make", "--no-print-directory", "-o", "install", "demo",
         f"FLASK={sys.executable} {probe}", *make_args],
        cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True, timeout=120,
    )


def test_the_demo_on_another_port_hands_out_links_to_that_port(tmp_path):
    port = free_port()
    result = run_demo(tmp_path, f"PORT={port}")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert f"BASE_URL http://127.0.0.1:{port}" in result.stdout  # what the demo prints
    assert f"RUN run --host 127.0.0.1 --port {port}" in result.stdout  # where it serves
    mail = result.stdout.split("MAIL", 1)[1]
    assert f"http://127.0.0.1:{port}/verify/" in mail.replace("=\n", "")


def test_a_base_url_given_by_the_person_running_the_demo_is_kept(tmp_path):
    result = run_demo(tmp_path, "PORT=5111", env={"BASE_URL": "https://petities.example.org"})
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "BASE_URL https://petities.example.org" in result.stdout
    assert "https://petities.example.org/verify/" in result.stdout.split("MAIL", 1)[1].replace("=\n", "")
