"""An organizer registers and writes a campaign, a moderator approves it, the letters go out and a
recipient answers through its private link: every step through the pages, in a real browser."""
import re

import pytest

from helpers import subject

from .conftest import PASSWORD, expect, log_in, unique

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.worker]


def test_an_organizer_writes_a_campaign_a_moderator_approves_it_and_a_recipient_answers(
    live_server, worker, new_page
):
    tag = unique("run").split("-")[1]
    organizer_email = f"org-{tag}@example.org"
    recipient_email = f"rector-{tag}@example.org"
    title = f"Light the Singel {tag}"

    # -------------------------------------------------- register, confirm from the mail, log in
    organizer = new_page()
    organizer.goto("/account/register?lang=en")
    organizer.locator("#name").fill("Safe Leiden")
    organizer.locator("#email").fill(organizer_email)
    organizer.locator("#password").fill(PASSWORD)
    organizer.locator("#password_repeat").fill(PASSWORD)
    organizer.get_by_role("button", name="Create account").click()
    expect(organizer.locator("h1")).to_have_text("Check your email")

    confirm = live_server.link_in(live_server.mail_to(organizer_email, "the account mail", worker=worker), "/account/confirm/")
    organizer.goto(confirm)
    organizer.locator("#submit").click()
    organizer.wait_for_url("**/account/login*")
    expect(organizer.locator(".notice")).to_contain_text("Your account is confirmed")
    log_in(organizer, organizer_email)

    # -------------------------------------------------- write the campaign
    organizer.get_by_role("link", name="Write a new campaign").click()
    organizer.wait_for_url("**/organize/new")
    fields = {
        "organizer_name": "Safe Leiden",
        "title_nl": f"Verlicht de Singel {tag}", "title_en": title,
        "summary_nl": "Studenten vragen om licht langs de Singel.", "summary_en": "Students ask for light along the Singel.",
        "body_nl": "**Doe mee.** De Singel is 's nachts donker.", "body_en": "**Join us.** The Singel is dark at night.",
        "goals": "3 5",
    }
    for name, value in fields.items():
        organizer.locator(f"#{name}").fill(value)
    organizer.get_by_role("button", name="Save draft").click()
    organizer.wait_for_url(re.compile(r".*/organize/[a-z0-9-]+/recipients"))
    slug = re.search(r"/organize/([a-z0-9-]+)/recipients", organizer.url).group(1)
    assert tag in slug

    add = organizer.locator("section.card", has=organizer.get_by_role("heading", name="Add a recipient"))
    add.locator("#name").fill("Rector of Leiden University")
    add.locator("#email").fill(recipient_email)
    add.locator("#language").select_option("en")
    add.get_by_role("button", name="Save recipient").click()

    card = organizer.locator("section.card", has=organizer.get_by_role("heading", name="Rector of Leiden University"))
    expect(card).to_be_visible()
    card.locator("textarea[id^=new-][id$=-text_nl]").fill("Zet verlichting langs de Singel.")
    card.locator("textarea[id^=new-][id$=-text_en]").fill("Put lights along the Singel.")
    card.get_by_role("button", name="Add demand").click()
    expect(card.locator("ol li p[lang=en]")).to_have_text("Put lights along the Singel.")

    organizer.get_by_role("button", name="Submit for review").click()
    organizer.wait_for_url(f"**/organize/{slug}*")
    expect(organizer.locator("main")).to_contain_text("A moderator will review your campaign")
    assert organizer.request.get(f"/campaigns/{slug}").status == 404  # not public before the review

    # -------------------------------------------------- a moderator, made on the command line, approves it
    admin_email = f"mod-{tag}@example.org"
    output = live_server.flask("admin", "create", admin_email, "--name", "Moderator").stdout
    password_link = re.search(r"(https?://\S+/account/reset/\S+)", output).group(1)
    assert password_link.startswith(live_server.url)
    moderator = new_page()
    moderator.goto(password_link)
    moderator.locator("#password").fill(PASSWORD)
    moderator.locator("#password_repeat").fill(PASSWORD)
    moderator.locator("#submit").click()
    moderator.wait_for_url("**/account/login*")
    log_in(moderator, admin_email, landing="/admin/")  # moderators land on the review queue
    moderator.goto("/admin/?lang=en")
    pending = moderator.locator("article.card", has=moderator.get_by_role("heading", name=title))
    mails_before = len(live_server.smtp.messages)
    pending.get_by_role("button", name="Approve and publish").click()
    expect(moderator.locator(".mail-preview[lang=en]")).to_contain_text("Your campaign is live")  # what the organizers will read
    moderator.get_by_role("button", name="Yes, publish revision").click()
    expect(moderator.locator(".notice")).to_contain_text("Published")

    told = live_server.mail_to(organizer_email, "the mail that the campaign is live", since=mails_before, worker=worker)
    assert re.search(r"live|online", subject(told), re.I), subject(told)
    assert organizer.request.get(f"/campaigns/{slug}").status == 200

    # -------------------------------------------------- the organizer sends the letters
    organizer.goto(f"/organize/{slug}?lang=en")
    organizer.get_by_role("link", name="Send the letters to the recipients").click()
    organizer.wait_for_url(f"**/organize/{slug}/letters/send*")
    expect(organizer.locator("table")).to_contain_text(recipient_email)  # what goes to whom, before the last button
    organizer.get_by_role("button", name="Send the letters now").click()
    expect(organizer.locator(".notice")).to_contain_text("The letters are on their way")
    letter = live_server.mail_to(recipient_email, "the letter", worker=worker)
    assert letter.get_content_type() == "multipart/mixed"
    respond = live_server.link_in(letter, "/respond/")

    # -------------------------------------------------- the recipient answers through the private link
    recipient = new_page()
    recipient.goto(respond)
    expect(recipient.locator("h1")).to_have_text("Answer the demands")
    expect(recipient.locator("legend")).to_have_text("Put lights along the Singel.")
    recipient.locator("select[id^=status_]").select_option("accepted")
    recipient.locator("textarea[id^=text_]").fill("The lights will be on before the winter.")
    recipient.get_by_role("button", name="Save answers").click()
    expect(recipient.locator("[role=status]")).to_contain_text("Your answers are saved")

    # -------------------------------------------------- the answer is on the public campaign page
    visitor = new_page()
    visitor.goto(f"/campaigns/{slug}?lang=en")
    answer = visitor.locator(".demands .answer")
    expect(answer).to_contain_text("Answer from Rector of Leiden University: Accepted")
    expect(answer).to_contain_text("The lights will be on before the winter.")
