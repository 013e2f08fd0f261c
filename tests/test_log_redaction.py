"""No part of an address or of a link's token in any log line (issue 20, point 9): odd but valid local
parts (`!`, `%`, `'`, `#`, `+`) used to leave their start in the line (`we!rd%[email]`), and access
lines (werkzeug's, gunicorn's) hold the paths and referrers of links from mails."""
import logging
import re
import threading
import urllib.error
import urllib.request

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from helpers import add_campaign, free_port, read_outbox, seed_signers, sign, signature_link, verify_path, wait_for
from petition_app.extensions import db

ODD = ["wezq!rdxy%kvqp@example.org", "obzr'ienq+tagzw@example.org", "hxqm#fjvo&plus@example.org", '"quoted jqzv"@example.org']


def fragments(secret):
    """The pieces of a local part or token a reader could search for (3 characters or more)."""
    local = secret.rsplit("@", 1)[0] if "@" in secret else secret
    return [piece for piece in re.split(r"[^A-Za-z0-9]+", local) if len(piece) >= 3] or [local]


def leaks(text, secrets):
    return sorted({piece for secret in secrets for piece in fragments(secret) if piece in text})


def test_refused_odd_addresses_leave_no_part_in_the_logs(app, smtp_server, caplog):
    slug = add_campaign(app)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    smtp_server.bounce.update(ODD)
    signed = []
    with caplog.at_level(logging.DEBUG):
        for address in ODD:
            response = sign(app.test_client(), slug, follow=False, email=address, lang="en")
            if response.status_code in (302, 303):
                signed.append(address)
    assert len(signed) >= 3, signed  # the form takes these addresses, so their mails are tried and refused
    assert "550" in caplog.text or "refused" in caplog.text.lower()  # the refusals were logged ...
    assert leaks(caplog.text, ODD) == []  # ... without any piece of the address
    assert "[email]" in caplog.text


@pytest.fixture
def served(app):
    """The app behind werkzeug's own server, whose access lines go to the `werkzeug` logger."""
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    thread.join(timeout=10)


def fetch(url, referer=None):
    request = urllib.request.Request(url, headers={"Referer": referer} if referer else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_following_token_links_leaves_no_token_in_the_access_lines(app, served, caplog):
    slug = add_campaign(app)
    sign(app.test_client(), slug, email="anna@example.org", lang="en")
    [mail] = read_outbox(app)
    with app.app_context():
        signature_id = db.session.execute(sa.text("SELECT id FROM signatures")).scalar_one()
    [confirmed] = seed_signers(app, slug, [{"email": "bram@example.org"}])
    paths = [
        verify_path(mail),
        signature_link(app, "my_data", confirmed),
        signature_link(app, "my_data", confirmed) + "/change",
        signature_link(app, "withdraw", confirmed),
        signature_link(app, "unsubscribe", confirmed),
        signature_link(app, "verify", signature_id),
    ]
    tokens = [path.split("/")[2] for path in paths]
    with caplog.at_level(logging.INFO):
        for path in paths:
            assert fetch(served + path + "?lang=en", referer=served + paths[0]) in (200, 302, 303, 404, 405)
        fetch(served + "/metrics?token=" + tokens[0])  # a secret in a query string, refused but logged
        wait_for(lambda: caplog.text.count("HTTP/1.1") >= len(paths) + 1, what="the access lines")
        # gunicorn's access line: the same factory rewrites it (request line, referrer)
        logging.getLogger("gunicorn.access").info(
            '%s - - [07/Dec/2026:04:00:00 +0000] "GET %s HTTP/1.1" 200 512 "%s" "Mozilla/5.0"',
            "203.0.113.9", paths[1], served + paths[0],
        )
    assert leaks(caplog.text, tokens) == []
    assert "/verify/[token]" in caplog.text and "/my-data/[token]/change" in caplog.text
    assert "203.0.113.9" not in caplog.text
