"""Extensions, created unbound so that create_app can bind them to any number of apps (tests make many).

Redis holds nothing here that a page needs (issue 18): the page cache and the rate limits' counters
degrade when it is down instead of failing the request (docs/architecture.md, "When a part is down")."""
import logging
import math
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import flask_limiter
from flask import Flask, current_app
from flask_babel import Babel, gettext
from flask_caching import Cache
from flask_login import LoginManager
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy import CursorResult, MetaData, Result
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import DeclarativeBase

log = logging.getLogger(__name__)


def N_(message: str) -> str:
    """Marks a string for extraction; it is translated where it is shown (localize_callback)."""
    return message


class Base(DeclarativeBase):
    # Named constraints, so that Alembic can alter them on SQLite and PostgreSQL alike.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class _SQLAlchemy(SQLAlchemy):
    """Flask-SQLAlchemy, whose session ends at the end of a request without failing it: when the
    connection died after the view made its answer (PostgreSQL restarted), the rollback at teardown
    meets a dead connection and raised past Flask to gunicorn, which answered its own bare 500 in place
    of the finished page (issue 18's soak). The transaction is gone with the connection, so nothing is
    lost: the pool drops the connection and the next request takes a new one."""

    def _teardown_session(self, exc: BaseException | None) -> None:
        try:
            self.session.remove()
        except sa_exc.SQLAlchemyError as error:
            log.warning("the database connection was lost at the end of a request (%s); dropped", type(error).__name__)
            self.session.registry.clear()


db = _SQLAlchemy(model_class=Base)
# The base class of every model. mypy cannot take an attribute such as db.Model as a base class
# (python/mypy#8603); db.Model is made from Base, so Base is what the type checker sees.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
csrf = CSRFProtect()


def fail_fast_redis_options() -> dict[str, Any]:
    """A Redis client for answers worth no wait (the page cache, the rate limits' counters): a second to
    connect or to answer, instead of the 5 seconds redis-py's clients wait by default, which every
    request would pay while Redis hangs or its host does not answer; one immediate retry on a fresh
    connection (a pooled connection from before a restart of Redis fails once)."""
    return {"socket_connect_timeout": 1, "socket_timeout": 1, "retry": Retry(NoBackoff(), 1)}


class Outage:
    """Whether a backend failed lately: `failed` starts a rest of `rest_seconds` during which `resting`
    is true (callers skip the backend then, so an outage costs no request a wait), and logs one warning
    per outage, repeated every `warn_every` seconds while it lasts, never one per request; `answered`
    ends the outage with a note."""

    def __init__(self, what: str, consequence: str, rest_seconds: float = 10.0, warn_every: float = 300.0) -> None:
        self.what = what
        self.consequence = consequence
        self.rest_seconds = rest_seconds
        self.warn_every = warn_every
        self._lock = threading.Lock()
        self._resting_until = 0.0
        self._down_since: float | None = None
        self._warned_at = -math.inf

    def resting(self) -> bool:
        return time.monotonic() < self._resting_until

    def failed(self, error: BaseException) -> None:
        now = time.monotonic()
        with self._lock:
            self._resting_until = now + self.rest_seconds
            if self._down_since is None:
                self._down_since = now
            warn = now - self._warned_at >= self.warn_every
            if warn:
                self._warned_at = now
        if warn:
            log.warning("%s cannot be reached (%s: %s): %s", self.what, type(error).__name__, error, self.consequence)

    def answered(self) -> bool:
        """Note an answer; True when it ends an outage."""
        if self._down_since is None:
            return False
        with self._lock:
            since, self._down_since, self._warned_at = self._down_since, None, -math.inf
        if since is None:
            return False
        log.warning("%s answers again after %.0f seconds", self.what, time.monotonic() - since)
        return True


class TolerantCache(Cache):
    """Flask-Caching's Cache for what can be made again (the rendered campaign pages): when the backend
    fails (Redis down), a read is a miss and a write is skipped, so the page is rendered uncached instead
    of failing; after a failure the backend is left alone for a few seconds (`Outage`). A Redis backend
    gets a client that fails fast (`fail_fast_redis_options`). Whatever could not be written during an
    outage (a new generation of pages) is made up for by the functions in `after_outage`, called when
    the backend answers again."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.after_outage: list[Callable[[], None]] = []

    def init_app(self, app: Flask, config: dict[str, Any] | None = None) -> None:
        merged = {**app.config, **(config or {})}
        if merged.get("CACHE_TYPE") == "RedisCache" and not merged.get("CACHE_OPTIONS"):
            config = {**(config or {}), "CACHE_OPTIONS": fail_fast_redis_options()}
        super().init_app(app, config)
        app.extensions["petition_cache_outage"] = Outage(
            "the page cache", "pages are rendered without it until it answers again"
        )

    def _tolerant(self, method: str, miss: Any, *args: Any, **kwargs: Any) -> Any:
        outage: Outage | None = current_app.extensions.get("petition_cache_outage")
        if outage is not None and outage.resting():
            return miss
        try:
            answer = getattr(self.cache, method)(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - any failure of a cache is a miss
            if outage is not None:
                outage.failed(error)
            return miss
        if outage is not None and outage.answered():
            for make_up in self.after_outage:
                make_up()
        return answer

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._tolerant("get", None, *args, **kwargs)

    def has(self, *args: Any, **kwargs: Any) -> bool:
        return bool(self._tolerant("has", False, *args, **kwargs))

    def set(self, *args: Any, **kwargs: Any) -> bool | None:
        return self._tolerant("set", False, *args, **kwargs)

    def add(self, *args: Any, **kwargs: Any) -> bool:
        return bool(self._tolerant("add", False, *args, **kwargs))

    def delete(self, *args: Any, **kwargs: Any) -> bool:
        return bool(self._tolerant("delete", False, *args, **kwargs))

    def get_many(self, *args: Any, **kwargs: Any) -> list[Any]:
        return self._tolerant("get_many", [None] * len(args), *args, **kwargs)

    def set_many(self, *args: Any, **kwargs: Any) -> list[Any]:
        return self._tolerant("set_many", [], *args, **kwargs)

    def delete_many(self, *args: Any, **kwargs: Any) -> list[str]:
        return self._tolerant("delete_many", [], *args, **kwargs)


class Limiter(flask_limiter.Limiter):
    """Flask-Limiter's limiter with a Redis storage that fails fast, so that its in-memory fallback
    (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED) takes over at once when Redis is down. One limiter is bound
    to every app a process makes (tests make many): each starts with its storage taken as reachable,
    not dead because an earlier app's storage was."""

    def init_app(self, app: Flask) -> None:
        self._storage_dead = False
        uri = str(app.config.get("RATELIMIT_STORAGE_URI") or "")
        if uri.startswith(("redis://", "rediss://", "redis+unix://")):
            app.config["RATELIMIT_STORAGE_OPTIONS"] = {
                **fail_fast_redis_options(), **(app.config.get("RATELIMIT_STORAGE_OPTIONS") or {})
            }
        # Counters namespaced like the queues and the cache: deployments (or test runs) sharing one Redis
        # never count each other's requests.
        app.config.setdefault("RATELIMIT_KEY_PREFIX", str(app.config.get("QUEUE_PREFIX") or "") + "limits")
        self._key_prefix = ""  # Flask-Limiter keeps the first app's prefix; each app takes its own
        super().init_app(app)


# Rendered fragments of public pages (signing/rendering.py); configured by config.cache_config.
cache = TolerantCache()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)
login_manager = LoginManager()
login_manager.login_view = "accounts.login"
# "basic": a changed browser fingerprint marks the session not fresh. "strong" would also touch the
# cookies of every anonymous visitor on every page (bench/ saw it), which no signer needs.
login_manager.session_protection = "basic"
login_manager.login_message = N_("Please log in to see this page.")
login_manager.localize_callback = gettext


def rowcount(result: Result[Any]) -> int:
    """The rows an UPDATE or DELETE matched. Session.execute() is typed as returning a Result; for those
    statements it is a CursorResult, which has the count."""
    return cast(CursorResult[Any], result).rowcount
