"""End-to-end fixtures: the app served by gunicorn, real rq workers, an SMTP server and headless Chromium.

One web server (gunicorn, two workers) and one browser serve the whole e2e package; each test opens its
own browser contexts and creates its own data (campaigns, accounts, addresses), so the tests do not
depend on each other or on their order. The server, the workers and the CLI share one environment: the
test run's PostgreSQL database, a Redis queue prefix of this package's own, the SMTP server below and
BASE_URL pointing at the server, so that the links in the mails lead back to it.

The long-lived server has services of the package's own (`e2e_smtp`, a queue prefix in
`live_server.env`); a test's worker runs in that same environment (`worker`, or
`start_worker(live_server.env)` with changes).

A failing test leaves a screenshot and the HTML of each of its pages in test-artifacts/.

Chromium is Debian's (/usr/bin/chromium), driven by Playwright with `executable_path`; Playwright's
own browser download is never used (nor possible here). Without Chromium, the playwright package, Java
(for the HTML checker) or axe-core (from npm) a test is skipped locally and fails under CI=true.
"""
import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from helpers import (
    empty_database, example_campaign_data, free_port, mail_text, make_app, require_redis, running_smtp_server,
    service_env, service_missing, stop_process, wait_for,
)
from petition_app.config import PROJECT_ROOT
from petition_app.extensions import db

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture says so: a skip locally, a failure under CI=true
    expect = None

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
NPM_CACHE = PROJECT_ROOT / ".cache" / "npm"
AXE_PATH = NPM_CACHE / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "correct horse battery staple"
MAIL_TIMEOUT = 45  # a worker may still be starting when the first mail is queued


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


# ---------------------------------------------------------------- services shared by the package


@pytest.fixture(scope="package")
def e2e_smtp():
    """The SMTP server of the package's server and workers."""
    with running_smtp_server() as handler:
        yield handler


class LiveServer:
    """The app served by gunicorn in a subprocess, and the environment it runs in."""

    def __init__(self, url, env, log_path, smtp, app):
        self.url = url
        self.env = env
        self.log_path = log_path
        self.smtp = smtp
        self.app = app  # the app in this process, on the server's database, Redis and BASE_URL (local_app)

    def log(self, tail=4000):
        try:
            return Path(self.log_path).read_text(errors="replace")[-tail:]
        except OSError:
            return ""

    def flask(self, *args, check=True):
        """`flask --app wsgi ARGS` in the server's environment (the same database, Redis and BASE_URL)."""
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *args],
            cwd=PROJECT_ROOT, env=self.env, capture_output=True, text=True, timeout=120,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"flask {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        return result

    def import_campaign(self, folder, slug=None, **changes):
        """A campaign of this test's own from examples/safe-leiden.yaml, through `flask campaign import` run
        in this process (Flask's CLI runner: the command's own code without starting Python again, which
        cost a second and a half of CPU a campaign; tests/test_cli.py runs it from a shell). Its recipients
        get addresses of their own too."""
        slug = slug or unique("e2e")
        data = example_campaign_data(slug=slug, **changes)
        for recipient in data["recipients"]:
            recipient["email"] = f"{recipient['key']}-{slug}@example.org"
        path = Path(folder) / f"{slug}.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        result = self.app.test_cli_runner().invoke(args=["campaign", "import", str(path)])
        if result.exit_code != 0:
            raise AssertionError(f"flask campaign import failed ({result.exit_code}):\n{result.output}") from result.exception
        return slug

    def mail_to(self, address, what="a mail", since=0, worker=None, timeout=MAIL_TIMEOUT):
        """The first mail to `address` (after the first `since` mails of all), waiting for it to arrive."""

        def find():
            for message in list(self.smtp.messages)[since:]:
                if address in str(message["To"]):
                    return message
            return None

        try:
            return wait_for(find, timeout=timeout, interval=0.1, what=f"{what} to {address}")
        except AssertionError as exc:
            worker_log = ""
            if worker is not None and getattr(worker, "log_path", None):
                worker_log = Path(worker.log_path).read_text(errors="replace")[-3000:]
            raise AssertionError(f"{exc}\n--- worker log ---\n{worker_log}\n--- server log ---\n{self.log()}") from None

    def link_in(self, message, path):
        """The one absolute link to `path` (e.g. "/verify/") in a mail's text; it must point at this server."""
        links = set(re.findall(rf"https?://[^\s\"<>]+{re.escape(path)}[^\s\"<>]+", mail_text(message)))
        assert len(links) == 1, links
        link = links.pop()
        assert link.startswith(self.url + path), f"{link} does not lead to {self.url} (BASE_URL)"
        return link


def _get(url, timeout=2):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


@pytest.fixture(scope="package")
def live_server(migrated_postgres_url, e2e_smtp, tmp_path_factory):
    """gunicorn with two workers serving wsgi:app on a free port, as production runs it."""
    try:
        import gunicorn  # noqa: F401
    except ImportError as exc:
        service_missing("gunicorn (pip install '.[prod]')", exc)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = service_env(migrated_postgres_url, require_redis(), f"e2e-{uuid.uuid4().hex[:8]}-", url, MAIL_SERVER="127.0.0.1",
                      MAIL_PORT=e2e_smtp.port, RATELIMIT_ENABLED="false", APP_ENV="development")
    log_path = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    log = open(log_path, "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "--graceful-timeout", "5", "--access-logfile", "-", "wsgi:app"],
        cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    app = make_app(tmp_path_factory.mktemp("local-app"), migrated_postgres_url, BASE_URL=url, REDIS_URL=env["REDIS_URL"],
                   QUEUE_PREFIX=env["QUEUE_PREFIX"])
    server = LiveServer(url, env, log_path, e2e_smtp, app)
    try:
        wait_for(lambda: process.poll() is not None or _get(url + "/") == 200, timeout=60, interval=0.2, what="gunicorn")
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}:\n{server.log()}")
        yield server
    finally:
        stop_process(process, timeout=15)
        log.close()
        with app.app_context():
            db.engine.dispose()
        engine = sa.create_engine(migrated_postgres_url)  # leave the database empty, as the other tests expect it
        empty_database(engine)
        engine.dispose()


@pytest.fixture
def worker(live_server, start_worker):
    """A real `flask --app wsgi worker` for this test, in the server's environment (links in mails lead to it)."""
    return start_worker(live_server.env)


@pytest.fixture(scope="package")
def local_app(live_server):
    """The app in this process, on the server's database and with its BASE_URL and SECRET_KEY: only for
    what no page offers (the private answer link of a recipient without sending the letters)."""
    return live_server.app


# ---------------------------------------------------------------- the browser


@pytest.fixture(scope="package")
def browser():
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        service_missing("playwright (pip install -e '.[test]')", exc)
    if not os.path.exists(CHROMIUM):
        service_missing("Chromium", f"{CHROMIUM} not found (apt-get install chromium)")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    except PlaywrightError as exc:
        playwright.stop()
        service_missing("Chromium", exc)
    yield browser
    browser.close()
    playwright.stop()


PHONE = {
    "viewport": {"width": 390, "height": 844},
    "screen": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/156.0.0.0 Mobile Safari/537.36",
}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test, so that `new_page` knows whether to take screenshots."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _failed(node):
    return any(getattr(getattr(node, f"rep_{when}", None), "failed", False) for when in ("setup", "call"))


@pytest.fixture
def new_page(browser, live_server, request):
    """Open a page in a fresh browser context (its own cookies): `new_page(locale="nl-NL", **PHONE)`.
    Relative URLs go to the live server. A failed test keeps a screenshot and the HTML of every page."""
    opened = []

    def open_page(**options):
        options.setdefault("locale", "en-GB")
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(15_000)
        page = context.new_page()
        opened.append((context, page))
        return page

    yield open_page
    if _failed(request.node):
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid.split("::", 1)[-1])
        for n, (_, page) in enumerate(opened):
            try:
                page.screenshot(path=str(ARTIFACTS / f"{name}-{n}.png"), full_page=True)
                (ARTIFACTS / f"{name}-{n}.html").write_text(f"<!-- {page.url} -->\n" + page.content(), encoding="utf-8")
            except Exception as exc:  # noqa: BLE001 - a broken page must not hide the test's own failure
                print(f"no screenshot of page {n}: {exc}")
    for context, _ in opened:
        context.close()


def log_in(page, email, landing="/organize/", lang="en"):
    """Log in through the form, and wait for the page the account lands on."""
    page.goto(f"/account/login?lang={lang}")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("#submit").click()
    page.wait_for_url(f"**{landing}")


def served_html(response):
    """The body of a document response exactly as the server sent it."""
    assert response is not None, "no document response"
    return response.body().decode("utf-8")


# ---------------------------------------------------------------- axe-core


@pytest.fixture(scope="package")
def axe_source():
    """axe-core from the npm registry, installed once into .cache/npm (gitignored)."""
    if not AXE_PATH.exists():
        npm = shutil.which("npm")
        if npm is None:
            service_missing("npm (for axe-core)", "npm not found")
        result = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--prefix", str(NPM_CACHE), "axe-core@4"],
            capture_output=True, text=True, timeout=300,
        )
        if result.returncode != 0 or not AXE_PATH.exists():
            service_missing("axe-core from npm", result.stderr[-2000:])
    return AXE_PATH.read_text(encoding="utf-8")


SERIOUS = ("serious", "critical")


def axe_violations(page, axe_source):
    """Run axe-core (its default rules: WCAG 2.x A and AA, and best practices) on the page as it is now.

    axe is injected with `page.evaluate`, which the page's Content-Security-Policy does not govern, so the
    page is checked with its real CSP in force (no bypass_csp)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source)
    violations = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 200),
                                          summary: n.failureSummary}))}));
        }"""
    )
    return violations


def describe_violations(where, violations, impacts=SERIOUS):
    lines = []
    for v in (v for v in violations if v["impact"] in impacts):
        lines.append(f"{where}: [{v['impact']}] {v['id']}: {v['help']}")
        for node in v["nodes"][:5]:
            lines.append(f"    {node['target']}: {node['html']}")
    return lines


# ---------------------------------------------------------------- a tour of the public pages and forms


LOCALES = {"nl": "nl-NL", "en": "en-GB"}


class Visit:
    """One page of the tour: where it was, what the server sent, and what axe found on it."""

    def __init__(self, name, lang, url, status, html, violations):
        self.name, self.lang, self.url, self.status, self.html, self.violations = name, lang, url, status, html, violations

    @property
    def label(self):
        return f"{self.lang}/{self.name} ({self.url.split('?')[0]}, HTTP {self.status})"


_TOURS = {}  # language -> [Visit]: one tour per language serves both the axe and the HTML checks


def run_tour(lang, live_server, worker, page, axe_source, local_app, folder):
    """Every public page and form in `lang`, in the order a visitor meets them, with data of its own:
    the campaign list, a campaign, its sign form with errors, check-your-email, the verify page and the
    confirmed page (through the mail), the privacy statement, a 404, the login and register pages, the
    account pages on the way, the organizer's campaign form (new, with errors, and edit) and a recipient's
    answer page. Each page is checked by axe in the state the visitor sees, and kept as served."""
    visits = []
    tag = uuid.uuid4().hex[:8]

    def record(name, response):
        assert response is not None, f"{name}: no response"
        html = served_html(response)
        page.wait_for_load_state("load")
        visits.append(Visit(name, lang, page.url, response.status, html, axe_violations(page, axe_source)))

    def submit(button):
        with page.expect_navigation() as navigation:
            button.click()
        return navigation.value

    slug = live_server.import_campaign(folder, slug=f"tour-{lang}-{tag}")
    live_server.import_campaign(folder, slug=f"tour-{lang}-{tag}-2")  # a list of campaigns has several

    record("index", page.goto(f"/?lang={lang}"))
    record("campaign", page.goto(f"/campaigns/{slug}"))
    record("campaign-sign-errors", submit(page.locator("#sign [type=submit]")))
    signer = f"signer-{lang}-{tag}@example.org"
    page.locator("#name").fill("Sam Jansen")
    page.locator("#email").fill(signer)
    page.locator("#consent").check()
    record("check-your-email", submit(page.locator("#sign [type=submit]")))
    verify = live_server.link_in(live_server.mail_to(signer, "the confirmation mail", worker=worker), "/verify/")
    record("verify", page.goto(verify))
    record("confirmed", submit(page.locator("#submit")))
    record("privacy", page.goto("/privacy"))
    record("not-found", page.goto(f"/campaigns/no-such-campaign-{tag}"))
    record("login", page.goto("/account/login"))
    record("register", page.goto("/account/register"))

    organizer = f"organizer-{lang}-{tag}@example.org"
    page.locator("#name").fill("Safe Leiden")
    page.locator("#email").fill(organizer)
    page.locator("#password").fill(PASSWORD)
    page.locator("#password_repeat").fill(PASSWORD)
    record("account-check-your-email", submit(page.locator("#submit")))
    confirm = live_server.link_in(live_server.mail_to(organizer, "the account mail", worker=worker), "/account/confirm/")
    record("account-confirm", page.goto(confirm))
    submit(page.locator("#submit"))
    page.locator("#email").fill(organizer)
    page.locator("#password").fill(PASSWORD)
    submit(page.locator("#submit"))

    record("organizer-new", page.goto("/organize/new"))
    record("organizer-new-errors", submit(page.locator("#submit")))
    for name, value in {
        "organizer_name": "Safe Leiden", "title_nl": f"Tour {tag}", "title_en": f"Tour {tag}",
        "summary_nl": "Samenvatting.", "summary_en": "Summary.", "goals": "10 20",
    }.items():
        page.locator(f"#{name}").fill(value)
    submit(page.locator("#submit"))
    draft = re.search(r"/organize/([a-z0-9-]+)/recipients", page.url).group(1)
    page.locator("#name").fill("Leiden University")
    page.locator("#email").fill("board@example.org")
    record("organizer-recipients", submit(page.locator("#submit")))
    card = page.locator("section.card").first
    card.locator("summary").first.click()
    card.locator("input[name=email]").fill("board@@example.org")
    record("organizer-recipient-errors", submit(card.locator("form[action*='/recipients/'][action$='/edit'] button[type=submit]")))
    record("organizer-edit", page.goto(f"/organize/{draft}/edit"))

    from petition_app.accounts.models import User
    from petition_app.campaigns.models import Campaign
    from petition_app.letters.mailing import answer_url

    with local_app.app_context():
        campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == slug))
        respond = answer_url(campaign.recipients[0]).split("?")[0] + f"?lang={lang}"
        campaign.organizers.append(db.session.scalar(sa.select(User).where(User.email == organizer)))
        db.session.commit()
    record("organizer-dashboard", page.goto(f"/organize/{slug}"))
    page.locator("#body_nl").fill("Alleen in het Nederlands")
    record("organizer-update-errors", submit(page.locator("#update-submit")))
    record("organizer-correction", page.goto(f"/organize/{slug}/correct"))
    record("organizer-send-letters", page.goto(f"/organize/{slug}/letters/send"))
    record("respond", page.goto(respond))
    return visits


@pytest.fixture
def page_tour(request, live_server, new_page, axe_source, local_app, tmp_path):
    """`page_tour(lang)`: the tour's visits in that language, made once per package and language."""

    def tour(lang):
        if lang not in _TOURS:
            worker = request.getfixturevalue("worker")
            page = new_page(locale=LOCALES[lang])
            _TOURS[lang] = run_tour(lang, live_server, worker, page, axe_source, local_app, tmp_path)
        return _TOURS[lang]

    return tour
