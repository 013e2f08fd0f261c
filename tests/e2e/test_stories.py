"""Stories and support in a real browser (issue 13): a survivor on a phone, in Dutch, shares a story; the
team screens and redacts it; the author approves it with the private code; it is published behind its
content note, counted in the figures and quoted in the letter. A support request past its deadline
reminds the team, then the moderators. A withdrawal removes the text everywhere. axe-core on every new
page in both languages."""
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from helpers import mail_text, subject, wait_for
from .conftest import PASSWORD, PHONE, axe_violations, describe_violations, expect, log_in, unique

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.worker]
NEUTRAL = "https://www.google.com/"
STORIES = {
    "enabled": True,
    "contact_by": {"nl": "Twee getrainde vrijwilligers van Safe Leiden", "en": "Two trained volunteers of Safe Leiden"},
    "confidentiality": {"nl": "Alles blijft binnen het team, tenzij iemand in direct gevaar is.",
                        "en": "Everything stays within the team, unless someone is in immediate danger."},
}


def team_member(local_app, slug, name="Team Member", admin=False, accepted=True):
    """An account on the campaign's story team (or a moderator), with a password to log in."""
    from petition_app.accounts.models import User
    from petition_app.campaigns.queries import campaign_by_slug
    from petition_app.extensions import db
    from petition_app.rules import Role
    from petition_app.stories.models import StoryTeamMember
    from petition_app.timeutil import utcnow

    email = f"{unique('team')}@example.org"
    with local_app.app_context():
        user = User(email=email, name=name, locale="en", role=Role.ADMIN if admin else Role.ORGANIZER, email_confirmed_at=utcnow())
        user.set_password(PASSWORD)
        db.session.add(user)
        if not admin:
            campaign = campaign_by_slug(slug)
            campaign.organizers.append(user)
            db.session.flush()
            db.session.add(StoryTeamMember(campaign_id=campaign.id, user_id=user.id, accepted_at=utcnow() if accepted else None))
        db.session.commit()
    return email


def with_db(local_app, sql, **params):
    from petition_app.extensions import db

    with local_app.app_context():
        result = db.session.execute(sa.text(sql), params)
        rows = result.all() if result.returns_rows else None
        db.session.commit()
        return rows


def submission_numbers(local_app, slug):
    rows = with_db(local_app, "SELECT s.id FROM story_submissions s JOIN campaigns c ON c.id = s.campaign_id "
                              "WHERE c.slug = :slug ORDER BY s.id", slug=slug)
    return [row[0] for row in rows]


def seed_screened(local_app, slug, count, category, place):
    """Others who told the team before: screened submissions without text, straight into the table."""
    from petition_app.extensions import db
    from petition_app.stories import sealing
    from petition_app.stories.models import StorySubmission
    from petition_app.stories.queries import today

    with local_app.app_context():
        campaign_id = db.session.execute(sa.text("SELECT id FROM campaigns WHERE slug = :s"), {"s": slug}).scalar_one()
        for _ in range(count):
            db.session.add(StorySubmission(
                campaign_id=campaign_id, code_digest=sealing.code_digests(sealing.new_code())[0],
                public_ref=sealing.new_code().replace("-", "")[:16].lower(), submitted_on=today(), status="filed",
                categories=[category], place=place, content_notes=[],
            ))
        db.session.commit()


def prepare_for_approval(local_app, number, team_email, redacted, notes=("sexual_harassment",)):
    """What the team does on its pages (test_stories_team_flow does it through them): file, redact, ask."""
    from petition_app.accounts.queries import find_user
    from petition_app.extensions import db
    from petition_app.rules.stories import SubmissionStatus
    from petition_app.stories import operations
    from petition_app.stories.models import StorySubmission

    with local_app.app_context():
        submission, user = db.session.get(StorySubmission, number), find_user(team_email)
        operations.set_status(submission, SubmissionStatus.FILED, user)
        operations.save_redaction(submission, redacted, list(notes), user, ask_author=True)
        db.session.commit()


def send_story(page, slug, text, lang="nl", publish=True, quote=False, support=None):
    page.goto(f"/campaigns/{slug}/stories/new?lang={lang}")
    page.locator("#text").fill(text)
    page.locator("#categories-1").check()  # sexual harassment
    page.locator("#place-0").check()  # campus
    if publish:
        page.locator("#publish").check()
    if quote:
        page.locator("#quote").check()
    if support:
        page.locator("#support").check()
        page.locator("#contact_method-0").check()
        page.locator("#contact_email").fill(support)
    page.locator("#submit").click()
    code = page.locator(".private-code .code strong")
    expect(code).to_be_visible()
    return code.inner_text()


def open_with_code(page, code, lang="nl"):
    page.goto(f"/stories/my-story?lang={lang}")
    page.locator("#code").fill(code)
    page.locator("#submit").click()


def test_a_story_from_a_phone_in_dutch_is_screened_redacted_approved_published_counted_and_quoted(
    live_server, worker, new_page, local_app, tmp_path
):
    slug = live_server.import_campaign(tmp_path, stories=STORIES)
    team_email = team_member(local_app, slug, accepted=False)
    original = f"Mijn practicumbegeleider Pieter {unique('x')} bleef me na de borrel in het Gorlaeus appen."
    redacted = "Een begeleider bleef me na een borrel berichten sturen, ook toen ik vroeg te stoppen."

    # -------------------------------------------------- the team member accepts the confidentiality statement
    team = new_page(locale="en-GB")
    log_in(team, team_email)
    team.goto(f"/organize/{slug}/stories?lang=en")
    expect(team.locator("h1")).to_have_text("Confidentiality statement")
    team.locator("#accept").check()
    team.get_by_role("button", name="Join the team").click()
    expect(team.locator("h1")).to_have_text("Story queue")

    # -------------------------------------------------- on a phone, in Dutch, from the campaign page
    author = new_page(locale="nl-NL", **PHONE)
    author.goto(f"/campaigns/{slug}")
    author.get_by_role("link", name="Deel je ervaring of vraag om steun").click()
    expect(author.locator("h1")).to_have_text("Deel je ervaring, tel mee of vraag om steun")
    expect(author.locator(".story-help")).to_contain_text("0800-0188")
    expect(author.locator(".story-help")).to_contain_text("geen melding")
    author.locator("#submit").click()  # empty: a clear error, nothing stored
    expect(author.locator("#text-error")).to_contain_text("Vertel wat er gebeurde")
    author.locator("#text").fill(original)
    author.get_by_label("Seksuele intimidatie").check()
    author.get_by_label("Op de campus of bij de universiteit").check()
    author.locator("#publish").check()
    author.locator("#quote").check()
    author.locator("#submit").click()
    expect(author.locator("h1")).to_have_text("Dank je dat je het ons vertelt")
    code = author.locator(".private-code .code strong").inner_text()
    [number] = submission_numbers(local_app, slug)
    alert = live_server.mail_to(team_email, "the team's alert", worker=worker)
    assert "Nieuw in de verhalenwachtrij" in subject(alert) or "New in the story queue" in subject(alert)
    assert original not in alert.as_string()

    # -------------------------------------------------- the team: queue, screening, redaction
    team.goto(f"/organize/{slug}/stories/queue?lang=en")
    expect(team.locator("main")).not_to_contain_text(original)  # the queue holds no content
    team.get_by_role("link", name=f"Open #{number}").click()
    expect(team.locator(".original")).to_have_text(original)
    team.get_by_label("Filed (counted, no action needed)").check()
    team.get_by_role("button", name="Save status").click()
    expect(team.locator("[role=status]")).to_contain_text("The status is saved.")
    team.locator("#text").fill(redacted)
    team.locator("#redaction").get_by_label("Sexual harassment").check()
    team.get_by_role("button", name="Save and ask the author to approve").click()
    expect(team.locator("[role=status]")).to_contain_text("waits for the author's approval")
    expect(team.locator(".access-log")).to_contain_text("opened")

    visitor = new_page(locale="nl-NL", **PHONE)
    visitor.goto(f"/campaigns/{slug}")
    expect(visitor.locator("#stories")).not_to_contain_text(redacted)  # not before the author approves

    # -------------------------------------------------- the author reads and approves it with the code
    open_with_code(author, code)
    expect(author.locator("blockquote.story-text")).to_have_text(redacted)
    expect(author.locator("main")).not_to_contain_text("Pieter")
    author.get_by_role("button", name="Deze versie goedkeuren").click()
    expect(author.locator("[role=status]")).to_contain_text("Je hebt deze versie goedgekeurd")

    # -------------------------------------------------- published behind its content note, and counted
    seed_screened(local_app, slug, 4, "sexual_harassment", "campus")  # four others told the team too
    visitor.reload()  # the browser may keep a public page PUBLIC_CACHE_SECONDS; a reload asks again
    story = visitor.locator("#stories article.story").first
    expect(story.locator("summary")).to_contain_text("Inhoudswaarschuwing: Seksuele intimidatie")
    expect(story.locator("summary")).to_contain_text(re.compile(r"gedeeld in [a-z]+ 20\d\d"))
    expect(story.locator(".story-text")).not_to_be_visible()  # collapsed until opened
    story.locator("summary").click()
    expect(story.locator(".story-text")).to_be_visible()
    expect(story.locator(".story-text")).to_have_text(redacted)
    figures = visitor.locator("#stories .story-figures")
    expect(figures).to_contain_text("5 mensen vertelden het team")
    expect(figures.locator("tr", has_text="Seksuele intimidatie").locator("td[data-figure]")).to_have_text("5")
    assert "Pieter" not in visitor.content()

    # -------------------------------------------------- quoted in the letter's annex, with the figures
    out = tmp_path / "letters"
    live_server.flask("letters", "generate", slug, "--out", str(out))
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO((out / "university.nl.pdf").read_bytes())).pages).split())
    assert "Wat mensen de campagne vertelden" in text and "Seksuele intimidatie: 5" in text
    assert "Bijlage: verhalen gedeeld met toestemming van de schrijvers" in text
    assert redacted in text and "Pieter" not in text

    # -------------------------------------------------- and no log line of the server or the worker holds it
    from pathlib import Path

    logs = live_server.log(tail=10**8) + Path(worker.log_path).read_text(errors="replace")
    assert original not in logs and redacted not in logs and code not in logs


def test_a_support_request_past_its_deadline_alerts_the_team_then_the_moderators(
    live_server, start_worker, new_page, local_app, tmp_path
):
    worker = start_worker({**live_server.env, "PERIODIC_INTERVALS": "stories=1"})
    slug = live_server.import_campaign(tmp_path, stories=STORIES)
    team_email = team_member(local_app, slug)
    moderator_email = team_member(local_app, slug, name="Moderator", admin=True)
    contact = f"{unique('reach')}@example.org"
    text = f"Ik wil graag met iemand praten {unique('t')}."

    author = new_page(locale="en-GB")
    send_story(author, slug, text, lang="en", publish=False, support=contact)
    expect(author.locator("main")).to_contain_text("The team will contact you by")
    [number] = submission_numbers(local_app, slug)
    live_server.mail_to(team_email, "the team's alert", worker=worker)

    with local_app.app_context():
        from petition_app.stories.queries import today

        day = today()
    with_db(local_app, "UPDATE story_submissions SET support_due_on = :d WHERE id = :n", d=day - timedelta(days=1), n=number)
    reminder = wait_for(lambda: next((m for m in list(live_server.smtp.messages)
                                      if team_email in str(m["To"]) and "past its deadline" in subject(m)), None),
                        timeout=45, interval=0.2, what="the team's reminder")
    assert f"#{number}" in mail_text(reminder)
    escalated = lambda: next((m for m in list(live_server.smtp.messages)  # noqa: E731
                              if moderator_email in str(m["To"]) and "past its deadline" in subject(m)), None)
    wait_for(lambda: with_db(local_app, "SELECT reminded_on FROM story_submissions WHERE id = :n", n=number)[0][0], what="the claim")
    assert escalated() is None, "the moderators are told only a working day after the reminder"

    with_db(local_app, "UPDATE story_submissions SET support_due_on = :d WHERE id = :n", d=day - timedelta(days=10), n=number)
    escalation = wait_for(escalated, timeout=45, interval=0.2, what="the moderators' escalation")
    assert f"#{number}" in mail_text(escalation)
    for message in (reminder, escalation):
        assert text not in message.as_string() and contact not in message.as_string()

    # the moderator, outside the team, can open it; the view is logged for the team
    moderator = new_page(locale="en-GB")
    log_in(moderator, moderator_email, landing="/admin/")  # moderators land on the review queue
    moderator.goto(f"/organize/{slug}/stories/{number}?lang=en")
    expect(moderator.locator(".contact")).to_have_text(contact)
    team = new_page(locale="en-GB")
    log_in(team, team_email)
    team.goto(f"/organize/{slug}/stories/log?lang=en")
    expect(team.locator(".access-log tbody tr").first).to_contain_text("Moderator")


def test_a_withdrawal_removes_the_text_everywhere_and_the_quick_exit_leaves_no_trail(
    live_server, new_page, local_app, tmp_path
):
    slug = live_server.import_campaign(tmp_path, stories=STORIES)
    team_email = team_member(local_app, slug)
    text = f"Iemand volgde me naar huis {unique('w')}."
    redacted = f"Iemand volgde me naar huis, geredigeerd {unique('r')}."
    author = new_page(locale="nl-NL", **PHONE)
    code = send_story(author, slug, text)
    [number] = submission_numbers(local_app, slug)
    prepare_for_approval(local_app, number, team_email, redacted)
    open_with_code(author, code)
    author.get_by_role("button", name="Deze versie goedkeuren").click()
    expect(author.locator("[role=status]")).to_be_visible()

    # published: the story page loads nothing from another host, and the quick exit leaves no trail
    visitor = new_page(locale="nl-NL")
    hosts = set()
    visitor.on("request", lambda request: hosts.add(re.match(r"https?://[^/]+", request.url).group(0)))
    visitor.route(NEUTRAL + "**", lambda route: route.fulfill(status=200, content_type="text/html", body="<title>Weer</title>"))
    visitor.goto(f"/campaigns/{slug}")
    story_link = visitor.locator("#stories article.story a").first
    ref_url = live_server.url + story_link.get_attribute("href")
    visitor.goto(ref_url)
    expect(visitor.locator(".story-text")).to_have_text(redacted)
    assert hosts == {live_server.url}, hosts
    visitor.get_by_role("link", name="Verlaat deze pagina snel").click()
    visitor.wait_for_url(NEUTRAL + "**")
    visitor.go_back()  # the story page is gone from history, and the campaign page reached by Back leaves again (issue 20)
    visitor.wait_for_url(NEUTRAL + "**")

    # the author withdraws: the text is gone from the page, the story page, the team's pages and the database
    open_with_code(author, code)
    author.get_by_role("button", name="Alles intrekken").click()
    expect(author.locator("#withdraw-heading")).to_have_text("Alles intrekken?")
    author.get_by_role("button", name="Ja, wis nu alles").click()
    expect(author.locator("h1")).to_have_text("Alles is gewist")

    check = new_page(locale="nl-NL")
    check.goto(f"/campaigns/{slug}")
    assert redacted not in check.content() and text not in check.content()
    assert check.request.get(ref_url).status == 404
    team = new_page(locale="en-GB")
    log_in(team, team_email)
    team.goto(f"/organize/{slug}/stories/queue?lang=en")
    expect(team.locator("main")).not_to_contain_text(f"#{number}")
    assert team.request.get(f"/organize/{slug}/stories/{number}").status == 404
    assert submission_numbers(local_app, slug) == []
    open_with_code(author, code)
    expect(author.locator("[role=alert]")).to_contain_text("Met deze code is geen verhaal gevonden")


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_no_serious_axe_violation_on_the_story_pages(lang, live_server, new_page, local_app, axe_source, tmp_path):
    slug = live_server.import_campaign(tmp_path, stories=STORIES)
    seed_screened(local_app, slug, 6, "harassment", "city")
    invited_email = team_member(local_app, slug, accepted=False)
    team_email = team_member(local_app, slug)
    locale = {"nl": "nl-NL", "en": "en-GB"}[lang]
    found = []

    def check(page, name):
        page.wait_for_load_state("load")
        found.extend(describe_violations(f"{lang}/{name} ({page.url})", axe_violations(page, axe_source)))

    author = new_page(locale=locale, **PHONE)
    author.goto(f"/campaigns/{slug}/stories/new?lang={lang}")
    check(author, "form")
    author.locator("#support").check()
    author.locator("#submit").click()
    expect(author.locator(".error-summary")).to_be_visible()
    check(author, "form-with-errors")
    code = send_story(author, slug, "Een verhaal voor de toegankelijkheidstest.", lang=lang, support="a11y@example.org")
    check(author, "code")
    number = submission_numbers(local_app, slug)[-1]
    prepare_for_approval(local_app, number, team_email, "Geredigeerd verhaal voor de test.")
    author.goto(f"/stories/my-story?lang={lang}")
    check(author, "enter-code")
    open_with_code(author, code, lang)
    check(author, "status-awaiting-approval")
    author.locator("form", has=author.locator("input[value=approve]")).locator("button").click()
    check(author, "status-approved")
    author.goto(f"/campaigns/{slug}?lang={lang}")
    author.locator("#stories summary").first.click()
    check(author, "campaign-with-stories")
    author.goto(f"/campaigns/{slug}/stories?lang={lang}")
    check(author, "stories")
    author.goto(author.locator("article.story a").first.get_attribute("href"))
    check(author, "story")

    invited = new_page(locale=locale)
    log_in(invited, invited_email)
    invited.goto(f"/organize/{slug}/stories/join?lang={lang}")
    check(invited, "join")
    team = new_page(locale=locale)
    log_in(team, team_email)
    for name, path in (("queue", "queue"), ("submission", str(number)), ("log", "log"), ("settings", "settings")):
        team.goto(f"/organize/{slug}/stories/{path}?lang={lang}")
        check(team, name)
    assert not found, "axe-core found serious or critical violations:\n" + "\n".join(found)
