"""HTTP security headers on every response, and JSON only where JSON is read.

Signers may be survivors of sexual violence: a page of this site must not run anyone else's script, be
framed by another site (clickjacking a sign or confirm button), leak the private tokens in confirmation,
unsubscribe and answer links to other sites through the Referer header, or be kept by a browser or a
proxy cache. The headers here say so to the browser; they are a second line behind the code itself
(escaping templates, sanitised Markdown, signed tokens, CSRF tokens).

Referrer-Policy is `same-origin`, not `no-referrer`: both keep tokens from reaching other sites, but
Flask-WTF (WTF_CSRF_SSL_STRICT, on by default) refuses a form POST over HTTPS without a same-origin
Referer, so `no-referrer` would break every form in production.

`allow_framing` marks a view (the coming `/embed/<slug>`) that other sites may put in an iframe.

Only the JSON API reads JSON. Flask-WTF would otherwise feed a JSON body into any web form, where a
number, list or object in a field (or a body that is a list) makes the validators crash with a 500.
"""
from flask import abort, current_app, render_template, request

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


def allow_framing(view):
    """Let other sites frame this view (`frame-ancestors *`, no X-Frame-Options). Works above or below
    the route decorator, since it marks the function itself."""
    view.allow_framing = True
    return view


def _frameable():
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return bool(getattr(view, "allow_framing", False))


def refuse_json_outside_the_api():
    routed = request.endpoint is not None  # an unknown path stays a 404
    if routed and request.method not in ("GET", "HEAD", "OPTIONS") and request.is_json and request.blueprint != "api":
        abort(415)


def set_security_headers(response):
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
    if (
        request.method not in ("GET", "HEAD")
        or request.path.startswith(TOKEN_PATH_PREFIXES)
        or "token" in (request.view_args or {})
    ):
        headers["Cache-Control"] = "no-store"
    return response


def init_security(app):
    app.before_request(refuse_json_outside_the_api)
    app.after_request(set_security_headers)
    app.register_error_handler(415, lambda error: (render_template("errors/error.html", code=415), 415))
