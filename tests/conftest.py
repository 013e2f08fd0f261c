"""The fixtures, in the manner of Flask's tutorial: an app per test, its client and CLI runner, and the
real services production uses (PostgreSQL, Redis, an SMTP server, an rq worker process). Plain helpers
live in tests/helpers.py.

A test's database starts empty and leaves nothing behind: on SQLite a copy of a file made once per run,
on PostgreSQL one transaction rolled back at the end (`pg_app`). Data that other processes or threads
must see is committed for real (`committed_pg_app`, `live_app`) and the tables are emptied afterwards.
"""
import subprocess
import uuid

import pytest
import sqlalchemy as sa
from flask_sqlalchemy.session import Session

from helpers import (
    POSTGRES_ADMIN_URL, add_campaign, app_with_tables, empty_database, flask_process, free_port, make_app, pings, require_redis,
    running_smtp_server, service_env, service_missing, stop_process, wait_for,
)
from petition_app.extensions import db

# ---------------------------------------------------------------- the app on SQLite (the default)


@pytest.fixture
def app(tmp_path):
    app = app_with_tables(tmp_path)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def campaign(app):
    return add_campaign(app)


# ---------------------------------------------------------------- PostgreSQL


@pytest.fixture(scope="session")
def postgres_url():
    """A fresh database for this test run, dropped at the end."""
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
        # A commit need not wait for its WAL to reach the disk: a crash of this machine loses the test run
        # anyway. Every connection to this database, the workers' and gunicorn's too, commits so.
        conn.execute(sa.text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(
            sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"),
            {"n": name},
        )
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def migrated_postgres_url(postgres_url, tmp_path_factory):
    """The run's database, migrated with the project's own migrations."""
    from flask_migrate import upgrade

    app = make_app(tmp_path_factory.mktemp("migrate"), postgres_url)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return postgres_url


class _JoinedSession(Session):
    """Flask-SQLAlchemy's session, on the connection it was given rather than on a new one of the engine."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        return bind or self.bind or super().get_bind(mapper, clause, bind, **kwargs)


@pytest.fixture
def pg_app(migrated_postgres_url, tmp_path):
    """The app on PostgreSQL, the whole test inside one transaction rolled back at its end (SQLAlchemy's
    "join a Session into an external transaction" recipe: the app's commits release savepoints).

    Only for tests whose database work all goes through `db.session` in this thread: a worker, a
    server, a thread or an engine connection of its own would not see the data (use committed_pg_app)."""
    app = make_app(tmp_path, migrated_postgres_url)
    with app.app_context():
        connection = db.engine.connect()
    transaction = connection.begin()
    app_session = db.session
    db.session = db._make_scoped_session(
        {"class_": _JoinedSession, "bind": connection, "join_transaction_mode": "create_savepoint"}
    )
    yield app
    db.session = app_session  # each app context removed its own session at its end
    transaction.rollback()
    connection.close()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def committed_pg_app(migrated_postgres_url, tmp_path):
    """The app on PostgreSQL with real commits, for tests with other processes or threads; every table
    is emptied after the test."""
    app = make_app(tmp_path, migrated_postgres_url, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 20, "max_overflow": 40})
    yield app
    with app.app_context():
        db.session.remove()
        empty_database(db.engine)
        db.engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_app(request):
    """The same test on both databases, where SQLite and PostgreSQL could behave differently."""
    return request.getfixturevalue("app" if request.param == "sqlite" else "pg_app")


@pytest.fixture(params=["sqlite", "postgresql"])
def any_committed_app(request):
    """any_app for work done on connections of its own (threads, each sent mail recorded at once)."""
    return request.getfixturevalue("app" if request.param == "sqlite" else "committed_pg_app")


# ---------------------------------------------------------------- SMTP, Redis and the rq worker


@pytest.fixture
def smtp_server():
    with running_smtp_server() as handler:
        yield handler


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
        processes.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_for(lambda: pings(Redis(port=port)), what="redis-server to start")

    def stop():
        stop_process(processes[-1])

    try:
        start()
    except FileNotFoundError as exc:
        service_missing("redis-server", exc)
    yield type("OwnRedis", (), {"url": f"redis://127.0.0.1:{port}/0", "start": staticmethod(start), "stop": staticmethod(stop)})
    for process in processes:
        stop_process(process)


@pytest.fixture
def worker_env(migrated_postgres_url, redis_url, smtp_server, queue_prefix):
    """The environment of a production worker, pointed at this test run's services."""
    return service_env(migrated_postgres_url, redis_url, queue_prefix, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)


@pytest.fixture
def start_worker(request, tmp_path):
    """`start_worker(env=worker_env)` starts `flask --app wsgi worker` as a real process; stopped (or
    killed) at the end of the test."""
    processes = []

    def start(env=None):
        env = request.getfixturevalue("worker_env") if env is None else env
        processes.append(flask_process(env, tmp_path / f"worker-{len(processes)}.log", "worker"))
        return processes[-1]

    yield start
    for process in processes:
        stop_process(process)


@pytest.fixture
def stack(tmp_path):
    """Production's processes (gunicorn, nginx) started by one test (tests/deploy_stack.py), stopped at its end."""
    from deploy_stack import Stack

    stack = Stack(tmp_path)
    yield stack
    stack.stop()


@pytest.fixture
def live_app(committed_pg_app, redis_url, smtp_server, queue_prefix):
    """The web app as production runs it: PostgreSQL, Redis queues and an SMTP server."""
    committed_pg_app.config.update(
        REDIS_URL=redis_url, QUEUE_PREFIX=queue_prefix, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port
    )
    return committed_pg_app
