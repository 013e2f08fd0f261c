"""Fixtures in the manner of Flask's tutorial: an app per test, its client and CLI runner, and the real
services production uses (PostgreSQL, Redis, an SMTP server, an rq worker process).

Locally a test that needs a service which is not running is skipped; under CI=true it fails instead,
so a broken CI machine can never pass by running fewer tests.
"""
import contextlib
import email
import email.policy
import os
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from petition_app import create_app
from petition_app.config import PROJECT_ROOT, TestConfig
from petition_app.extensions import db

CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
EXAMPLE_CAMPAIGN = PROJECT_ROOT / "examples" / "safe-leiden.yaml"


def service_missing(what, error):
    message = f"{what} is not reachable: {error}"
    if CI:
        pytest.fail(message + " (CI=true: a missing service fails the run)")
    pytest.skip(message)


# ---------------------------------------------------------------- the app on SQLite (the default)


def make_app(tmp_path, database_url=None, **overrides):
    instance = tmp_path / "instance"
    url = database_url or f"sqlite:///{tmp_path / 'test.db'}"
    return create_app(TestConfig, INSTANCE_PATH=instance, SQLALCHEMY_DATABASE_URI=url, **overrides)


@pytest.fixture
def app(tmp_path):
    app = make_app(tmp_path)
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# ---------------------------------------------------------------- PostgreSQL


@pytest.fixture(scope="session")
def postgres_url():
    """A fresh database for this test run, migrated with the project's own migrations, dropped at the end."""
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any connection failure means the service is missing
        admin.dispose()
        service_missing("PostgreSQL", exc)
    name = f"petition_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    yield url
    with admin.connect() as conn:
        conn.execute(
            sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"),
            {"n": name},
        )
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def migrated_postgres_url(postgres_url, tmp_path_factory):
    from flask_migrate import upgrade

    app = make_app(tmp_path_factory.mktemp("migrate"), postgres_url)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return postgres_url


@pytest.fixture
def pg_app(migrated_postgres_url, tmp_path):
    app = make_app(tmp_path, migrated_postgres_url, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 20, "max_overflow": 40})
    yield app
    with app.app_context():
        db.session.remove()
        tables = ", ".join(t.name for t in db.metadata.sorted_tables)
        with db.engine.begin() as conn:
            conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_app(request):
    """The same test on both databases, where SQLite and PostgreSQL could behave differently."""
    return request.getfixturevalue("app" if request.param == "sqlite" else "pg_app")


# ---------------------------------------------------------------- campaigns


def example_campaign_data(**changes):
    data = yaml.safe_load(EXAMPLE_CAMPAIGN.read_text(encoding="utf-8"))
    data.update(changes)
    return data


def add_campaign(app, **changes):
    from petition_app.campaigns.operations import import_campaign

    with app.app_context():
        slug = import_campaign(example_campaign_data(**changes)).slug
        db.session.commit()
        return slug


@pytest.fixture
def campaign(app):
    return add_campaign(app)


# ---------------------------------------------------------------- mail


def read_outbox(app):
    folder = Path(app.instance_path) / "outbox"
    if not folder.exists():
        return []
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default) for path in sorted(folder.glob("*.eml"))
    ]


def header(message, name):
    # Python folds a long header right after the colon, and its parser keeps the fold's space.
    return str(message[name]).strip()


def subject(message):
    return header(message, "Subject")


def mail_text(message):
    return message.get_body(("plain",)).get_content()


def mail_html(message):
    return message.get_body(("html",)).get_content()


VERIFY_LINK = re.compile(r"https?://[^\s\"<>]+(/verify/[A-Za-z0-9_.\-]+)")


def verify_path(message):
    """The path of the one confirmation link in a mail."""
    links = set(VERIFY_LINK.findall(mail_text(message)))
    assert len(links) == 1, links
    return links.pop()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RecordingHandler:
    """An aiosmtpd handler that keeps every message it accepts.

    `refuse = n` answers the next n messages with a temporary failure; `bounce` holds addresses refused
    for good (550); `hold_after = n` keeps the answer to every message after the n-th waiting until
    `release()` (and then refuses it), so a test can kill the sender at a known point. `connections`
    counts SMTP sessions. While `outage` is true every RCPT and DATA gets "451 4.3.0 Try again later",
    and `refused` lists each address so refused.
    """

    def __init__(self):
        self.messages = []
        self.senders = []
        self.refuse = 0
        self.bounce = set()
        self.hold_after = None
        self.held = threading.Event()
        self.released = threading.Event()
        self.connections = 0
        self.outage = False
        self.refused = []
        self.lock = threading.Lock()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        with self.lock:
            self.connections += 1
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.outage:
            with self.lock:
                self.refused.append(address)
            return "451 4.3.0 Try again later"
        if address in self.bounce:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        if self.outage:
            with self.lock:
                self.refused.extend(envelope.rcpt_tos)
            return "451 4.3.0 Try again later"
        with self.lock:
            holding = self.hold_after is not None and len(self.messages) >= self.hold_after
        if holding:
            self.held.set()
            while not self.released.is_set():
                await asyncio.sleep(0.05)
            return "451 Try again later"
        with self.lock:
            if self.refuse > 0:
                self.refuse -= 1
                return "451 Try again later"
            self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
            self.senders.append(envelope.mail_from)  # the envelope sender of each message, in the same order
        return "250 OK"

    def release(self):
        self.hold_after = None
        self.released.set()

    def recipients(self):
        return sorted(str(m["To"]) for m in self.messages)


@contextlib.contextmanager
def running_smtp_server():
    """A real SMTP server (aiosmtpd) on a free port, recording what it accepts."""
    from aiosmtpd.controller import Controller

    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.port = controller.port
    try:
        yield handler
    finally:
        handler.release()
        controller.stop()


@pytest.fixture
def smtp_server():
    with running_smtp_server() as handler:
        yield handler


def wait_for(predicate, timeout=20, interval=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


# ---------------------------------------------------------------- Redis and the rq worker


def require_redis():
    """The test run's Redis URL, once the server answers (a missing Redis fails under CI=true)."""
    from redis import Redis

    conn = Redis.from_url(REDIS_URL)
    try:
        conn.ping()
    except Exception as exc:  # noqa: BLE001
        service_missing("Redis", exc)
    conn.close()
    return REDIS_URL


@pytest.fixture
def redis_url():
    return require_redis()


@pytest.fixture
def queue_prefix():
    """Queues of this test's own, so that test runs sharing one Redis never take each other's jobs."""
    return f"test-{uuid.uuid4().hex[:8]}-"


@pytest.fixture
def own_redis(tmp_path):
    """A Redis server of this test's own, so that it can be stopped and started again."""
    from redis import Redis

    port = free_port()
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
               "--dir", str(tmp_path)]
    processes = []

    def start():
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(process)
        wait_for(lambda: _pings(Redis(port=port)), what="redis-server to start")

    def stop():
        processes[-1].terminate()
        processes[-1].wait(timeout=10)

    try:
        start()
    except FileNotFoundError as exc:
        service_missing("redis-server", exc)
    yield type("OwnRedis", (), {"url": f"redis://127.0.0.1:{port}/0", "start": staticmethod(start), "stop": staticmethod(stop)})
    for process in processes:
        if process.poll() is None:
            process.terminate()


def _pings(connection):
    try:
        return connection.ping()
    except Exception:  # noqa: BLE001
        return False


@pytest.fixture
def worker_env(migrated_postgres_url, redis_url, smtp_server, queue_prefix):
    """The environment of a production worker, pointed at this test run's services."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAIL_", "DATABASE_", "REDIS_"))}
    env.update(
        SECRET_KEY=TestConfig.SECRET_KEY,
        STORIES_KEY=TestConfig.STORIES_KEY,
        DATABASE_URL=migrated_postgres_url,
        REDIS_URL=redis_url,
        QUEUE_PREFIX=queue_prefix,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(smtp_server.port),
        BASE_URL=TestConfig.BASE_URL,
        EMAIL_CHECK_DELIVERABILITY="false",
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.fixture
def start_worker(worker_env, tmp_path):
    """Start `flask --app wsgi worker` as a real process; stopped (or killed) at the end of the test."""
    processes = []

    def start():
        log = open(tmp_path / f"worker-{len(processes)}.log", "w")
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
            cwd=PROJECT_ROOT,
            env=worker_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        process.log_path = log.name
        processes.append(process)
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def live_app(pg_app, redis_url, smtp_server, queue_prefix):
    """The web app as production runs it: PostgreSQL, Redis queues and an SMTP server."""
    pg_app.config.update(
        REDIS_URL=redis_url, QUEUE_PREFIX=queue_prefix, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port
    )
    return pg_app
