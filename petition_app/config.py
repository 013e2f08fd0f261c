"""Configuration read from the environment (the contract in docs/architecture.md and README.md)."""
import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any, Mapping, MutableMapping

from .rules import DEFAULT_LANGUAGE, LANGUAGES

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _list(name: str) -> list[str]:
    return [item.strip().lower() for item in os.environ.get(name, "").split(",") if item.strip()]


def _intervals(name: str, defaults: dict[str, timedelta]) -> dict[str, timedelta]:
    """Defaults overridden from the environment as `name=seconds` pairs, e.g. PERIODIC_INTERVALS="outbox=5",
    so that an operator (or a test) can change one entry without restating the others."""
    intervals = dict(defaults)
    for item in os.environ.get(name, "").split(","):
        if item.strip():
            key, _, seconds = item.partition("=")
            intervals[key.strip()] = timedelta(seconds=float(seconds))
    return intervals


#: Where the app answers when BASE_URL is not set: `flask run`'s own default.
DEFAULT_BASE_URL = "http://127.0.0.1:5000"
#: The instance file where `flask demo` keeps the BASE_URL it ran with (`make demo PORT=...` sets it).
DEMO_BASE_URL_FILE = "demo_base_url"


def remembered_base_url(instance_path: str | Path) -> str | None:
    """Development only: the BASE_URL the demo last ran with, kept in the instance folder, so that a
    command run later in another terminal (`flask admin create`) prints links to the demo's own port."""
    try:
        remembered = (Path(instance_path) / DEMO_BASE_URL_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return remembered.rstrip("/") if remembered.startswith(("http://", "https://")) else None


def remember_base_url(instance_path: str | Path, base_url: str) -> None:
    """Keep the demo's BASE_URL for the commands run after it (remembered_base_url)."""
    (Path(instance_path) / DEMO_BASE_URL_FILE).write_text(base_url.rstrip("/") + "\n", encoding="utf-8")


def instance_secret_key(instance_path: str | Path, name: str = "secret_key", nbytes: int = 48) -> str:
    """Development only: a key generated once and kept in the instance folder, so that links in
    mails written to the outbox stay valid across restarts without anyone having to set one.
    `name` is the file (stories use their own key, `stories_key`). Written to a temporary file and
    linked into place, so that two processes starting at once end up with the same key."""
    path = Path(instance_path) / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{name}.{secrets.token_hex(8)}")
        temporary.write_text(secrets.token_urlsafe(nbytes))
        temporary.chmod(0o600)
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process was first: its key is the one
        finally:
            temporary.unlink()
    return path.read_text().strip()


def require_shared_limits(config: MutableMapping[str, Any]) -> None:
    """Production runs several processes (gunicorn's workers, RQ workers). Rate limits counted in each
    process's memory would let through as many times the limit as there are processes, and mails would
    be sent from the web processes: production refuses to start without Redis."""
    if not config.get("REDIS_URL"):
        raise RuntimeError(
            "REDIS_URL must be set when APP_ENV=production: rate limits are counted in Redis so that every "
            "process shares them, and mails are sent by the workers through its queues "
            "(e.g. REDIS_URL=redis://127.0.0.1:6379/0)."
        )
    if str(config.get("RATELIMIT_STORAGE_URI") or "memory://").startswith("memory://"):
        config["RATELIMIT_STORAGE_URI"] = config["REDIS_URL"]


def cache_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """Flask-Caching's settings: Redis, shared by every process, when REDIS_URL is set (production);
    otherwise none (the embedded demo and the tests render every page), unless CACHE_TYPE says otherwise."""
    settings = {"CACHE_DEFAULT_TIMEOUT": config["PAGE_FRAGMENT_SECONDS"], "CACHE_KEY_PREFIX": config["QUEUE_PREFIX"] + "cache:"}
    kind = config.get("CACHE_TYPE")
    if kind is None:
        kind = "RedisCache" if config.get("REDIS_URL") else "NullCache"
    if kind == "RedisCache":
        settings["CACHE_REDIS_URL"] = config["REDIS_URL"]
    return {**settings, "CACHE_TYPE": kind, "CACHE_NO_NULL_WARNING": True}


class Config:
    APP_ENV = os.environ.get("APP_ENV", "development")
    SECRET_KEY = os.environ.get("SECRET_KEY") or None
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or None  # None: SQLite in the instance folder
    REDIS_URL = os.environ.get("REDIS_URL") or None
    # Flask-Caching, for rendered fragments of public pages: None picks RedisCache when REDIS_URL is set,
    # else NullCache (nothing cached; "SimpleCache" keeps them in one process's memory). Fragments are keyed by what they show (campaign,
    # language, revision) and kept at most PAGE_FRAGMENT_SECONDS, which is how late an organizer's
    # update or a recipient's answer may reach anonymous visitors; the count is never cached.
    CACHE_TYPE = os.environ.get("CACHE_TYPE") or None
    PAGE_FRAGMENT_SECONDS = _int("PAGE_FRAGMENT_SECONDS", 60)
    QUEUE_PREFIX = os.environ.get("QUEUE_PREFIX", "")
    BASE_URL = os.environ.get("BASE_URL", DEFAULT_BASE_URL).rstrip("/")
    PROXY_COUNT = _int("PROXY_COUNT", 0)
    RATELIMIT_ENABLED = _flag("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL") or "memory://"
    RATELIMIT_SWALLOW_ERRORS = True  # Redis down must not stop anyone from signing
    # Hard limits per client address, answered with 429. Generous: a lecture hall behind one campus
    # address signs from a QR code on a slide, so 200 signatures in 2 minutes must get through.
    SIGN_RATE_LIMIT = os.environ.get("SIGN_RATE_LIMIT", "200 per 2 minutes; 2000 per hour")
    LINK_RATE_LIMIT = os.environ.get("LINK_RATE_LIMIT", "60 per minute")
    # Soft limits per client address and campaign: beyond them a signature is mailed and counted as
    # usual, and flagged for the moderators.
    SIGN_SOFT_LIMITS = os.environ.get("SIGN_SOFT_LIMITS", "1 per minute; 5 per 5 minutes")
    # Clusters of signatures (one address hash, one mail domain, one window of CLUSTER_MINUTES) made
    # within CLUSTER_LOOKBACK are listed for the moderators from CLUSTER_THRESHOLD signatures on;
    # each such cluster is mailed to them once.
    CLUSTER_THRESHOLD = _int("CLUSTER_THRESHOLD", 25)
    CLUSTER_MINUTES = _int("CLUSTER_MINUTES", 10)
    CLUSTER_LOOKBACK = timedelta(hours=_int("CLUSTER_LOOKBACK_HOURS", 48))
    BLOCKED_EMAILS = _list("BLOCKED_EMAILS")
    BLOCKED_EMAIL_DOMAINS = _list("BLOCKED_EMAIL_DOMAINS")
    BLOCKED_NETWORKS = _list("BLOCKED_NETWORKS")

    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = _int("MAIL_PORT", 25)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_USE_TLS = _flag("MAIL_USE_TLS", False)
    # The sender's address; with a display name ("Safe Leiden <no-reply@example.org>") that name is used
    # as it stands, else PLATFORM_NAME, else "Petities" / "Petitions" in the mail's language.
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "no-reply@localhost")
    PLATFORM_NAME = os.environ.get("PLATFORM_NAME") or None
    # What "Start a campaign" promises: a moderator reviews a submitted campaign within this many working days.
    REVIEW_WORKING_DAYS = _int("REVIEW_WORKING_DAYS", 3)
    # Who runs this installation, as the home page says it ("Stichting Veilig Leiden, Leiden"). Unset: the
    # page says that its moderators run it, independently of the groups that campaign on it.
    PLATFORM_OPERATOR = os.environ.get("PLATFORM_OPERATOR") or None
    # Where bounces go: each mail's envelope sender is bounces+<signed token>@domain (VERP), which the
    # MTA pipes to `flask mail bounce` (README, "Mail that arrives"). Unset: the sender's address.
    MAIL_BOUNCE_ADDRESS = os.environ.get("MAIL_BOUNCE_ADDRESS") or None
    # DKIM: with a selector and the path of a PEM private key, every mail is signed for DKIM_DOMAIN (the
    # sender's domain when unset); `flask mail dns` prints the records to publish.
    DKIM_SELECTOR = os.environ.get("DKIM_SELECTOR") or None
    DKIM_PRIVATE_KEY = os.environ.get("DKIM_PRIVATE_KEY") or None
    DKIM_DOMAIN = os.environ.get("DKIM_DOMAIN") or None
    MAIL_TIMEOUT = 30
    # How passwords are hashed (werkzeug.security): "scrypt" is Werkzeug's default (2**15 rounds, about 0.1 s
    # of CPU a hash, which is the point). TestConfig alone chooses a cheap one.
    PASSWORD_HASH_METHOD = "scrypt"
    # Waits between attempts when the SMTP server fails; after the last one the job is given up and
    # listed for the moderators (its outbox row stays, with the last error).
    MAIL_RETRY_INTERVALS = [10, 30, 60, 300, 900, 3600]
    # The same for a job that names no intervals of its own (compiling letters, planning a fan-out).
    JOB_RETRY_INTERVALS = [10, 60, 300, 900]
    # Signers per batch job of a fan-out (milestones, answers, updates); each batch is one SMTP connection.
    FANOUT_BATCH_SIZE = _int("FANOUT_BATCH_SIZE", 200)
    # The bearer token of /metrics; unset, /metrics answers 404 (docs/architecture.md, "Watching it").
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN") or None
    # How long one worker holds a batch before another may send it (after a worker died mid-batch).
    FANOUT_LOCK_SECONDS = _int("FANOUT_LOCK_SECONDS", 120)
    # How often the worker runs each entry of petition_app/jobs/schedule.py; the keys are the entries'
    # names. Entries not declared yet (the rest of `flask sweep`) find their interval here already.
    PERIODIC_INTERVALS = _intervals(
        "PERIODIC_INTERVALS",
        {
            "outbox": timedelta(seconds=30),
            "announcements": timedelta(minutes=5),
            "reminders": timedelta(hours=1),
            "purges": timedelta(hours=1),
            "recount": timedelta(hours=1),
            "clusters": timedelta(minutes=5),
            "stories": timedelta(minutes=15),
        },
    )
    # An outbox row younger than this may still be handed over by the commit that wrote it (handing it
    # over twice is harmless: a run claims its row first, and a row that is gone is done).
    OUTBOX_HANDOVER_AFTER = timedelta(seconds=_int("OUTBOX_HANDOVER_AFTER", 10))
    # How long a run holds its outbox row: after that, with the row still there, the process running it
    # is taken to have died and the reconciliation hands the job over again. Longer than any one job.
    JOB_LEASE_SECONDS = _int("JOB_LEASE_SECONDS", 120)
    # How long a job keeps trying to write down a mail the server accepted while the database restarts.
    DATABASE_RETRY_SECONDS = _int("DATABASE_RETRY_SECONDS", 10)

    # A DNS look-up of the mail domain catches typos like gmial.com; off by default outside production,
    # so that the demo works offline and with any made-up address.
    EMAIL_CHECK_DELIVERABILITY = _flag("EMAIL_CHECK_DELIVERABILITY", APP_ENV == "production")
    VERIFY_TOKEN_MAX_AGE = _int("VERIFY_TOKEN_MAX_AGE", int(timedelta(days=7).total_seconds()))
    # Links to unsubscribe, withdraw and download one's data must work as long as we hold the data.
    LINK_TOKEN_MAX_AGE = int(timedelta(days=800).total_seconds())
    RESPOND_TOKEN_MAX_AGE = int(timedelta(days=365).total_seconds())
    REMINDER_INTERVAL = timedelta(days=14)
    MAX_REMINDERS = 3
    # A recipient has this many working days (weekends and Dutch public holidays not counted, see
    # rules/workdays.py) from the first letter to answer a demand; after that its public page and its
    # next reminder say the demand is overdue (WhatDoTheyKnow's legal 20 working days).
    RESPONSE_WORKING_DAYS = _int("RESPONSE_WORKING_DAYS", 20)
    UPDATE_INTERVAL = timedelta(hours=48)
    INVITE_MAX_AGE = int(timedelta(days=14).total_seconds())
    PASSWORD_RESET_MAX_AGE = int(timedelta(hours=24).total_seconds())
    UNCONFIRMED_RETENTION = timedelta(days=21)
    RETENTION_AFTER_CLOSE = timedelta(days=_int("RETENTION_DAYS", 183))
    CONFIRM_GRACE_AFTER_CLOSE = timedelta(hours=24)
    MAX_MAILS_PER_SIGNATURE = 5
    CAMPAIGN_TIMEZONE = "Europe/Amsterdam"
    # Stories and support requests are sealed with this key (base64url of 32 random bytes; several,
    # comma-separated, to rotate: the first seals, all open). Not SECRET_KEY, never in the database.
    # Unset: generated into the instance folder, except with APP_ENV=production, which refuses to start.
    STORIES_KEY = os.environ.get("STORIES_KEY") or None
    # "Mail me my code": at most this often per code and per address (counted by keyed hashes in the
    # rate limits' storage, never the address itself). Beyond it nothing is mailed; the page says the same.
    STORIES_CODE_MAIL_LIMIT = os.environ.get("STORIES_CODE_MAIL_LIMIT", "3 per hour")
    # The team hears of new submissions at most this often per campaign; one mail says how many are
    # new, and what comes in between waits for the next window (the periodic `stories` run sends it).
    STORIES_ALERT_LIMIT = os.environ.get("STORIES_ALERT_LIMIT", "1 per 15 minutes")
    # Where "leave this page quickly" goes: a neutral site, opened in place of the page.
    STORIES_EXIT_URL = os.environ.get("STORIES_EXIT_URL", "https://www.google.com/")

    # Public pages (security.CACHEABLE_ENDPOINTS) may be kept this long by nginx and browsers: a count
    # shown there is at most this many seconds old.
    PUBLIC_CACHE_SECONDS = _int("PUBLIC_CACHE_SECONDS", 5)
    # How long the campaign page's sign form can stay open before its form token expires.
    SIGN_FORM_TOKEN_MAX_AGE = _int("SIGN_FORM_TOKEN_MAX_AGE", int(timedelta(hours=24).total_seconds()))

    # When a part is down (issue 18; docs/architecture.md, "When a part is down"). A connection that
    # PostgreSQL closed (a restart) is noticed when it is taken from the pool and replaced, at the price
    # of a round trip per request, instead of failing that request. With Redis down each process counts
    # the rate limits in its own memory (Flask-Limiter's fallback) instead of not at all.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    MAX_CONTENT_LENGTH = 64 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = None  # None: Secure exactly when BASE_URL is https (decided in create_app)
    PERMANENT_SESSION_LIFETIME = timedelta(days=30)
    # A login lasts this long, whatever happens in between (docs/architecture.md, "Accounts").
    ACCOUNT_SESSION_LIFETIME = timedelta(hours=12)
    # The cookie is sent again only when the session changes, so pages stay cacheable.
    SESSION_REFRESH_EACH_REQUEST = False

    LANGUAGES = LANGUAGES
    BABEL_DEFAULT_LOCALE = DEFAULT_LANGUAGE
    BABEL_DEFAULT_TIMEZONE = "Europe/Amsterdam"
    BABEL_TRANSLATION_DIRECTORIES = str(PROJECT_ROOT / "translations")

    TESTING = False


class TestConfig(Config):
    TESTING = True
    APP_ENV = "test"
    SECRET_KEY = "test-secret-key-not-for-production"  # nosec B105  # TestConfig only; production refuses to start without one
    STORIES_KEY = "dGVzdC1zdG9yaWVzLWtleS1ub3QtZm9yLXByb2R1Y3Rpb24"  # TestConfig only (35 bytes, base64url)
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    REDIS_URL = None
    CACHE_TYPE = "NullCache"  # even with REDIS_URL; tests of the fragment cache choose SimpleCache
    MAIL_SERVER = None
    BASE_URL = "http://localhost"
    WTF_CSRF_ENABLED = False
    EMAIL_CHECK_DELIVERABILITY = False
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    # A thousandth of scrypt's cost: the suite registers, logs in and resets thousands of times. Every
    # path still hashes as often as in production (tests/test_account_security.py counts the hashes).
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
