"""HTTP security headers on every response, and JSON only where JSON is read.

Signers may be survivors of sexual violence: a page of this site must not run anyone else's script, be
framed by another site (clickjacking a sign or confirm button), leak the private tokens in confirmation,
unsubscribe and answer links to other sites through the Referer header, or be kept by a browser or a
proxy cache. The headers here say so to the browser; they are a second line behind the code itself
(escaping templates, sanitised Markdown, signed tokens, CSRF tokens).

Referrer-Policy is `same-origin`, not `no-referrer`: both keep tokens from reaching other sites, but
Flask-WTF (WTF_CSRF_SSL_STRICT, on by default) refuses a form POST over HTTPS without a same-origin
Referer, so `no-referrer` would break every form in production. `allow_framing` marks a view (the embed)
that other sites may put in an iframe.

A page or file meant for one person says `Cache-Control: no-store`, so that neither a shared computer's
browser cache nor a proxy keeps a dashboard, a signers.csv, a letter or a private link's page: every
answer of the accounts, organizers and admin blueprints, every view marked `private`, every route with
a token in its path, and every answer to a POST. tests/test_security.py walks app.url_map, so a new
route is either listed there as public or must say no-store.

A 429 carries `Retry-After` (what a view's TooManyRequests says, else when the Flask-Limiter limit that
was hit resets) and says in words, in the visitor's language, when to try again; the API answers JSON.

No form takes a file upload unless its view says so (`accepts_files`: the paper scans): a file sent where
a form expects text is refused with a 415 instead of reaching WTForms, whose text validators crash on a
FileStorage. Such a view names its file fields and its own body limit.

Public pages can be cached (issue 12): the campaign page, "check your email" and the thank-you page
after a confirmation, the list, the signer wall, the embed, the share kit and the open data
(CACHEABLE_ENDPOINTS) hold nothing personal. For an anonymous visitor their
GET answers `Cache-Control: public, max-age=PUBLIC_CACHE_SECONDS` with an ETag (a matching
If-None-Match gets a 304) and never set a cookie, so that nginx in front (deploy/nginx.conf) and
browsers may keep them for a few seconds: a count is at most that old. A logged-in organizer or
moderator sees their name and a logout form in the header: for them the same pages say no-store.
The two that say their visitor just signed or confirmed (KEPT_BY_NGINX_ONLY) are kept by nginx
only: browsers get no-store, nginx `X-Accel-Expires`. Right after the sign form, "check your email"
names the address from the signer's session once (signing.routes.sent_to): that answer is no-store
and keeps nothing in any cache.

The sign form is the one public POST, and it needs no session: instead of Flask-WTF's session-bound
CSRF token it carries a signed, time-limited form token bound to the campaign (sign_form_token), and
a cross-site request (Sec-Fetch-Site, else Origin) is refused. docs/architecture.md ("Cached public
pages and a sign form without a session") says why that is enough here. The confirmation form needs no
session either: the token in its path is the authorisation, and a cross-site POST is refused the same way.

Only the JSON API reads JSON. Flask-WTF would otherwise feed a JSON body into any web form, where a
number, list or object in a field (or a body that is a list) makes the validators crash with a 500.
"""
import math
import time
from datetime import datetime, timezone
from typing import Any, Callable, TypeVar
from urllib.parse import urlsplit

from flask import Flask, Response, abort, current_app, jsonify, render_template, request, session
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.exceptions import TooManyRequests
from werkzeug.routing import IntegerConverter

from .extensions import limiter

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
# Anything that is not a page (JSON, CSS, a PDF) needs to load nothing.
NON_HTML_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
REFERRER_POLICY = "same-origin"
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), interest-cohort=()"
HSTS = "max-age=31536000; includeSubDomains"
# Pages opened through a private link (the token is in the path) are never cached; so is any route
# with a <token> argument that is added later.
TOKEN_PATH_PREFIXES = ("/verify/", "/unsubscribe/", "/respond/", "/withdraw/", "/my-data/")
# Every page of these blueprints belongs to one account (or leads to one): never stored.
PRIVATE_BLUEPRINTS = frozenset({"accounts", "organizers", "admin", "paper", "recipients_admin"})
NO_STORE = "no-store"
# When the limit that was hit cannot be asked (Redis away, a 429 raised by hand): a minute.
DEFAULT_RETRY_AFTER = 60
# Ids are 32-bit integers in PostgreSQL (and at most 64-bit in SQLite): a larger number in a path is no id.
MAX_ID = 2**31 - 1

# Public pages that hold nothing personal, kept for PUBLIC_CACHE_SECONDS by nginx and browsers (see above).
CACHEABLE_ENDPOINTS = frozenset({
    "signing.campaign", "signing.check_your_email", "signing.confirmed", "campaigns.index", "campaigns.start", "reach.signers",
    "reach.embed", "reach.share_kit",
    "api.list_campaigns", "api.get_campaign", "api.daily_stats", "api.city_stats", "api.story_stats",
    "letters.record", "api.list_letter_records", "api.get_letter_record",
    "recipients.index", "recipients.show", "recipients.feed", "api.list_recipients", "api.get_recipient",
})
# Of those, the pages that say their visitor just signed or confirmed: nginx keeps them like the others
# (X-Accel-Expires), but browsers are told to store nothing, so a shared or watched device keeps no copy.
KEPT_BY_NGINX_ONLY = frozenset({"signing.check_your_email", "signing.confirmed"})
SIGN_FORM_SALT = "petition.sign-form.v1"
# A form token's time is rounded down to this many seconds, so that the page (and its ETag) stays the
# same between two count changes instead of changing every second with the token.
SIGN_FORM_TOKEN_STEP = 300
# Sec-Fetch-Site values of a form posted from one of our own pages ("none": the visitor's own action).
OWN_FETCH_SITES = frozenset({"same-origin", "none"})

View = TypeVar("View", bound=Callable[..., Any])


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: a number no id column can hold (/letters/10**30.pdf) is a 404, not
    an overflow in the database driver."""

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def private(view: View) -> View:
    """Mark a view outside the private blueprints whose answer is meant for one person: never stored."""
    view.private = True  # type: ignore[attr-defined]
    return view


def allow_framing(view: View) -> View:
    """Let other sites frame this view (`frame-ancestors *`, no X-Frame-Options). Works above or below
    the route decorator, since it marks the function itself."""
    view.allow_framing = True  # type: ignore[attr-defined]
    return view


def _view() -> Callable[..., Any] | None:
    return current_app.view_functions.get(request.endpoint) if request.endpoint else None


def _frameable() -> bool:
    return bool(getattr(_view(), "allow_framing", False))


def is_private() -> bool:
    """Whether this request's answer is meant for one person (see the module's docstring)."""
    return (
        request.blueprint in PRIVATE_BLUEPRINTS
        or bool(getattr(_view(), "private", False))
        or request.path.startswith(TOKEN_PATH_PREFIXES)
        or "token" in (request.view_args or {})
    )


def refuse_json_outside_the_api() -> None:
    routed = request.endpoint is not None  # an unknown path stays a 404
    if routed and request.method not in ("GET", "HEAD", "OPTIONS") and request.is_json and request.blueprint != "api":
        abort(415)


def accepts_files(max_bytes: int, *fields: str) -> Callable[[View], View]:
    """Mark a view whose form takes files in `fields` (and only there), with a body of up to `max_bytes`."""
    def mark(view: View) -> View:
        view.accepts_files = (max_bytes, frozenset(fields))  # type: ignore[attr-defined]
        return view
    return mark


def allow_larger_bodies() -> None:
    """A view that takes files takes a body of up to its own limit (MAX_CONTENT_LENGTH elsewhere). Runs
    before every other hook: Flask-WTF's CSRF check reads the form first, and a body read under the
    general 64 KiB is refused with 413 (a scan of paper signatures was, behind nginx)."""
    allowed = getattr(_view(), "accepts_files", None)
    if allowed and request.method == "POST":
        request.max_content_length = allowed[0]


def refuse_files() -> None:
    """No form here takes a file unless its view says so; a file in a text field would crash the
    validators (FileStorage)."""
    allowed = getattr(_view(), "accepts_files", None)
    if allowed and request.method == "POST":
        if set(request.files) - allowed[1]:
            abort(415)
        return
    routed = request.endpoint is not None and request.blueprint != "api"  # the API reads only its JSON
    if routed and request.method not in ("GET", "HEAD", "OPTIONS") and request.files:
        abort(415)


def sign_form_token(slug: str) -> str:
    """The sign form's token for this campaign: signed with SECRET_KEY, not bound to any session."""
    issued = int(time.time()) // SIGN_FORM_TOKEN_STEP * SIGN_FORM_TOKEN_STEP
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SIGN_FORM_SALT).dumps([slug, issued])


def sign_form_token_valid(token: object, slug: str) -> bool:
    """Whether `token` was made by sign_form_token for this campaign within SIGN_FORM_TOKEN_MAX_AGE."""
    if not isinstance(token, str) or not token or len(token) > 500:
        return False
    try:
        made_for, issued = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SIGN_FORM_SALT).loads(token)
    except (BadSignature, ValueError, TypeError):
        return False
    age = time.time() - issued if isinstance(issued, int) else -1
    return made_for == slug and 0 <= age <= current_app.config["SIGN_FORM_TOKEN_MAX_AGE"] + SIGN_FORM_TOKEN_STEP


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def from_this_site() -> bool:
    """Whether a POST came from one of our own pages, as browsers say it: Sec-Fetch-Site where sent
    (every current browser), else Origin (older ones); a request with neither (curl, an old browser)
    is let through, since the form token and the confirmation mail still stand in its way."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site:
        return fetch_site in OWN_FETCH_SITES
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    return origin.lower() in {_origin(request.host_url), _origin(current_app.config["BASE_URL"])}


def _logged_in() -> bool:
    return bool(current_user and current_user.is_authenticated)


def cache_public_pages(response: Response) -> Response:
    """Public pages for anonymous visitors: public, max-age, an ETag, a 304 where it matches (see
    the module's docstring); the same pages are no-store for a logged-in organizer or moderator."""
    if request.endpoint not in CACHEABLE_ENDPOINTS or request.method not in ("GET", "HEAD"):
        return response
    if _logged_in():
        response.headers["Cache-Control"] = NO_STORE
        return response
    response.vary.add("Accept-Language")  # without ?lang= the language comes from the browser ...
    response.vary.add("Cookie")  # ... or from the `lang` cookie of an earlier choice (i18n.py)
    # A cookie set here (the session, a language choice) would make the answer one person's.
    if response.status_code != 200 or "Set-Cookie" in response.headers or session.modified:
        return response
    seconds = current_app.config["PUBLIC_CACHE_SECONDS"]
    if request.endpoint in KEPT_BY_NGINX_ONLY:
        # nginx (1.22, Debian 12) reads the headers in order and drops it before the client sees it; a
        # no-store read before X-Accel-Expires would make it ignore X-Accel-Expires, so that comes first.
        response.headers.pop("Cache-Control", None)
        response.headers["X-Accel-Expires"] = str(seconds)
        response.headers["Cache-Control"] = NO_STORE
    elif "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = f"public, max-age={seconds}"
    if not response.direct_passthrough:
        response.add_etag()
        response.make_conditional(request)
    return response


def set_security_headers(response: Response) -> Response:
    headers = response.headers
    frameable = _frameable()
    policy = CONTENT_SECURITY_POLICY if response.mimetype == "text/html" else NON_HTML_CONTENT_SECURITY_POLICY
    headers["Content-Security-Policy"] = policy.replace("frame-ancestors 'none'", "frame-ancestors *") if frameable else policy
    if frameable:
        headers.pop("X-Frame-Options", None)
    else:
        headers["X-Frame-Options"] = "DENY"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = REFERRER_POLICY
    headers["Permissions-Policy"] = PERMISSIONS_POLICY
    if request.is_secure:  # over plain HTTP the header is meaningless and would only confuse
        headers["Strict-Transport-Security"] = HSTS
    if request.method not in ("GET", "HEAD") or is_private():
        headers["Cache-Control"] = NO_STORE
    return response


def retry_after(error: Exception) -> int:
    """Seconds until the request may succeed: what the 429 says, else when the limit hit resets."""
    given = getattr(error, "retry_after", None)
    if isinstance(given, datetime):
        given = (given if given.tzinfo else given.replace(tzinfo=timezone.utc)).timestamp() - time.time()
    if given is None:
        try:
            hit = limiter.current_limit
            given = hit.window.reset_time - time.time() if hit is not None else None
        except Exception:  # noqa: BLE001 - the limiter's storage may be away (RATELIMIT_SWALLOW_ERRORS)
            given = None
    if given is None:
        return DEFAULT_RETRY_AFTER
    return max(1, math.ceil(given))


def too_many_requests(error: TooManyRequests) -> tuple[Response, int]:
    """429 with Retry-After, as JSON for the API and as a translated page saying when to try again."""
    seconds = retry_after(error)
    if request.path.startswith("/api/"):
        response = jsonify({"error": "too_many_requests"})
    else:
        response = Response(render_template("errors/error.html", code=429, retry_after=seconds, minutes=math.ceil(seconds / 60)))
    response.headers["Retry-After"] = str(seconds)
    return response, 429


def init_security(app: Flask) -> None:
    app.before_request_funcs.setdefault(None, []).insert(0, allow_larger_bodies)
    app.before_request(refuse_json_outside_the_api)
    app.before_request(refuse_files)
    app.after_request(set_security_headers)
    app.after_request(cache_public_pages)  # after_request runs in reverse: this one first
    app.register_error_handler(415, lambda error: (render_template("errors/error.html", code=415), 415))
    app.register_error_handler(429, too_many_requests)
