"""`flask admin create` prints a link to where the demo runs (issue 20): `make demo PORT=...` sets
BASE_URL for the demo, and a command run later in another terminal, without BASE_URL, follows it."""
from petition_app import create_app
from petition_app.config import Config
from petition_app.extensions import db


def _app(instance, monkeypatch, base_url=None):
    if base_url is None:
        monkeypatch.delenv("BASE_URL", raising=False)
    else:
        monkeypatch.setenv("BASE_URL", base_url)
    config = Config()
    config.BASE_URL = base_url or "http://127.0.0.1:5000"  # what Config reads from the environment at import
    return create_app(config, instance_path=instance, SQLALCHEMY_DATABASE_URI=f"sqlite:///{instance}/demo.db")


def test_admin_create_prints_a_link_to_the_demos_port(tmp_path, monkeypatch):
    demo = _app(tmp_path, monkeypatch, "http://127.0.0.1:5111")
    with demo.app_context():
        db.create_all()
    result = demo.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:5111/campaigns/" in result.output

    later = _app(tmp_path, monkeypatch)  # another terminal: no BASE_URL
    result = later.test_cli_runner().invoke(args=["admin", "create", "moderator@example.org"])
    assert result.exit_code == 0, result.output
    assert "Choose a password here: http://127.0.0.1:5111/account/reset/" in result.output
    assert ":5000" not in result.output


def test_a_base_url_that_is_set_wins_over_the_demos(tmp_path, monkeypatch):
    (tmp_path / "demo_base_url").write_text("http://127.0.0.1:5111\n")
    app = _app(tmp_path, monkeypatch, "https://petities.example.org")
    with app.app_context():
        db.create_all()
    result = app.test_cli_runner().invoke(args=["admin", "create", "moderator@example.org"])
    assert "Choose a password here: https://petities.example.org/account/reset/" in result.output, result.output
