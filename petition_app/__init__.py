"""The petition platform: create_app builds the Flask application from a configuration class."""
import logging
import os
import re
from pathlib import Path
from typing import Any

from flask import Flask, Response, jsonify, make_response, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from redis import exceptions as redis_exc
from sqlalchemy import exc as sa_exc
from werkzeug.http import HTTP_STATUS_CODES
from flask_babel import format_decimal, get_locale
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import (
    DEFAULT_BASE_URL, PROJECT_ROOT, Config, cache_config, instance_secret_key, remembered_base_url, require_shared_limits,
)
from .extensions import babel, cache, csrf, db, limiter, login_manager, migrate
from . import logging_privacy
from .i18n import count_sentence, select_locale
from .markdown import render_markdown
from .rules.states import TEMPLATE_STATES
from .security import IdConverter, init_security


def create_app(
    config: type[Config] | Config = Config, *, instance_path: str | Path | None = None, **overrides: Any,
) -> Flask:
    """The application: `config` (a class or an instance) with `overrides` on top of it, as config keys.
    `instance_path` is where the instance folder lives (secret key, SQLite file, outbox), by default
    `instance/` in the project; it is a parameter, not a config key, because Flask needs it before the
    configuration is read."""
    if "INSTANCE_PATH" in overrides:
        raise TypeError("create_app() takes the instance folder as instance_path=, not INSTANCE_PATH=")
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(Path(instance_path if instance_path is not None else PROJECT_ROOT / "instance").resolve()),
    )
    app.url_map.converters["int"] = IdConverter  # before any route: <int:id> never overflows an id column
    app.config.from_object(config)
    app.config.update(overrides)
    _complete_config(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    login_manager.init_app(app)
    cache.init_app(app, config=cache_config(app.config))

    if app.config["PROXY_COUNT"]:
        count = app.config["PROXY_COUNT"]
        # Flask declares wsgi_app a method, yet replacing it with middleware is its documented way.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)  # type: ignore[method-assign]

    from . import models  # noqa: F401  (every table known to Alembic and create_all)
    from .accounts import bp as accounts_bp
    from .admin import bp as admin_bp
    from .api import bp as api_bp
    from .campaigns import bp as campaigns_bp
    from .letters import bp as letters_bp
    from .monitoring import bp as monitoring_bp, init_app as init_monitoring
    from .reach import bp as reach_bp
    from .organizers import bp as organizers_bp
    from .paper import bp as paper_bp
    from .recipients import admin_bp as recipients_admin_bp, bp as recipients_bp
    from .responses import bp as responses_bp
    from .signing import bp as signing_bp
    from .stories import bp as stories_bp

    app.register_blueprint(campaigns_bp)
    app.register_blueprint(signing_bp)
    app.register_blueprint(letters_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(responses_bp)
    app.register_blueprint(reach_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(organizers_bp)
    app.register_blueprint(paper_bp)
    app.register_blueprint(recipients_bp)
    app.register_blueprint(recipients_admin_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(stories_bp)
    app.register_blueprint(monitoring_bp)
    init_monitoring(app)

    from .cli import register_commands

    register_commands(app)
    register_receivers(app)
    _register_template_helpers(app)
    _register_error_pages(app)
    init_security(app)
    logging_privacy.watch_token_paths(app.url_map.iter_rules())
    return app


def _complete_config(app: Flask) -> None:
    logging_privacy.install()
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config["BASE_URL"] = app.config["BASE_URL"].rstrip("/")
    production = app.config["APP_ENV"] == "production"
    if not production and app.config["BASE_URL"] == DEFAULT_BASE_URL and not os.environ.get("BASE_URL"):
        # Nothing chose the address: a command run beside `make demo PORT=...` follows the demo's port.
        app.config["BASE_URL"] = remembered_base_url(app.instance_path) or DEFAULT_BASE_URL
    if app.config.get("SESSION_COOKIE_SECURE") is None:
        app.config["SESSION_COOKIE_SECURE"] = app.config["BASE_URL"].startswith("https://")
    if not app.config.get("SECRET_KEY"):
        if production:
            raise RuntimeError("SECRET_KEY must be set when APP_ENV=production")
        app.config["SECRET_KEY"] = instance_secret_key(app.instance_path)
    if production:
        require_shared_limits(app.config)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'petition.db'}"
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgres://") or uri.startswith("postgresql://"):
        # psycopg 3 is the driver we install; plain postgresql:// would ask for psycopg2.
        app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + uri.split("://", 1)[1]
    elif uri.startswith("sqlite"):
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options.setdefault("connect_args", {"timeout": 30})
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def register_receivers(app: Flask) -> None:
    """Connect every receiver of petition_app.signals, here in one list rather than as a side effect of
    importing the module that holds it: reading this says who acts when a goal is reached or a campaign
    file is imported. Blinker's signals are process-wide and connecting a function twice is a no-op, so
    every app made in one process (tests make many) shares these connections."""
    # Imported here, as the blueprints are: the domains sit above the factory's own imports.
    from .letters.queries import receipts_of
    from .letters.tasks import compile_at_the_goal
    from .notifications.tasks import announce_when_reached
    from .signals import campaign_file_imported, goal_reached, receipts_wanted
    from .stories.settings import apply_campaign_file

    goal_reached.connect(announce_when_reached)  # signers who asked for updates hear of the goal
    goal_reached.connect(compile_at_the_goal)  # the last goal compiles the letters with that count
    campaign_file_imported.connect(apply_campaign_file)  # a file's `stories:` section sets up stories
    receipts_wanted.connect(receipts_of)  # a signer's data page lists the letter records they are in


def _register_template_helpers(app: Flask) -> None:
    app.jinja_env.globals.update(TEMPLATE_STATES)  # every state enum and set, so templates spell none
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.globals["count_sentence"] = count_sentence  # the one sentence for a count (issue 20)
    app.jinja_env.filters["number"] = lambda value: format_decimal(value)

    @app.context_processor
    def inject_locale() -> dict[str, Any]:
        locale = str(get_locale()) if request else app.config["BABEL_DEFAULT_LOCALE"]
        return {"current_locale": locale, "switch_language_url": switch_language_url}

    def switch_language_url(lang: str) -> str:
        # A form re-rendered after a POST switches language on the page it belongs to.
        if request.method == "GET" or request.endpoint == "signing.verify":
            return url_for(request.endpoint, **(request.view_args or {}), lang=lang) if request.endpoint else f"?lang={lang}"
        if request.endpoint == "signing.sign_campaign":
            return url_for("signing.campaign", slug=(request.view_args or {})["slug"], lang=lang)
        return url_for("campaigns.index", lang=lang)


def _register_error_pages(app: Flask) -> None:
    def error_page(error: Exception, code: int) -> ResponseReturnValue:
        if request.path.startswith("/api/"):
            return jsonify({"error": HTTP_STATUS_CODES.get(code, "error").lower().replace(" ", "_")}), code
        if code == 500:
            original = getattr(error, "original_exception", None)
            if original is not None and database_unavailable(original):
                return service_unavailable_page(original)  # a lost connection is a 503, wherever it surfaced
            try:  # the page itself must not fail on what made the request fail
                db.session.rollback()
            except sa_exc.SQLAlchemyError:
                pass
            _without_unloaded_user()
        return render_template("errors/error.html", code=code), code

    for code in (400, 403, 404, 405, 410, 413, 500):  # 415 and 429: security.py
        app.register_error_handler(code, lambda error, code=code: error_page(error, code))
    # A part that cannot be reached: 503, never a 500 (issue 18). Redis is needed by no page a visitor
    # opens (docs/architecture.md, "When a part is down"); this catches whatever still asks it (the
    # moderators' list of failed jobs) as well.
    for error_class in (sa_exc.SQLAlchemyError, redis_exc.ConnectionError, redis_exc.TimeoutError):
        app.register_error_handler(error_class, service_unavailable_page)


# ---------------------------------------------------------------- a part is down (issue 18)

log = logging.getLogger(__name__)

#: Seconds a 503 asks the client to wait: a restart of PostgreSQL or Redis takes a few.
UNAVAILABLE_RETRY_AFTER = 30
# SQLSTATEs that mean the connection is gone, not that the statement was wrong: class 08 (connection
# exception), the server shutting down (57P01 admin, 57P02 crash) or still starting (57P03).
_CONNECTION_SQLSTATES = ("08", "57P01", "57P02", "57P03")
# A form field whose value the retry form never carries back (a password, a secret code): it is typed
# again. The form tokens the original form carried (the sign form's, Flask-WTF's) go back with it.
_SECRET_FIELD = re.compile(r"pass|secret|token|code|key|otp", re.IGNORECASE)
_FORM_TOKENS = frozenset({"csrf_token"})
# Carried back but not shown: tokens, the honeypot, the share link's tag, buttons and where to go next.
_NOT_SHOWN = frozenset({"csrf_token", "website", "source", "submit", "next", "confirm"})


def database_unavailable(error: BaseException) -> bool:
    """True for an error that says the database cannot be reached now (down, restarting, a connection it
    closed, no free connection in the pool), as opposed to a statement it refused."""
    link: BaseException | None = error
    for _ in range(5):  # the error itself, or what it was raised from
        if link is None:
            return False
        if _says_unreachable(link):
            return True
        link = link.__cause__ or link.__context__
    return False


def _says_unreachable(error: BaseException) -> bool:
    if isinstance(error, sa_exc.TimeoutError):  # the pool had no connection to give in time
        return True
    if isinstance(error, sa_exc.PendingRollbackError) and "invalid transaction" in str(error):
        return True  # its connection was lost earlier in this request ("Can't reconnect until invalid transaction is rolled back")
    if not isinstance(error, sa_exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if not isinstance(error, (sa_exc.OperationalError, sa_exc.InterfaceError)):
        return False
    # psycopg gives every error a sqlstate, None for a connection that failed or broke on our side;
    # sqlite3's errors have none at all ("database is locked" is no outage).
    sqlstate = getattr(error.orig, "sqlstate", "")
    return sqlstate is None or str(sqlstate).startswith(_CONNECTION_SQLSTATES)


def _fields_to_send_again() -> list[tuple[str, str]]:
    """The fields of the POST that failed, as typed, but for secrets (see _SECRET_FIELD)."""
    return [
        (name, value) for name, value in request.form.items(multi=True)
        if name in _FORM_TOKENS or not _SECRET_FIELD.search(name)
    ]


def _without_unloaded_user() -> None:
    """A logged-in visitor whose account could not be read is shown the page as anyone (the header
    reads current_user, and reading it now would fail again)."""
    try:
        current_user.is_authenticated  # noqa: B018 - loads the account, from the database
    except sa_exc.SQLAlchemyError:
        login_manager._update_request_context_with_user()  # anonymous, for this answer


def service_unavailable_page(error: Exception) -> Response:
    """503 with Retry-After when the database (or Redis) cannot be reached: "Sorry, the service is
    unavailable", in the visitor's language, no-store. After a POST the page keeps what was typed: a
    form that sends the same fields to the same address again ("Try again") and shows them. Any other
    database error is not ours to soften: it goes on to the 500 page."""
    if isinstance(error, redis_exc.RedisError):
        part = "Redis"
    elif database_unavailable(error):
        part = "the database"
    else:
        raise error
    log.warning("%s cannot be reached (%s); answered 503", part, type(getattr(error, "orig", None) or error).__name__)
    try:
        db.session.rollback()
    except sa_exc.SQLAlchemyError:
        pass
    _without_unloaded_user()
    if request.path.startswith("/api/"):
        response = make_response(jsonify({"error": "service_unavailable"}))
    else:
        fields = _fields_to_send_again() if request.method == "POST" else []
        url = request.script_root + request.path
        if request.query_string:
            url += "?" + request.query_string.decode("utf-8", "replace")
        # Shown: what was typed; a ticked box ("y") goes back with the rest but says nothing on its own.
        shown = [(name, value) for name, value in fields if name not in _NOT_SHOWN and value.strip() not in ("", "y")]
        response = make_response(render_template(
            "errors/error.html", code=503, resend=request.method == "POST", fields=fields, shown=shown, retry_url=url,
        ))
    response.status_code = 503
    response.headers["Retry-After"] = str(UNAVAILABLE_RETRY_AFTER)
    response.headers["Cache-Control"] = "no-store"
    return response
