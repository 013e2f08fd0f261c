"""The commands of the contract: db upgrade, demo, campaign import."""
import subprocess
import sys

import pytest
import yaml

from helpers import EXAMPLE_CAMPAIGN, api_count, example_campaign_data, make_app, rows, sign
from petition_app.config import PROJECT_ROOT
from petition_app.extensions import db


def test_demo_loads_the_safe_leiden_campaign_open_for_signing_and_is_idempotent(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "safe-leiden" in result.output
    client = app.test_client()
    sign(client, "safe-leiden")
    assert rows(app, "signatures") == 1
    with app.app_context():
        db.session.execute(db.text("UPDATE campaigns SET confirmed_count = 7"))
        db.session.commit()
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert rows(app, "campaigns") == 1 and rows(app, "recipients") == 3 and rows(app, "demands") == 14
    assert rows(app, "signatures") == 1
    assert api_count(client, "safe-leiden") == 7


def test_campaign_import_creates_then_updates(app, runner, tmp_path):
    path = tmp_path / "campaign.yaml"
    data = example_campaign_data(slug="tryharder-leuven")
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(args=["campaign", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "Imported 'tryharder-leuven' (open), 3 recipients" in result.output

    data["title"]["en"] = "Try harder, Leuven"
    data["recipients"] = data["recipients"][:2]
    data["recipients"][0]["demands"] = data["recipients"][0]["demands"][:2]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert runner.invoke(args=["campaign", "import", str(path)]).exit_code == 0
    body = app.test_client().get("/api/v1/campaigns/tryharder-leuven").get_json()
    assert body["title"]["en"] == "Try harder, Leuven"
    assert [r["key"] for r in body["recipients"]] == ["university", "mayor"]
    assert len(body["recipients"][0]["demands"]) == 2
    assert rows(app, "demands") == 2 + 4


@pytest.mark.parametrize(
    "change, message",
    [
        ({"slug": "Not A Slug"}, "slug"),
        ({"goals": [2000, 1500]}, "goals"),
        ({"title": {"nl": "Alleen Nederlands"}}, "title.en"),
        ({"recipients": []}, "recipients"),
        ({"status": "published"}, "status"),
        ({"closes_at": "soon"}, "closes_at"),
    ],
)
def test_campaign_import_names_what_is_wrong_and_stores_nothing(app, runner, tmp_path, change, message):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(example_campaign_data(**change), allow_unicode=True), encoding="utf-8")
    result = runner.invoke(args=["campaign", "import", str(path)])
    assert result.exit_code != 0
    assert message in result.output
    assert rows(app, "campaigns") == 0


def test_the_example_file_is_the_demo_campaign():
    data = yaml.safe_load(EXAMPLE_CAMPAIGN.read_text(encoding="utf-8"))
    assert data["slug"] == "safe-leiden" and data["goals"] == [1500, 2000]
    assert [r["key"] for r in data["recipients"]] == ["university", "mayor", "police"]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migrations_build_the_schema_the_models_describe(request, tmp_path, backend):
    """`flask db upgrade` on an empty database, then `flask db check`: no difference with the models."""
    from flask_migrate import check, upgrade

    if backend == "postgresql":
        url = request.getfixturevalue("postgres_url")  # this run's own database; upgrade is a no-op if done
    else:
        url = f"sqlite:///{tmp_path / 'fresh.db'}"
    app = make_app(tmp_path, url)
    with app.app_context():
        upgrade()
        check()  # raises (and exits) when models and migrations differ
        db.engine.dispose()


def test_flask_cli_runs_from_a_shell(tmp_path):
    """The README's commands go through `flask --app wsgi`; this runs the real executable once."""
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "SECRET_KEY": "x"}
    for args in (["db", "upgrade"], ["demo"], ["demo"]):
        done = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=PROJECT_ROOT, env=env,
            capture_output=True, text=True, timeout=60,
        )
        assert done.returncode == 0, done.stderr
    assert "Demo campaign 'safe-leiden' is ready" in done.stdout
