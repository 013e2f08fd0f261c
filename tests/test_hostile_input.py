"""Hostile input at every form and API route: each gets a clear 4xx, or is accepted when it is a
legitimate name, address or answer, never a 500, and nothing already stored changes.

What we accept and what we refuse, and why:
- Letters from any script (Arabic, Hebrew, CJK), decomposed accents and emoji (also ZWJ sequences such as
  a family emoji) are real names: accepted.
- Markup (< >), spreadsheet formula prefixes (= + - @), control characters (NUL, ESC, newline, DEL, C1)
  in a name or city: refused, as the form already says ("Please leave out ...").
- Bidirectional overrides, embeddings and isolates (U+202A-U+202E, U+2066-U+2069) turn "Anna" into a
  different-looking text on the public wall and in letters: refused or stripped, never stored.
- Other invisible format characters (zero-width space, BOM, word joiner) make look-alike names:
  refused or stripped. Zero-width (non-)joiners stay allowed: Persian, Indic scripts and emoji need them.
- U+FFFD (what undecodable bytes become) in a name is broken text: refused or stripped.
- A pile of combining marks on one letter ("Zalgo") smears over the lines around it: refused. Up to
  four marks per letter are accepted (Vietnamese uses two, some Indic and Thai clusters three).
- Invalid UTF-8 in a urlencoded body: Werkzeug drops a body that is not UTF-8 (a 422 for the empty
  form) and keeps undecodable %-escapes as the literal text "%FF"; both are harmless.
- A recipient's answer is free text shown escaped: markup and = are accepted as text; control
  characters other than tab and newlines, and bidi overrides, are refused (PostgreSQL cannot even store
  NUL).
- JSON: every field must have its type; null is "absent" for the optional strings (city, locale), and
  refused for the booleans. Unknown fields (confirmed_at, campaign_id, ...) are ignored, never assigned.
- A body over MAX_CONTENT_LENGTH (64 KiB) is 413 on every route.
"""
import json
import re
import unicodedata
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from conftest import add_campaign, mail_text, make_app, read_outbox, verify_path
from helpers import sign, sign_form
from petition_app.extensions import db

FORM = "application/x-www-form-urlencoded"
BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
ALLOWED_FORMAT = set("\u200c\u200d")  # zero-width non-joiner and joiner
ANSWER_LINK = re.compile(r"https?://[^\s\"<>]+(/respond/[A-Za-z0-9_.\-]+)")
ZALGO = "Anna" + "".join(chr(0x0300 + i) for i in range(40))
MB = 1_000_000
REFUSE, ACCEPT, EITHER = "refuse", "accept", "either"


@dataclass
class World:
    app: object
    slug: str
    verify: str  # a confirmation link of a signature that is not confirmed
    respond: str  # the answer link of the recipient that has demands `demands`
    unsubscribe: str
    withdraw: str  # a withdrawal link of a third signature
    demands: list
    other_demand: int  # a demand of another recipient


def query(app, sql, **params):
    with app.app_context():
        return db.session.execute(sa.text(sql), params).all()


def snapshot(world):
    """Every column of every signature, answer and campaign (a withdrawal, a confirmation, a mail counter
    or an answer changed by a refused request would all show)."""
    return {
        "signatures": query(world.app, "SELECT * FROM signatures ORDER BY id"),
        "answers": query(world.app, "SELECT * FROM answers ORDER BY demand_id"),
        "campaigns": query(world.app, "SELECT * FROM campaigns ORDER BY id"),
    }


def demand_ids(app, key):
    sql = "SELECT d.id FROM demands d JOIN recipients r ON r.id = d.recipient_id WHERE r.key = :key ORDER BY d.position"
    return [row[0] for row in query(app, sql, key=key)]


def signature_id(email):
    return db.session.execute(sa.text("SELECT id FROM signatures WHERE email = :e"), {"e": email}).scalar_one()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """One app for the whole file (a fresh app per case would take minutes): a campaign with a confirmed
    signature, an unconfirmed one, letters handed over and an answer. Every test compares snapshots."""
    from petition_app.letters.operations import send_letters
    from helpers import signature_link

    app = make_app(tmp_path_factory.mktemp("hostile"))
    with app.app_context():
        db.create_all()
    slug = add_campaign(app)
    client = app.test_client()
    sign(client, slug, name="Existing Signer", email="existing@example.org", city="Leiden", updates=True, public=True)
    client.post(verify_path(read_outbox(app)[-1]))
    sign(client, slug, name="Pending Signer", email="pending@example.org")
    verify = verify_path(read_outbox(app)[-1])
    sign(client, slug, name="Withdraw Target", email="withdraw@example.org")
    with app.app_context():
        send_letters(db.session.execute(sa.text("SELECT id FROM campaigns")).scalar_one())
        db.session.commit()
        unsubscribe = signature_link(app, "unsubscribe", signature_id("existing@example.org"))
        withdraw = None
        if "signing.withdraw" in app.view_functions:
            withdraw = signature_link(app, "withdraw", signature_id("withdraw@example.org"))
    message = next(m for m in read_outbox(app) if m["To"] == "mayor@example.org")
    respond = ANSWER_LINK.search(mail_text(message)).group(1)
    demands = demand_ids(app, "mayor")
    answer = {f"status_{demands[0]}": "considering", f"text_{demands[0]}": "We are looking into it."}
    assert client.post(respond, data=answer).status_code == 200
    yield World(app, slug, verify, respond, unsubscribe, withdraw, demands, demand_ids(app, "police")[0])
    with app.app_context():
        db.engine.dispose()


def unsafe_stored_text(value):
    """Why a stored short text is not clean (None when it is)."""
    if value is None:
        return None
    if any(ch in value for ch in "<>"):
        return "markup"
    if value.lstrip().startswith(("=", "+", "-", "@")):
        return "formula"
    for ch in value:
        category = unicodedata.category(ch)
        if category in ("Cc", "Cs", "Co") or ch == "\ufffd":
            return f"control U+{ord(ch):04X}"
        if category == "Cf" and ch not in ALLOWED_FORMAT:
            return f"format character U+{ord(ch):04X}"
    return None


def check(world, before, response, expect, email=None):
    """The answer is no 500, refused input changes nothing, accepted input adds one clean signature."""
    status = response.status_code
    assert status < 500, status
    after = snapshot(world)
    if expect == REFUSE:
        assert 400 <= status < 500, f"expected a 4xx, got {status}"
    elif expect == ACCEPT:
        assert status in (200, 202, 303), f"expected acceptance, got {status}: {response.get_data(as_text=True)[:300]}"
    if 400 <= status < 500:
        assert after == before, "refused input changed what was stored"
        return None
    # accepted: everything that was there is unchanged, at most one new (unconfirmed) signature
    assert after["signatures"][: len(before["signatures"])] == before["signatures"]
    assert after["answers"] == before["answers"] and after["campaigns"] == before["campaigns"]
    new = after["signatures"][len(before["signatures"]):]
    assert len(new) <= 1
    for row in new:
        assert row.email == email and row.confirmed_at is None and row.campaign_id == before["signatures"][0].campaign_id
        assert len(row.name) <= 100 and (row.city is None or len(row.city) <= 80)
        assert unsafe_stored_text(row.name) is None, f"name stored with {unsafe_stored_text(row.name)}: {row.name!r}"
        assert unsafe_stored_text(row.city) is None, f"city stored with {unsafe_stored_text(row.city)}: {row.city!r}"
    return new[0] if new else None


# ---------------------------------------------------------------- text fields (form and API alike)

TEXT_CASES = [
    # (id, field, value, expectation)
    ("name-10k", "name", "A" * 10_000, REFUSE),
    ("city-10k", "city", "L" * 10_000, REFUSE),
    ("email-10k", "email", "a" * 10_000 + "@example.org", REFUSE),
    ("name-nul", "name", "Anna\x00de Vries", REFUSE),
    ("name-nul-only", "name", "\x00", REFUSE),
    ("city-nul", "city", "Lei\x00den", REFUSE),
    ("email-nul", "email", "anna\x00@example.org", REFUSE),
    ("name-escape", "name", "\x1b[31mAnna\x1b[0m", REFUSE),
    ("name-bell", "name", "Anna\x07", REFUSE),
    ("name-newline", "name", "Anna\nde Vries", REFUSE),
    ("name-del", "name", "Anna\x7f", REFUSE),
    ("name-c1", "name", "An\x85na", REFUSE),
    ("email-header-injection", "email", "anna@example.org\r\nBcc: victim@example.org", REFUSE),
    ("name-whitespace-only", "name", " \t\u00a0\u3000 ", REFUSE),
    ("name-rlo", "name", "Anna \u202eseirV ed", EITHER),
    ("name-rli", "name", "\u2067Anna\u2069", EITHER),
    ("city-rlo", "city", "\u202enedieL", EITHER),
    ("name-zero-width-space", "name", "An\u200bna", EITHER),
    ("name-bom", "name", "\ufeffAnna", EITHER),
    ("name-replacement-char", "name", "Anna \ufffd\ufffd", EITHER),
    ("name-zalgo", "name", ZALGO, REFUSE),
    ("name-decomposed-accent", "name", "Rene\u0301e Me\u0302\u0323", ACCEPT),
    ("name-emoji", "name", "Anna \U0001f337", ACCEPT),
    ("name-emoji-zwj", "name", "\U0001f469\u200d\U0001f469\u200d\U0001f467 Familie", ACCEPT),
    ("name-persian-zwnj", "name", "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", ACCEPT),
    ("name-arabic", "name", "\u0641\u0627\u0637\u0645\u0629 \u0627\u0644\u0632\u0647\u0631\u0627\u0621", ACCEPT),
    ("name-hebrew", "name", "\u05e9\u05e8\u05d4 \u05dc\u05d5\u05d9", ACCEPT),
    ("name-cjk", "name", "\u674e\u5c0f\u9f99", ACCEPT),
    ("city-emoji", "city", "Leiden \U0001f337", ACCEPT),
    ("name-script", "name", "<script>alert(1)</script>", REFUSE),
    ("name-img", "name", "Anna<img src=x onerror=alert(1)>", REFUSE),
    ("city-script", "city", "<script>alert(1)</script>", REFUSE),
    ("email-script", "email", "<script>@example.org", REFUSE),
    ("name-entity", "name", "Anna &lt;b&gt; &amp;", ACCEPT),  # text, escaped when shown
    ("name-formula-eq", "name", "=HYPERLINK(\"https://evil.example\",\"Anna\")", REFUSE),
    ("name-formula-plus", "name", "+31612345678", REFUSE),
    ("name-formula-minus", "name", "-2+3+cmd|' /C calc'!A0", REFUSE),
    ("name-formula-at", "name", "@SUM(A1:A9)", REFUSE),
    ("name-formula-after-space", "name", "  =1+1", REFUSE),
    ("name-formula-after-tab", "name", "\t=1+1", REFUSE),
    ("city-formula-eq", "city", "=1+1", REFUSE),
    ("city-formula-plus", "city", "+Leiden", REFUSE),
    ("city-formula-minus", "city", "-Leiden", REFUSE),
    ("city-formula-at", "city", "@Leiden", REFUSE),
    ("name-sql", "name", "Robert'); DROP TABLE signatures;--", ACCEPT),  # a strange but harmless name
    ("email-unicode-rlo", "email", "anna\u202e@example.org", REFUSE),
]


def unique_email(case_id, transport):
    return f"{transport}-{case_id}@example.org".lower()


@pytest.mark.parametrize("case_id, field, value, expect", TEXT_CASES, ids=[c[0] for c in TEXT_CASES])
def test_hostile_text_in_the_sign_form(world, case_id, field, value, expect):
    email = unique_email(case_id, "form")
    fields = {**sign_form(email=email), field: value}
    before = snapshot(world)
    response = world.app.test_client().post(f"/campaigns/{world.slug}/sign", data=fields)
    check(world, before, response, expect, email if field != "email" else None)


@pytest.mark.parametrize("case_id, field, value, expect", TEXT_CASES, ids=[c[0] for c in TEXT_CASES])
def test_hostile_text_in_the_api(world, case_id, field, value, expect):
    email = unique_email(case_id, "api")
    payload = {"name": "Anna de Vries", "email": email, "city": "Leiden", "consent": True, field: value}
    before = snapshot(world)
    response = world.app.test_client().post(f"/api/v1/campaigns/{world.slug}/signatures", json=payload)
    check(world, before, response, expect, email if field != "email" else None)
    if 400 <= response.status_code < 500:
        assert response.is_json and "errors" in response.get_json()


# ---------------------------------------------------------------- bodies the sign form gets

FORM_BODIES = [
    # (id, body, content type, expectation)
    ("percent-invalid-utf8", b"name=%ff%fe%fdAnna&email=form-pct@example.org&consent=y", FORM, EITHER),
    ("percent-surrogate", b"name=%ed%a0%80Anna&email=form-sur@example.org&consent=y", FORM, EITHER),
    ("percent-overlong-slash", b"name=%c0%afAnna&email=form-ovl@example.org&consent=y", FORM, EITHER),
    ("raw-invalid-utf8", b"name=\xff\xfeAnna&email=form-raw@example.org&consent=y", FORM, REFUSE),
    ("raw-invalid-utf8-in-email", b"name=Anna&email=\xffform@example.org&consent=y", FORM, REFUSE),
    ("percent-nul", b"name=Anna%00&email=form-nul@example.org&consent=y", FORM, REFUSE),
    ("multipart-invalid-utf8",
     b'--b\r\nContent-Disposition: form-data; name="name"\r\n\r\n\xff\xfeAnna\r\n'
     b'--b\r\nContent-Disposition: form-data; name="email"\r\n\r\nform-mp@example.org\r\n'
     b'--b\r\nContent-Disposition: form-data; name="consent"\r\n\r\ny\r\n--b--\r\n',
     "multipart/form-data; boundary=b", EITHER),
    ("multipart-truncated", b'--b\r\nContent-Disposition: form-data; name="name"\r\n\r\nAnna', "multipart/form-data; boundary=b", REFUSE),
    ("json-body", json.dumps(sign_form(email="form-json@example.org")).encode(), "application/json", REFUSE),
    ("text-plain", b"name=Anna&email=form-text@example.org&consent=y", "text/plain", REFUSE),
    ("no-content-type", b"name=Anna&email=form-none@example.org&consent=y", None, REFUSE),
    ("empty", b"", FORM, REFUSE),
    ("repeated-fields", b"name=Anna&name=%3Cscript%3E&email=form-rep@example.org&email=x&consent=y", FORM, EITHER),
    ("consent-odd-value", b"name=Anna&email=form-cons@example.org&consent=%00", FORM, EITHER),
    ("body-over-limit", b"name=" + b"A" * MB + b"&email=form-big@example.org&consent=y", FORM, REFUSE),
    ("body-just-over-limit", b"name=Anna&email=form-big2@example.org&consent=y&x=" + b"A" * (64 * 1024), FORM, REFUSE),
]


@pytest.mark.parametrize("case_id, body, content_type, expect", FORM_BODIES, ids=[c[0] for c in FORM_BODIES])
def test_hostile_bodies_to_the_sign_form(world, case_id, body, content_type, expect):
    before = snapshot(world)
    email = re.search(rb"form-[a-z0-9]+@example\.org", body)
    response = world.app.test_client().post(f"/campaigns/{world.slug}/sign", data=body, content_type=content_type)
    check(world, before, response, expect, email.group().decode() if email else None)
    if case_id.startswith("body-"):
        assert response.status_code == 413


# ---------------------------------------------------------------- bodies and types the API gets

VALID = {"name": "Anna de Vries", "city": "Leiden", "locale": "en", "consent": True, "updates": False, "public": False}
WRONG_VALUES = {"number": 42, "float": 1.5, "list": ["Anna"], "object": {"a": "Anna"}, "null": None, "empty-list": [], "string-true": "true"}
TYPE_CASES = []
for _field in ("name", "email", "city", "locale", "consent", "updates", "public"):
    for _label, _value in WRONG_VALUES.items():
        if _field in ("name", "email", "city", "locale") and _label == "string-true":
            continue  # a string is the right type for a string field
        # null is "absent" for the optional strings; everywhere else a wrong type is refused
        _expect = ACCEPT if (_label == "null" and _field in ("city", "locale")) else REFUSE
        TYPE_CASES.append((f"{_field}-{_label}", _field, _value, _expect))
TYPE_CASES.append(("consent-false", "consent", False, REFUSE))
TYPE_CASES.append(("locale-unknown", "locale", "de", REFUSE))
TYPE_CASES.append(("locale-script", "locale", "<script>", REFUSE))
TYPE_CASES.append(("locale-nul", "locale", "n\x00l", REFUSE))
TYPE_CASES.append(("name-lone-surrogate", "name", "Anna\ud800", REFUSE))
TYPE_CASES.append(("email-lone-surrogate", "email", "anna\udfff@example.org", REFUSE))
TYPE_CASES.append(("city-lone-surrogate", "city", "\ud800", REFUSE))


@pytest.mark.parametrize("case_id, field, value, expect", TYPE_CASES, ids=[c[0] for c in TYPE_CASES])
def test_wrong_json_types(world, case_id, field, value, expect):
    email = unique_email(case_id, "type")
    payload = {**VALID, "email": email, field: value}
    before = snapshot(world)
    # json.dumps escapes lone surrogates as \ud800, which is what a hostile client would send
    response = world.app.test_client().post(
        f"/api/v1/campaigns/{world.slug}/signatures", data=json.dumps(payload), content_type="application/json"
    )
    check(world, before, response, expect, email if field != "email" else None)
    assert response.is_json


API_BODIES = [
    ("list", b'[{"name": "Anna", "email": "api-list@example.org", "consent": true}]', "application/json", REFUSE),
    ("bare-string", b'"Anna"', "application/json", REFUSE),
    ("bare-number", b"42", "application/json", REFUSE),
    ("null", b"null", "application/json", REFUSE),
    ("truncated", b'{"name": "Anna", "email": ', "application/json", REFUSE),
    ("empty", b"", "application/json", REFUSE),
    ("raw-invalid-utf8", b'{"name": "\xff\xfeAnna", "email": "api-raw@example.org", "consent": true}', "application/json", REFUSE),
    ("utf16", '{"name": "Anna", "email": "api-utf16@example.org", "consent": true}'.encode("utf-16"), "application/json", EITHER),
    ("nan", b'{"name": "Anna", "email": "api-nan@example.org", "consent": NaN}', "application/json", REFUSE),
    ("huge-number", b'{"name": 1' + b"0" * 5000 + b', "email": "api-num@example.org", "consent": true}', "application/json", REFUSE),
    ("deeply-nested-list", b"[" * 20_000 + b"]" * 20_000, "application/json", REFUSE),
    ("deeply-nested-object", b'{"a":' * 5_000 + b"1" + b"}" * 5_000, "application/json", REFUSE),
    ("nested-in-a-field", b'{"name": ' + b"[" * 20_000 + b"]" * 20_000 + b', "email": "api-nest@example.org"}', "application/json", REFUSE),
    ("text-plain", b'{"name": "Anna", "email": "api-text@example.org", "consent": true}', "text/plain", REFUSE),
    ("form-encoded", b"name=Anna&email=api-form%40example.org&consent=true", FORM, REFUSE),
    ("no-content-type", b'{"name": "Anna", "email": "api-none@example.org", "consent": true}', None, REFUSE),
    ("mass-assignment", json.dumps({"name": "Anna", "email": "api-mass@example.org", "consent": True, "confirmed": True,
                                    "confirmed_at": "2020-01-01T00:00:00Z", "campaign_id": 999, "id": 1, "mails_requested": -100,
                                    "email_verified": True}).encode(), "application/json", ACCEPT),
    ("body-over-limit", b'{"name": "' + b"A" * MB + b'", "email": "api-big@example.org", "consent": true}', "application/json", REFUSE),
]


@pytest.mark.parametrize("case_id, body, content_type, expect", API_BODIES, ids=[c[0] for c in API_BODIES])
def test_hostile_bodies_to_the_api(world, case_id, body, content_type, expect):
    before = snapshot(world)
    text = body.decode("utf-16") if case_id == "utf16" else body.decode("utf-8", "replace")
    email = re.search(r"api-[a-z0-9]+(@|%40)example\.org", text)
    url = f"/api/v1/campaigns/{world.slug}/signatures"
    response = world.app.test_client().post(url, data=body, content_type=content_type)
    check(world, before, response, expect, email.group().replace("%40", "@") if email else None)
    if case_id == "body-over-limit":
        assert response.status_code == 413
    elif 400 <= response.status_code < 500:
        assert response.is_json


# ---------------------------------------------------------------- private links with forged tokens

TOKEN_ROUTES = [
    ("signing.verify", "/verify/{}", ("GET", "POST")),
    ("signing.unsubscribe", "/unsubscribe/{}", ("GET", "POST")),
    ("signing.withdraw", "/withdraw/{}", ("GET", "POST")),
    ("signing.my_data", "/my-data/{}", ("GET",)),
    ("responses.respond", "/respond/{}", ("GET", "POST")),
]
FORGED = {
    "nul": "%00",
    "nul-in-token": "eyJzIjoxfQ%00.aaaa.bbbb",
    "5000-chars": "a" * 5000,
    "unicode": "%C3%A9%E2%9C%93%E2%80%AE",
    "dot-dot": "..%2f..%2fetc%2fpasswd",
    "three-dots": "x.y.z",
    "unsigned-payload": "eyJzIjoxfQ",
    "none-algorithm": "eyJzIjoxfQ.ZmFrZQ.",
    "sql": "1'%20OR%20'1'%3D'1",
}


def forged_tokens(world):
    real = {
        "verify": world.verify.rsplit("/", 1)[1],
        "unsubscribe": world.unsubscribe.rsplit("/", 1)[1],
        "respond": world.respond.rsplit("/", 1)[1],
    }
    tokens = dict(FORGED)
    for purpose, token in real.items():
        tokens[f"{purpose}-token-cut"] = token[:-3]
        # not the last character: its low bits are base64 padding, so some changes there decode the same
        tokens[f"{purpose}-token-flipped"] = token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:]
        tokens[f"{purpose}-token-extended"] = token + "A"
        tokens[f"{purpose}-token-with-nul"] = token + "%00"
        tokens[f"{purpose}-token"] = token  # valid, but only for its own route
    return tokens


@pytest.mark.parametrize("endpoint, pattern, methods", TOKEN_ROUTES, ids=[r[0] for r in TOKEN_ROUTES])
def test_forged_tokens_on_private_links(world, endpoint, pattern, methods):
    if endpoint not in world.app.view_functions:
        pytest.skip(f"{endpoint} does not exist (yet)")
    tokens = forged_tokens(world)
    client = world.app.test_client()
    failures = []
    before = snapshot(world)
    for label, token in tokens.items():
        purpose = label.removesuffix("-token")
        if label.endswith("-token") and endpoint.endswith(purpose):
            continue  # the genuine link for this very route: not hostile
        for method in methods:
            data = None
            if method == "POST":
                data = {f"status_{world.demands[0]}": "rejected", f"text_{world.demands[0]}": "Forged"}
            try:
                response = client.open(pattern.format(token), method=method, data=data)
            except Exception as exc:  # noqa: BLE001 - a 500 in the test client
                failures.append(f"{method} {label}: {type(exc).__name__}: {exc}"[:300])
                continue
            if not 400 <= response.status_code < 500:
                failures.append(f"{method} {label}: {response.status_code}")
    assert failures == []
    assert snapshot(world) == before


def test_a_body_over_the_limit_does_not_confirm(world):
    before = snapshot(world)
    response = world.app.test_client().post(world.verify, data={"x": "A" * MB})
    assert response.status_code == 413
    assert snapshot(world) == before


# ---------------------------------------------------------------- JSON sent to a web form

JSON_TO_FORMS = {
    "list": b"[1, 2]",
    "bare-string": b'"Anna"',
    "number": b"5",
    "null": b"null",
    "empty-object": b"{}",
    "deeply-nested": b"[" * 20_000 + b"]" * 20_000,
    "wrong-types": b'{"name": 5, "email": ["a@example.org"], "city": {"a": 1}, "consent": {"y": 1}, '
                   b'"status_{second}": ["accepted"], "text_{second}": 5, "csrf_token": 5, "submit": []}',
    "right-types": b'{"name": "Anna", "email": "json-form@example.org", "consent": "y", "status_{second}": "rejected"}',
}


@pytest.mark.parametrize("form", ["sign", "verify", "respond", "withdraw"])
@pytest.mark.parametrize("label", list(JSON_TO_FORMS))
def test_json_sent_to_a_web_form_is_refused(world, form, label):
    """Only the API reads JSON. Flask-WTF would feed a JSON body into a web form, where wrong types crash
    the validators, and where even `null` confirms or withdraws a signature through a side door."""
    urls = {"sign": f"/campaigns/{world.slug}/sign", "verify": world.verify, "respond": world.respond, "withdraw": world.withdraw}
    url = urls[form]
    if url is None:
        pytest.skip("no withdrawal route (yet)")
    body = JSON_TO_FORMS[label].replace(b"{second}", str(world.demands[1]).encode())
    before = snapshot(world)
    response = world.app.test_client().post(url, data=body, content_type="application/json")
    check(world, before, response, REFUSE)


# ---------------------------------------------------------------- the recipient's answer form

ANSWER_CASES = [
    # (id, status, text, expectation); posted for the recipient's second demand
    ("status-unknown", "hacked", "", REFUSE),
    ("status-uppercase", "ACCEPTED", "", REFUSE),
    ("status-10k", "a" * 10_000, "", REFUSE),
    ("status-nul", "accepted\x00", "", REFUSE),
    ("status-list-trick", "accepted', 'rejected", "", REFUSE),
    ("text-5001", "accepted", "x" * 5001, REFUSE),
    ("text-10k", "accepted", "x" * 10_000, REFUSE),
    ("text-1M", "accepted", "x" * MB, REFUSE),  # 413
    ("text-nul", "accepted", "We agree.\x00", REFUSE),
    ("text-escape", "accepted", "We agree.\x1b[2J", REFUSE),
    ("text-rlo", "accepted", "We \u202eeerga ton od\u202c.", EITHER),
    ("text-newlines-and-tabs", "accepted", "We agree.\r\n\r\n\tFirst step: January.", ACCEPT),
    ("text-script", "rejected", "<script>alert(1)</script> & <b>bold</b>", ACCEPT),  # shown escaped
    ("text-formula", "partly", "=1+1 is not an answer", ACCEPT),
    ("text-emoji-rtl-letters", "considering", "\U0001f337 \u0634\u0643\u0631\u0627 \u05ea\u05d5\u05d3\u05d4", ACCEPT),
]


@pytest.mark.parametrize("case_id, status, text, expect", ANSWER_CASES, ids=[c[0] for c in ANSWER_CASES])
def test_hostile_answers(world, case_id, status, text, expect):
    first, second = world.demands[:2]
    before = snapshot(world)
    client = world.app.test_client()
    response = client.post(world.respond, data={f"status_{second}": status, f"text_{second}": text})
    assert response.status_code < 500
    if case_id == "text-1M":
        assert response.status_code == 413
    after = snapshot(world)
    if expect == REFUSE:
        assert 400 <= response.status_code < 500, response.status_code
    elif expect == ACCEPT:
        assert response.status_code == 200, response.status_code
    if response.status_code >= 400:
        assert after == before
        return
    assert after["signatures"] == before["signatures"] and after["campaigns"] == before["campaigns"]
    answers = {row.demand_id: row for row in after["answers"]}
    assert answers[first] == next(row for row in before["answers"] if row.demand_id == first)  # untouched
    stored = answers[second].text
    assert "\x00" not in stored and not (BIDI_CONTROLS & set(stored)), repr(stored)
    assert all(unicodedata.category(ch) != "Cc" or ch in "\t\r\n" for ch in stored), repr(stored)
    page = client.get(f"/campaigns/{world.slug}").text
    assert "<script>alert(1)" not in page and "<b>bold</b>" not in page


RESPOND_BODIES = [
    ("raw-invalid-utf8", b"status_{second}=accepted&text_{second}=\xff\xfe", FORM),
    ("percent-invalid-utf8", b"status_{second}=%ff%fe&text_{second}=x", FORM),
    ("other-recipients-demand", b"status_{other}=rejected&text_{other}=Hijacked", FORM),
    ("demand-id-injection", b"status_1%20OR%201%3D1=rejected&status_{second}x=rejected&status_-1=rejected", FORM),
    ("truncated-multipart", b'--b\r\nContent-Disposition: form-data; name="status_{second}"\r\n\r\nrej', "multipart/form-data; boundary=b"),
]


@pytest.mark.parametrize("case_id, body, content_type", RESPOND_BODIES, ids=[c[0] for c in RESPOND_BODIES])
def test_hostile_bodies_to_the_answer_form(world, case_id, body, content_type):
    """None of these says anything for this recipient's demands: a 4xx, or the page again, and no change."""
    body = body.replace(b"{second}", str(world.demands[1]).encode()).replace(b"{other}", str(world.other_demand).encode())
    before = snapshot(world)
    response = world.app.test_client().post(world.respond, data=body, content_type=content_type)
    assert response.status_code == 200 or 400 <= response.status_code < 500
    assert snapshot(world) == before


# ---------------------------------------------------------------- odd path segments, on both databases

SEGMENTS = {
    "nul": "%00",
    "nul-after-slug": "{slug}%00",
    "newline-after-slug": "{slug}%0a",
    "5000-chars": "a" * 5000,
    "unicode": "%C3%A9%F0%9F%8C%B7%E2%80%AE",
    "dot-dot-slash": "..%2f..%2fetc%2fpasswd",
    "encoded-dot-dot": "%2e%2e",
    "double-encoded-nul": "%2500",
    "uppercase": "{upper}",
    "trailing-space": "{slug}%20",
    "sql": "x'%20OR%20'1'%3D'1",
    "like-wildcard": "%25",
}
SLUG_ROUTES = [
    ("GET", "/campaigns/{}"),
    ("GET", "/campaigns/{}/check-your-email"),
    ("POST", "/campaigns/{}/sign"),
    ("GET", "/api/v1/campaigns/{}"),
    ("POST", "/api/v1/campaigns/{}/signatures"),
]


def test_odd_path_segments(any_app):
    app = any_app
    slug = add_campaign(app)
    client = app.test_client()
    before = query(app, "SELECT COUNT(*) FROM signatures")
    failures = []
    for method, pattern in SLUG_ROUTES:
        for label, segment in SEGMENTS.items():
            path = pattern.format(segment.format(slug=slug, upper=slug.upper()))
            kwargs = {}
            if method == "POST" and "/api/" in path:
                kwargs = {"json": {"name": "Anna", "email": "path@example.org", "consent": True}}
            elif method == "POST":
                kwargs = {"data": sign_form(email="path@example.org")}
            try:
                response = client.open(path, method=method, **kwargs)
            except Exception as exc:  # noqa: BLE001 - a 500 in the test client
                failures.append(f"{method} {pattern} [{label}]: {type(exc).__name__}: {str(exc).splitlines()[0]}"[:250])
                continue
            if response.status_code != 404:
                failures.append(f"{method} {pattern} [{label}]: {response.status_code}")
    assert failures == []
    assert query(app, "SELECT COUNT(*) FROM signatures") == before


@pytest.mark.parametrize(
    "path, headers",
    [
        ("/?lang=%00", {}),
        ("/?lang=" + "x" * 5000, {}),
        ("/?lang=<script>", {}),
        ("/?lang=en&lang=xx", {}),
        ("/", {"Accept-Language": "\x00"}),
        ("/", {"Accept-Language": "*;q=nan, en;q=inf, nl;q=-1"}),
        ("/", {"Accept-Language": "x" * 8000}),
        ("/", {"Cookie": "session=" + "A" * 4000}),
        ("/", {"Cookie": "session=eyJsYW5nIjoiPHNjcmlwdD4ifQ.forged.signature"}),
        ("/privacy?" + "a=1&" * 2000, {}),
    ],
    ids=["lang-nul", "lang-5000", "lang-script", "lang-twice", "accept-language-nul", "accept-language-odd-q",
         "accept-language-8000", "session-cookie-junk", "session-cookie-forged", "many-query-parameters"],
)
def test_odd_requests_for_pages(world, path, headers):
    response = world.app.test_client().get(path, headers=headers)
    assert response.status_code == 200
    assert "<script>" not in response.text
    assert re.search(r'<html lang="(nl|en)"', response.text)


def test_nul_in_an_answer_is_refused_on_postgresql(pg_app):
    """PostgreSQL cannot store NUL at all: a NUL in an answer must be refused by the form, not crash the
    insert (SQLite would quietly store it, so this runs on the production database)."""
    from petition_app.tokens import make_token

    add_campaign(pg_app)
    with pg_app.app_context():
        recipient, demand = db.session.execute(
            sa.text("SELECT r.id, d.id FROM recipients r JOIN demands d ON d.recipient_id = r.id ORDER BY d.id LIMIT 1")
        ).one()
        token = make_token("respond", {"r": recipient})
    response = pg_app.test_client().post(f"/respond/{token}", data={f"status_{demand}": "accepted", f"text_{demand}": "Yes.\x00"})
    assert response.status_code == 422
    assert query(pg_app, "SELECT COUNT(*) FROM answers") == [(0,)]
