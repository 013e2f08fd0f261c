"""Plain helpers the tests share (tests/conftest.py holds the fixtures): the app and its data, mails as
a user reads them, the services' processes, and waiting for events.

Waiting is always polling with a deadline (`wait_for`, `wait_until_idle`); `wait_for` is the one place
in tests/ that sleeps, between polls (tests/test_architecture.py fails on any other sleep over 0.2 s).
"""
import atexit
import contextlib
import email
import email.policy
import io
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
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
    """Locally a test whose service is not running is skipped; under CI=true it fails instead, so that a
    broken CI machine can never pass by running fewer tests."""
    message = f"{what} is not reachable: {error}"
    if CI:
        pytest.fail(message + " (CI=true: a missing service fails the run)")
    pytest.skip(message)


def make_app(tmp_path, database_url=None, **overrides):
    """The app with its instance folder in `tmp_path`, on `database_url` or else on tmp_path/test.db."""
    url = database_url or f"sqlite:///{tmp_path / 'test.db'}"
    return create_app(TestConfig, instance_path=tmp_path / "instance", SQLALCHEMY_DATABASE_URI=url, **overrides)


_TABLES = []  # the SQLite file with every table, made once per test process


def app_with_tables(tmp_path, **overrides):
    """make_app on SQLite with every table: a copy of a file made once, as create_all writes each table to
    disk (about a second a test)."""
    if not _TABLES:
        folder = Path(tempfile.mkdtemp(prefix="petition-tables-"))
        atexit.register(shutil.rmtree, folder, True)
        app = make_app(folder)
        with app.app_context():
            db.create_all()
            db.engine.dispose()
        _TABLES.append(folder / "test.db")
    tmp_path.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_TABLES[0], tmp_path / "test.db")
    return make_app(tmp_path, **overrides)


def empty_database(engine):
    """Empty every table (PostgreSQL), for the next test that commits for real."""
    from petition_app import models  # noqa: F401 - every table known to the metadata

    tables = ", ".join(t.name for t in db.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def wait_for(predicate, timeout=20, interval=0.05, what="condition"):
    """Poll `predicate` until it returns something true (returned) or `timeout` seconds pass (fails)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


# ---------------------------------------------------------------- campaigns


def hand_over_letters(app, slug):
    """Send the letters of `slug` to its recipients now (letters.operations.send_letters, committed);
    returns the hand-overs."""
    from petition_app.letters.operations import send_letters

    with app.app_context():
        campaign_id = db.session.execute(db.text("SELECT id FROM campaigns WHERE slug = :s"), {"s": slug}).scalar_one()
        handovers = send_letters(campaign_id)
        db.session.commit()
        return handovers


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


# ---------------------------------------------------------------- mails and documents as a reader sees them


def read_outbox(app):
    """The mails the app wrote to its instance folder (MAIL_SERVER unset), oldest first."""
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


def flat(text):
    """Text with every run of white space (line breaks in a PDF or a mail) made one space."""
    return re.sub(r"\s+", " ", text)


def pdf_pages(data):
    """The text of each page of a PDF, as a reader would copy it."""
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def pdf_text(data):
    return "\n".join(pdf_pages(data))


# ---------------------------------------------------------------- services: ports, SMTP, Redis, processes


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


def pings(connection):
    try:
        return connection.ping()
    except Exception:  # noqa: BLE001 - any error means: not (yet) answering
        return False


def require_redis():
    """The test run's Redis URL, once the server answers (a missing Redis fails under CI=true)."""
    from redis import Redis

    conn = Redis.from_url(REDIS_URL)
    try:
        conn.ping()
    except Exception as exc:  # noqa: BLE001
        service_missing("Redis", exc)
    finally:
        conn.close()
    return REDIS_URL


def service_env(database_url, redis_url, queue_prefix, base_url=TestConfig.BASE_URL, **extra):
    """The environment of a production process (worker, gunicorn, `flask` command) on this run's services;
    `extra` adds or overrides variables (MAIL_PORT=..., APP_ENV="production", ...)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAIL_", "DATABASE_", "REDIS_", "GUNICORN_"))}
    env.update(
        SECRET_KEY=TestConfig.SECRET_KEY,
        STORIES_KEY=TestConfig.STORIES_KEY,
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        QUEUE_PREFIX=queue_prefix,
        BASE_URL=base_url,
        EMAIL_CHECK_DELIVERABILITY="false",
        PYTHONUNBUFFERED="1",
    )
    env.update({k: str(v) for k, v in extra.items()})
    return env


def flask_process(env, log_path, *args):
    """`flask --app wsgi ARGS` started in the background, its output in `log_path` (process.log_path)."""
    with open(log_path, "w") as log:
        # A group of its own: RQ's scheduler runs in a child process, which stop_process ends too.
        process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=PROJECT_ROOT, env=env,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    process.log_path, process.own_group = str(log_path), True
    return process


def stop_process(process, timeout=10):
    """Ask a process to stop (SIGTERM: a worker finishes its job first), and kill it if it does not; a
    process started in a group of its own (flask_process) takes what is left of its group with it."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if getattr(process, "own_group", False):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)


# ---------------------------------------------------------------- the job queues


def jobs_in_flight(app, retries=True):
    """Jobs not yet done: outbox rows not handed over, jobs waiting or running, and (with `retries`) jobs
    scheduled for a later try or waiting for another job."""
    from petition_app.jobs import QUEUES, get_queue

    count = rows(app, "outbox_jobs")
    with app.app_context():
        for name in QUEUES:
            queue = get_queue(name)
            count += queue.count + queue.started_job_registry.count
            if retries:
                count += queue.scheduled_job_registry.count + queue.deferred_job_registry.count
    return count


def wait_until_idle(app, retries=True, timeout=30):
    """Wait until the running worker has done every job there is (`jobs_in_flight` is 0 three polls in a
    row: a job is briefly in none of its places while a worker takes it). Whatever the app was asked to do
    before has then had every chance to send its mail."""
    seen = []

    def idle():
        seen.append(jobs_in_flight(app, retries) == 0)
        return seen[-3:] == [True] * 3

    wait_for(idle, timeout=timeout, what="the worker to finish every job")


def drain_queues(env, tmp_path):
    """Run every queued job now in a burst worker (`flask worker --burst`), which stops once the queues
    are empty: after it, no job is waiting to send anything."""
    process = flask_process(env, tmp_path / "burst-worker.log", "worker", "--burst")
    process.wait(timeout=120)
    assert process.returncode == 0, Path(process.log_path).read_text()[-3000:]


def sign_form(name="Anna de Vries", email="anna@example.org", city="Leiden", consent=True, updates=False, public=False):
    data = {"name": name, "email": email, "city": city}
    if consent:
        data["consent"] = "y"
    if updates:
        data["updates"] = "y"
    if public:
        data["public"] = "y"
    return data


def sign(client, slug, follow=True, lang=None, **fields):
    url = f"/campaigns/{slug}/sign" + (f"?lang={lang}" if lang else "")
    return client.post(url, data=sign_form(**fields), follow_redirects=follow)


def api_count(client, slug):
    response = client.get(f"/api/v1/campaigns/{slug}")
    assert response.status_code == 200
    return response.get_json()["signature_count"]


def rows(app, table):
    with app.app_context():
        return db.session.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar_one()


def seed_signers(app, slug, specs):
    """Insert signatures directly, each spec a dict of Signature fields; confirmed ones raise the count.
    Returns the ids in order."""
    from petition_app.campaigns.queries import public_campaign
    from petition_app.signing.models import Signature
    from petition_app.timeutil import utcnow

    with app.app_context():
        campaign = public_campaign(slug)
        signatures = []
        for i, spec in enumerate(specs):
            fields = {"name": f"Signer {i}", "email": f"signer{i}@example.org", "locale": "nl", **spec}
            if fields.pop("confirmed", True):
                fields.setdefault("confirmed_at", utcnow())
            signatures.append(Signature(campaign_id=campaign.id, **fields))
        db.session.add_all(signatures)
        campaign.confirmed_count += sum(1 for s in signatures if s.confirmed_at is not None)
        db.session.commit()
        return [s.id for s in signatures]


# ---------------------------------------------------------------- accounts: organizers and moderators

PASSWORD = "correct horse battery"


def register(client, email="org@example.org", password=PASSWORD, name="Safe Leiden", lang="en"):
    return client.post(f"/account/register?lang={lang}", data={
        "name": name, "email": email, "password": password, "password_repeat": password,
    })


def login(client, email="org@example.org", password=PASSWORD, next=None, ip=None):
    """The login form, as a browser at client address `ip` posts it (with ?next= when given)."""
    url = "/account/login?lang=en" + (f"&next={next}" if next is not None else "")
    environ = {"REMOTE_ADDR": ip} if ip else {}
    return client.post(url, data={"email": email, "password": password}, environ_base=environ)


def confirmed_account(app, email="org@example.org", password=PASSWORD, name="Safe Leiden", role="organizer"):
    """A confirmed account made directly (no mails); returns its id. Its password hash is a cheap one
    (a check reads the method from the hash), so that the many logins of the tests stay fast."""
    from werkzeug.security import generate_password_hash

    from petition_app.accounts.models import User
    from petition_app.timeutil import utcnow

    with app.app_context():
        user = User(email=email, name=name, role=role, locale="en", email_confirmed_at=utcnow())
        user.password_hash = generate_password_hash(password, method="pbkdf2:sha256:1000")
        db.session.add(user)
        db.session.commit()
        return user.id


def account_link(message, path):
    """The /account/<path>/<token> link in an account mail (confirm or reset)."""
    found = re.search(rf"http://localhost(/account/{path}/[\w.\-]+)", mail_text(message))
    assert found, f"no /account/{path}/ link in the mail"
    return found.group(1)


def add_organizer(app, slug, email):
    """Make the account of `email` an organizer of the campaign `slug`."""
    from petition_app.models import Campaign, User

    with app.app_context():
        campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == slug))
        user = db.session.scalar(sa.select(User).where(User.email == email))
        assert campaign is not None and user is not None, (slug, email)
        campaign.organizers.append(user)
        db.session.commit()


def make_organizer(app, email="org@example.org", name="Safe Leiden", campaigns=()):
    """An organizer as one becomes one: registered, confirmed through the mailed link and logged in.
    Returns the logged-in client; the account organizes the campaigns named by slug in `campaigns`."""
    client = app.test_client()
    register(client, email=email, name=name)
    message = [m for m in read_outbox(app) if m["To"] == email][-1]
    client.post(account_link(message, "confirm"))
    assert login(client, email).status_code == 302
    for slug in campaigns:
        add_organizer(app, slug, email)
    return client


def make_admin(app, email="mod@example.org", name="Moderator"):
    """A moderator as one becomes one: `flask admin create`, a password chosen through the printed link,
    then logged in. Returns the logged-in client."""
    result = app.test_cli_runner().invoke(args=["admin", "create", email, "--name", name])
    found = re.search(r"http://localhost(/account/reset/\S+)", result.output)
    assert found, result.output
    app.test_client().post(found.group(1), data={"password": PASSWORD, "password_repeat": PASSWORD})
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


# ---------------------------------------------------------------- campaign history


def make_milestone(app, slug, goal, reached_at=None):
    """A goal recorded as reached (as if the count had crossed it), without announcing it."""
    from petition_app.campaigns.queries import public_campaign
    from petition_app.models import Milestone

    with app.app_context():
        campaign = public_campaign(slug)
        fields = {"reached_at": reached_at} if reached_at is not None else {}
        milestone = Milestone(campaign_id=campaign.id, goal=goal, **fields)
        db.session.add(milestone)
        db.session.commit()
        return milestone.id


# A campaign as an organizer types it into the editor, and its recipients.
CAMPAIGN = {
    "organizer_name": "Safe Leiden",
    "title_nl": "Veilig Leiden", "title_en": "Safe Leiden now",
    "summary_nl": "Studenten vragen om actie.", "summary_en": "Students ask for action.",
    "body_nl": "**Doe mee.**", "body_en": "**Join us.**",
    "goals": "3 5",
}
CAMPAIGN_FORM = CAMPAIGN
RECIPIENTS = [("Leiden University", "board@example.org", "nl"), ("Mayor of Leiden", "mayor@example.org", "nl"),
              ("Leiden Police", "police@example.org", "en")]


def moderator_organizing(app, slug, email="mod@example.org"):
    """A client logged in as a moderator who also organizes the campaign `slug`: it can open every
    organizer and admin page."""
    client = make_admin(app, email)
    add_organizer(app, slug, email)
    return client


def logged_in(app, email, name="Safe Leiden", role="organizer"):
    """A confirmed English account made straight in the database (no mail), and a client logged in with it."""
    confirmed_account(app, email, name=name, role=role)
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


def write_campaign(app, organizer, recipients=(("Leiden University", "board@example.org", "nl"),), **fields):
    """A complete draft written through the organizer's forms, each recipient with two demands; returns its slug."""
    response = organizer.post("/organize/new?lang=en", data={**CAMPAIGN_FORM, **fields})
    assert response.status_code == 302, response.status_code
    slug = response.headers["Location"].split("/organize/")[1].split("/")[0]
    for name, address, language in recipients:
        assert organizer.post(f"/organize/{slug}/recipients", data={"name": name, "email": address, "language": language}).status_code == 302
    with app.app_context():
        ids = db.session.execute(sa.text(
            "SELECT r.id FROM recipients r JOIN campaigns c ON c.id = r.campaign_id WHERE c.slug = :s ORDER BY r.position"
        ), {"s": slug}).scalars().all()
    for index, recipient_id in enumerate(ids):
        for n in range(2):
            organizer.post(f"/organize/{slug}/recipients/{recipient_id}?action=add_demand",
                           data={"text_nl": f"Eis {index}.{n}", "text_en": f"Demand {index}.{n}"})
    return slug


def publish(app, organizer, moderator, slug):
    """Submit a draft and approve the revision the moderators' queue offers; returns its number."""
    assert organizer.post(f"/organize/{slug}/submit").status_code == 302
    queue = moderator.get("/admin/?lang=en").text
    number = int(re.search(rf'/admin/{slug}/approve".*?name="revision" value="(\d+)"', queue, re.S).group(1))
    assert moderator.post(f"/admin/{slug}/approve", data={"revision": number, "confirm": "1"}).status_code == 302
    assert app.test_client().get(f"/campaigns/{slug}").status_code == 200
    return number


def recipients_seen(client, slug):
    """The fingerprint of the recipients that the letters' confirmation page carries."""
    page = client.get(f"/organize/{slug}/letters/send").text
    return re.search(r'name="recipients_seen" type="hidden" value="([^"]+)"', page).group(1)


def letters_sent_to(app):
    """The addresses the letters (mails with the PDFs attached) went to, from the outbox folder."""
    return sorted(str(m["To"]) for m in read_outbox(app) if m.get_content_type() == "multipart/mixed")


def campaign_status(app, slug):
    with app.app_context():
        return db.session.execute(sa.text("SELECT status FROM campaigns WHERE slug = :s"), {"s": slug}).scalar_one()


LINK_PATHS = {"verify": "verify", "withdraw": "withdraw", "my_data": "my-data", "unsubscribe": "unsubscribe"}


def signature_token(app, purpose, signature_id):
    """The token of a link from a signer's mails (verify, withdraw, my_data, unsubscribe), as we would
    mail it, for a signature inserted directly; a confirmation link confirms the signature's own details."""
    from petition_app.signing.mailing import link_token, verify_token
    from petition_app.signing.models import Signature
    from petition_app.signing.operations import request_from_signature

    with app.app_context():
        signature = db.session.get(Signature, signature_id)
        if purpose != "verify":
            return link_token(signature, purpose)
        token = verify_token(signature, request_from_signature(signature))
        db.session.commit()
        return token


def signature_link(app, purpose, signature_id):
    """The path of such a link, e.g. /withdraw/<token>."""
    return f"/{LINK_PATHS[purpose]}/{signature_token(app, purpose, signature_id)}"
