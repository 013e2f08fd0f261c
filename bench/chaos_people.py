"""The simulated signers of the soak (bench/chaos.py): each one a thread that uses the real pages over
nginx as a person with a browser and a mailbox would, and keeps a record of what it did and saw.

What a person does (`SCRIPTS`, drawn with the soak's seeded RNG): open the campaign page, sign with its
form (the form token taken from the page), read the confirmation mail at the SMTP sink, open its link
and press the button; some sign a second time (and expect an "already signed" mail), some withdraw
through the link in their mail (and expect the receipt), some sign again after that. Every HTTP answer
is recorded (`Answers`). An answer that is our own "try again" page (503 or 429 with Retry-After) makes
the person wait (at most MAX_PAUSE seconds) and try again; so does any error, which is also recorded as
one a person should never see. A person tries each step for at most PATIENCE seconds, and waits for a
mail until the soak's mail deadline; then gives up, and says so.
"""
from __future__ import annotations

import http.client
import random
import re
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, Callable
from urllib.parse import urlencode, urlsplit

from bench.chaos_stack import SLUG, Mail, Sink

PATIENCE = 120.0  # seconds a person keeps trying one step
MAX_PAUSE = 10.0  # the longest a person waits between two tries, whatever Retry-After says
NGINX_PAGE = re.compile(r"<center>nginx[^<]*</center>|Bad Gateway|Gateway Time-?out", re.I)
TOKEN_PATH = re.compile(r"/(verify|withdraw|my-data|unsubscribe)/[^/?#]+")

# name: steps, weight (out of 100)
SCRIPTS: dict[str, tuple[list[str], int]] = {
    "sign+confirm": (["sign", "confirm"], 55),
    "sign twice": (["sign", "confirm", "sign_again"], 12),
    "withdraw": (["sign", "confirm", "withdraw"], 13),
    "withdraw, sign again": (["sign", "confirm", "withdraw", "sign", "confirm"], 10),
    "never confirms": (["sign"], 5),
    "everything": (["sign", "confirm", "sign_again", "withdraw", "sign", "confirm"], 5),
}


def path_label(path: str) -> str:
    """A path as it may be printed: the tokens of links in mails replaced."""
    return TOKEN_PATH.sub(lambda m: f"/{m.group(1)}/<token>", path.split("?")[0])


# ---------------------------------------------------------------- HTTP answers


@dataclass
class Answer:
    at: float
    person: int
    method: str
    path: str
    status: int  # 0: no answer (connection refused, reset, timed out)
    verdict: str  # ok | retry (our page: 503/429 with Retry-After) | gateway (nginx's own page) | error (other 5xx) | no answer
    retry_after: float | None = None
    note: str = ""


class Answers:
    def __init__(self) -> None:
        self.items: list[Answer] = []
        self.lock = threading.Lock()

    def add(self, answer: Answer) -> None:
        with self.lock:
            self.items.append(answer)


def verdict_of(status: int, headers: Any, text: str) -> tuple[str, float | None]:
    retry_after = headers.get("Retry-After") if headers is not None else None
    seconds = None
    if retry_after is not None:
        try:
            seconds = float(retry_after)
        except ValueError:
            seconds = 5.0
    if status >= 500:
        if NGINX_PAGE.search(text):
            return "gateway", seconds
        if status == 503 and seconds is not None:
            return "retry", seconds
        return "error", seconds
    if status == 429:
        return "retry", seconds if seconds is not None else 5.0
    return "ok", seconds


class Response:
    def __init__(self, status: int, headers: Any, text: str, verdict: str, retry_after: float | None):
        self.status, self.headers, self.text, self.verdict, self.retry_after = status, headers, text, verdict, retry_after

    @property
    def bad(self) -> bool:
        return self.verdict != "ok"

    def location(self) -> str:
        return urlsplit(self.headers.get("Location", "")).path if self.headers is not None else ""


class Browser:
    """HTTP/1.1 to nginx from a loopback address of the person's own, keeping cookies (name=value)."""

    def __init__(self, port: int, source: str, person: int, language: str, answers: Answers, gate: threading.Semaphore):
        self.port, self.source, self.person, self.language, self.answers, self.gate = port, source, person, language, answers, gate
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, data: list[tuple[str, str]] | None = None) -> Response:
        headers = {"Accept-Language": self.language, "User-Agent": "petitions-soak"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Sec-Fetch-Site"] = "same-origin"
            headers["Origin"] = f"http://127.0.0.1:{self.port}"
        with self.gate:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=40, source_address=(self.source, 0))
            try:
                connection.request(method, path, body=body, headers=headers)
                raw = connection.getresponse()
                status, response_headers, text = raw.status, raw.headers, raw.read().decode("utf-8", "replace")
            except (OSError, http.client.HTTPException) as exc:
                self.answers.add(Answer(time.time(), self.person, method, path_label(path), 0, "no answer", note=type(exc).__name__))
                return Response(0, None, "", "no answer", None)
            finally:
                connection.close()
        for cookie in response_headers.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";")[0].partition("=")
            if not value or "max-age=0" in cookie.lower():  # deleted, as a browser drops it
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value
        verdict, retry_after = verdict_of(status, response_headers, text)
        note = ""
        if verdict in ("gateway", "error"):
            note = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))[:120]
        self.answers.add(Answer(time.time(), self.person, method, path_label(path), status, verdict, retry_after, note))
        return Response(status, response_headers, text, verdict, retry_after)


# ---------------------------------------------------------------- forms, as a browser sends them


class Forms(HTMLParser):
    """Every <form> of a page with the fields a browser would send (checked boxes only; the first
    option of a select unless one is selected) and its submit buttons."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, Any]] = []
        self._select: str | None = None
        self._select_value: str | None = None
        self._select_first: str | None = None
        self._textarea: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "method": a.get("method", "get").lower(), "fields": [], "submits": []})
            return
        if not self.forms:
            return
        form = self.forms[-1]
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    form["fields"].append((name, a.get("value", "on") or "on"))
            elif kind == "submit":
                form["submits"].append((name, a.get("value", "")))
            elif kind not in ("button", "reset", "file", "image"):
                form["fields"].append((name, a.get("value", "")))
        elif tag == "button" and name and a.get("type", "submit") == "submit":
            form["submits"].append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select, self._select_value, self._select_first = name, None, None
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in a:
                self._select_value = value
        elif tag == "textarea" and name:
            self._textarea = name
            form["fields"].append((name, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select is not None and self.forms:
            value = self._select_value if self._select_value is not None else self._select_first
            if value is not None:
                self.forms[-1]["fields"].append((self._select, value))
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None and self.forms:
            fields = self.forms[-1]["fields"]
            fields[-1] = (fields[-1][0], fields[-1][1] + data)

    def find(self, action_contains: str) -> dict[str, Any] | None:
        for form in self.forms:
            if form["method"] == "post" and action_contains in form["action"]:
                return form
        return None


def submit_fields(form: dict[str, Any], changes: dict[str, str | None] | None = None) -> list[tuple[str, str]]:
    """The form's fields with `changes` applied (None: the field left out, as an unchecked box), plus its
    first submit button, as a browser sends them."""
    changes = dict(changes or {})
    fields = []
    for name, value in form["fields"]:
        if name in changes:
            new = changes.pop(name)
            if new is not None:
                fields.append((name, new))
        else:
            fields.append((name, value))
    fields += [(k, v) for k, v in changes.items() if v is not None]
    if form["submits"]:
        fields.append(form["submits"][0])
    return fields


# ---------------------------------------------------------------- a person


@dataclass
class Life:
    """One signature of a person, from signing to withdrawing."""

    started: float  # time.time() of its first sign request
    sign_accepted: int = 0  # sign POSTs answered 303 while this signature was not confirmed
    sign_unsure: int = 0  # sign POSTs that got no clear answer (they may or may not have reached the app)
    again_accepted: int = 0  # sign POSTs answered 303 while this signature was confirmed
    again_unsure: int = 0
    signature_id: int | None = None
    confirm_started: float | None = None
    confirm_done: float | None = None
    withdraw_started: float | None = None
    withdraw_done: float | None = None


@dataclass
class Person:
    index: int
    email: str
    name: str
    language: str
    updates: bool
    script: str
    steps: list[str]
    source: str
    arrive_at: float  # seconds after the start of the soak
    lives: list[Life] = field(default_factory=list)
    state: str = "new"  # new | pending | confirmed | withdrawn
    done_steps: int = 0
    missing: list[str] = field(default_factory=list)  # kinds of mail waited for in vain
    gave_up: str | None = None
    finished: bool = False
    receipts_waited: int = 0


def make_people(rng: random.Random, count: int, arrival_window: float, pass_name: str) -> list[Person]:
    names = list(SCRIPTS)
    weights = [SCRIPTS[n][1] for n in names]
    people = []
    for i in range(count):
        script = rng.choices(names, weights)[0]
        people.append(Person(
            index=i, email=f"signer{i}.{pass_name}@soak.example.org", name=f"Soak Signer {i}",
            language=rng.choice(["nl", "en"]), updates=rng.random() < 0.7, script=script, steps=list(SCRIPTS[script][0]),
            source=f"127.{60 + i // 62500}.{(i // 250) % 250}.{i % 250 + 1}", arrive_at=rng.uniform(0, arrival_window),
        ))
    return people


class GaveUp(Exception):
    pass


class Walk(threading.Thread):
    """One person's way through the pages, in a thread of its own."""

    def __init__(self, person: Person, port: int, sink: Sink, answers: Answers, gate: threading.Semaphore,
                 mail_deadline: Callable[[], float], rng: random.Random):
        super().__init__(daemon=True, name=f"person-{person.index}")
        self.p, self.sink, self.mail_deadline, self.rng = person, sink, mail_deadline, rng
        self.browser = Browser(port, person.source, person.index, person.language, answers, gate)

    # -------------------------------------------------------- helpers

    def pause(self, response: Response | None = None) -> None:
        if response is not None and response.retry_after is not None:
            time.sleep(min(MAX_PAUSE, max(0.5, response.retry_after)))
        else:
            time.sleep(self.rng.uniform(1.0, 3.0))

    def think(self) -> None:
        time.sleep(self.rng.uniform(0.3, 1.5))

    def mails(self, kinds: tuple[str, ...], since: float) -> list[Mail]:
        return [m for m in list(self.sink.by_to.get(self.p.email, ())) if m.kind in kinds and m.at >= since]

    def wait_mail(self, kind: str, since: float) -> Mail | None:
        def newest() -> Mail | None:
            found = self.mails((kind,), since)
            return found[-1] if found else None

        mail = self.sink.wait(newest, self.mail_deadline())
        if mail is None:
            self.p.missing.append(kind)
        return mail

    def get(self, path: str, deadline: float, ok: Callable[[Response], bool] = lambda r: r.status == 200) -> Response:
        """GET until an answer that `ok` accepts; every other answer is recorded and tried again."""
        while True:
            response = self.browser.request("GET", path)
            if ok(response):
                return response
            if time.monotonic() > deadline:
                raise GaveUp(f"GET {path_label(path)}: {response.status} {response.verdict}")
            self.pause(response)

    def follow(self, response: Response) -> None:
        """A browser follows the 303 to its page; an error there costs the person nothing but a reload."""
        location = response.location()
        if location:
            try:
                self.get(location, time.monotonic() + PATIENCE)
            except GaveUp:
                pass

    # -------------------------------------------------------- steps

    def sign(self) -> None:
        p = self.p
        again = p.state == "confirmed"
        if not again:
            p.lives.append(Life(started=time.time()))
        life = p.lives[-1]
        since = time.time()
        deadline = time.monotonic() + PATIENCE
        while True:
            page = self.get(f"/campaigns/{SLUG}", deadline)
            form = Forms(page.text).find("/sign")
            if form is None:
                if time.monotonic() > deadline:
                    raise GaveUp("the campaign page has no sign form")
                self.pause()
                continue
            self.think()
            fields = submit_fields(form, {"name": p.name, "email": p.email, "city": "Leiden", "consent": "y",
                                          "updates": "y" if p.updates else None, "public": None, "website": ""})
            response = self.browser.request("POST", form["action"] or f"/campaigns/{SLUG}/sign", fields)
            if response.status == 303:
                if again:
                    life.again_accepted += 1
                else:
                    life.sign_accepted += 1
                self.follow(response)
                break
            if response.bad:
                if again:
                    life.again_unsure += 1
                else:
                    life.sign_unsure += 1
            if time.monotonic() > deadline:
                raise GaveUp(f"signing: {response.status} {response.verdict}")
            self.pause(response)
        if again:
            if self.wait_mail("already_signed", since) is None:
                raise GaveUp("no 'already signed' mail")
        else:
            p.state = "pending"
            mail = self.wait_mail("confirm", since)
            if mail is None:
                raise GaveUp("no confirmation mail")
            life.signature_id = mail.tokens.get("verify", {}).get("s")

    def confirm(self) -> None:
        p = self.p
        life = p.lives[-1]
        mails = self.mails(("confirm",), life.started)
        if not mails:
            raise GaveUp("no confirmation mail to confirm with")
        link = next((u for u in mails[-1].links if "/verify/" in u), None)
        if link is None:
            raise GaveUp("the confirmation mail has no link")
        path = urlsplit(link).path + ("?" + urlsplit(link).query if urlsplit(link).query else "")
        life.confirm_started = time.time()
        deadline = time.monotonic() + PATIENCE
        while True:
            page = self.get(path, deadline, ok=lambda r: r.status in (200, 404, 409, 410))
            if page.status != 200:
                raise GaveUp(f"the confirmation link answered {page.status}")
            form = Forms(page.text).find("/verify/")
            if form is None:  # "already confirmed": an earlier press went through after all
                break
            self.think()
            response = self.browser.request("POST", form["action"] or urlsplit(link).path, submit_fields(form))
            if response.status == 303 and "/confirmed" in response.location():
                self.follow(response)
                break
            if time.monotonic() > deadline:
                raise GaveUp(f"confirming: {response.status} {response.verdict}")
            self.pause(response)
        life.confirm_done = time.time()
        p.state = "confirmed"

    def withdraw(self) -> None:
        p = self.p
        life = p.lives[-1]
        link = None
        for mail in reversed(self.mails(("confirm", "already_signed"), life.started)):
            link = next((u for u in mail.links if "/withdraw/" in u), None)
            if link:
                break
        if link is None:
            raise GaveUp("no mail with a withdraw link")
        path = urlsplit(link).path + ("?" + urlsplit(link).query if urlsplit(link).query else "")
        since = life.withdraw_started = time.time()
        posted = False
        deadline = time.monotonic() + PATIENCE
        while True:
            page = self.get(path, deadline, ok=lambda r: r.status in (200, 404))
            if page.status == 404:
                if posted:  # an earlier press went through: the link died with the signature's secret
                    break
                raise GaveUp("the withdraw link answered 404 before it was used")
            form = Forms(page.text).find("/withdraw/")
            if form is None:
                raise GaveUp("the withdraw page has no form")
            self.think()
            response = self.browser.request("POST", form["action"] or urlsplit(link).path, submit_fields(form))
            posted = True
            if response.status == 200 and Forms(response.text).find("/withdraw/") is None:
                break
            if time.monotonic() > deadline:
                raise GaveUp(f"withdrawing: {response.status} {response.verdict}")
            self.pause(response)
        life.withdraw_done = time.time()
        p.state = "withdrawn"
        p.receipts_waited += 1
        if self.wait_mail("withdrawn", since) is None:
            raise GaveUp("no withdrawal receipt")
        time.sleep(self.rng.uniform(1.0, 3.0))  # read the receipt before anything else

    def run(self) -> None:
        steps = {"sign": self.sign, "sign_again": self.sign, "confirm": self.confirm, "withdraw": self.withdraw}
        try:
            for step in self.p.steps:
                steps[step]()
                self.p.done_steps += 1
                self.think()
        except GaveUp as reason:
            self.p.gave_up = str(reason)
        except Exception as exc:  # noqa: BLE001 - a bug of the soak itself: say so, never hide it
            self.p.gave_up = f"soak error: {type(exc).__name__}: {exc}"
        finally:
            self.p.finished = True
