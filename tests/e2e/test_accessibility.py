"""Accessibility: axe-core on every public page and form in both languages, the sign form with the
keyboard alone, a visible focus, and errors that are announced and tied to their fields."""
import pytest

from .conftest import PASSWORD, describe_violations, expect, unique

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.worker]


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_no_serious_or_critical_axe_violation_on_any_public_page(page_tour, lang):
    visits = page_tour(lang)
    assert len(visits) >= 15
    found = [line for visit in visits for line in describe_violations(visit.label, visit.violations)]
    lesser = [line for visit in visits for line in describe_violations(visit.label, visit.violations, ("moderate", "minor"))]
    print("axe-core, moderate and minor (not counted):", *lesser, sep="\n")
    assert not found, "axe-core found serious or critical violations:\n" + "\n".join(found)


FOCUSED = """() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    return {tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute('name') || '', type: el.type || '',
            text: (el.innerText || el.value || '').trim().slice(0, 40), href: el.getAttribute('href') || '',
            outline: style.outlineStyle, outlineWidth: style.outlineWidth, boxShadow: style.boxShadow};
}"""


def focused(page):
    return page.evaluate(FOCUSED)


def tab_to(page, predicate, limit, seen=None):
    """Press Tab until the focused element satisfies `predicate`; every stop is appended to `seen`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        element = focused(page)
        if seen is not None:
            seen.append(element)
        if predicate(element):
            return element
    raise AssertionError(f"not reached with {limit} presses of Tab; last focus: {element}")


def visibly_focused(element):
    has_outline = element["outline"] != "none" and element["outlineWidth"] not in ("0px", "")
    return has_outline or element["boxShadow"] not in ("none", "")


def test_the_sign_form_works_with_the_keyboard_alone(live_server, worker, new_page, tmp_path):
    slug = live_server.import_campaign(tmp_path)
    email = f"{unique('keys')}@example.org"
    page = new_page(locale="en-GB")
    page.goto(f"/campaigns/{slug}?lang=en")

    stops = []
    tab_to(page, lambda e: e["id"] == "name", limit=120, seen=stops)
    page.keyboard.type("Kees Jansen")
    for field, text in (("email", email), ("city", "Leiden")):
        page.keyboard.press("Tab")
        assert focused(page)["id"] == field, "the fields follow each other in the tab order"
        page.keyboard.type(text)
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "consent"
    page.keyboard.press("Space")
    tab_to(page, lambda e: e["tag"] in ("button", "input") and e["type"] == "submit", limit=6, seen=stops)
    assert all(stop["id"] != "website" for stop in stops), "the honeypot field must not take the focus"
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/campaigns/{slug}/check-your-email*")
    expect(page.locator("h1")).to_have_text("Check your email")

    # confirming works with the keyboard too
    link = live_server.link_in(live_server.mail_to(email, "the confirmation mail", worker=worker), "/verify/")
    page.goto(link)
    tab_to(page, lambda e: e["type"] == "submit", limit=20)
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Thank you, your signature is confirmed")


def test_the_focus_is_visible_on_every_link_button_and_field(live_server, new_page, tmp_path):
    slug = live_server.import_campaign(tmp_path)
    page = new_page(locale="nl-NL")
    page.goto(f"/campaigns/{slug}?lang=nl")
    stops = []
    tab_to(page, lambda e: e["type"] == "submit", limit=150, seen=stops)
    kinds = {stop["tag"] for stop in stops}
    assert {"a", "input"} <= kinds and stops[-1]["tag"] in ("button", "input")
    invisible = [stop for stop in stops if not visibly_focused(stop)]
    assert not invisible, "focused without a visible outline:\n" + "\n".join(map(str, invisible))


ERROR_WIRING = """() => {
    const problems = [];
    const alerts = document.querySelectorAll('[role=alert]');
    if (!alerts.length || ![...alerts].some(a => a.textContent.trim())) problems.push('no error summary with role=alert');
    const marked = document.querySelectorAll('.has-error');
    if (!marked.length) problems.push('no field is marked as wrong');
    for (const field of marked) {
        const control = field.querySelector('input:not([type=hidden]), textarea, select');
        const error = field.querySelector('.error');
        const name = control ? control.id : field.textContent.trim().slice(0, 30);
        if (!control) { problems.push(name + ': no input'); continue; }
        if (control.getAttribute('aria-invalid') !== 'true') problems.push(name + ': no aria-invalid=true');
        if (!error || !error.id || !error.textContent.trim()) { problems.push(name + ': no error message with an id'); continue; }
        const described = (control.getAttribute('aria-describedby') || '').split(/\\s+/);
        if (!described.includes(error.id)) problems.push(name + ': aria-describedby does not name ' + error.id);
    }
    return problems;
}"""


def error_problems(page, form):
    return [f"{form} ({page.url}): {problem}" for problem in page.evaluate(ERROR_WIRING)]


def test_errors_are_announced_and_tied_to_their_fields(live_server, worker, new_page, tmp_path):
    slug = live_server.import_campaign(tmp_path)
    page = new_page(locale="en-GB")
    problems = []

    # the sign form: no name, a bad address, no consent
    page.goto(f"/campaigns/{slug}?lang=en")
    page.locator("#email").fill("not-an-address")
    page.locator("#sign [type=submit]").click()
    expect(page.locator("#email-error")).to_be_visible()
    assert page.locator(".has-error").count() == 3
    problems += error_problems(page, "sign form")

    # the registration: a short password that is not repeated the same
    page.goto("/account/register")
    page.locator("#email").fill(f"{unique('new')}@example.org")
    page.locator("#password").fill("short")
    page.locator("#password_repeat").fill("shorter")
    page.locator("#submit").click()
    expect(page.locator("#password-error")).to_be_visible()
    problems += error_problems(page, "registration form")

    # the login: a wrong password
    page.goto("/account/login")
    page.locator("#email").fill(f"{unique('nobody')}@example.org")
    page.locator("#password").fill(PASSWORD)
    page.locator("#submit").click()
    expect(page.locator("#password-error")).to_be_visible()
    problems += error_problems(page, "login form")

    # the organizer's campaign form, sent empty
    organizer = f"{unique('org')}@example.org"
    page.goto("/account/register")
    page.locator("#name").fill("Safe Leiden")
    page.locator("#email").fill(organizer)
    page.locator("#password").fill(PASSWORD)
    page.locator("#password_repeat").fill(PASSWORD)
    page.locator("#submit").click()
    expect(page.locator("h1")).to_have_text("Check your email")
    page.goto(live_server.link_in(live_server.mail_to(organizer, "the account mail", worker=worker), "/account/confirm/"))
    page.locator("#submit").click()
    page.wait_for_url("**/account/login*")
    page.locator("#email").fill(organizer)
    page.locator("#password").fill(PASSWORD)
    page.locator("#submit").click()
    page.wait_for_url("**/organize/")
    page.goto("/organize/new")
    page.locator("#submit").click()
    expect(page.locator("#title_en-error")).to_be_visible()
    problems += error_problems(page, "campaign form")

    assert not problems, "errors not announced or not tied to their fields:\n" + "\n".join(problems)
