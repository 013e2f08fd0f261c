"""Paper signatures (issue 14, point 6): organizers of the campaign record sheets in a running log,
moderators void an entry (it stays in the log), the public page, the letter, the API and open data state
online and paper apart and their total, and paper reaches goals through the same milestone path as a
confirmed signature when the campaign counts it toward its goals. Plus the dashboard's chart (point 7)."""
import io
import re
from datetime import date, timedelta

import pytest
from freezegun import freeze_time

from helpers import (
    add_campaign, example_campaign_data, flat, make_admin, make_organizer, moderator_organizing, pdf_text, read_outbox,
    seed_signers,
)
from petition_app.extensions import db
from petition_app.rules.chart import daily_chart, nice_ticks
from petition_app.timeutil import utcnow

PDF = b"%PDF-1.4\n% the scanned sheets\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def paper(client, slug, signatures=40, collected_on="2026-01-05", place="Market square, Leiden", scan=None, lang="en", confirm=True,
          held=None):
    """The paper form, and (`confirm`) the button of the confirmation page an entry that reaches a goal gets
    (with `held`, the id of the scan that page keeps)."""
    data = {"signatures": str(signatures), "collected_on": collected_on, "place": place, **({"confirm": "1"} if confirm else {})}
    if held is not None:
        data["held_scan"] = held
    if scan is not None:
        data["scan"] = (io.BytesIO(scan), "sheets.pdf")
    return client.post(f"/organize/{slug}/paper?lang={lang}", data=data)


def rows(app, sql):
    with app.app_context():
        return db.session.execute(db.text(sql)).all()


def counts(app, slug):
    return rows(app, f"SELECT confirmed_count, paper_count FROM campaigns WHERE slug = '{slug}'")[0]


@pytest.fixture
def world(app):
    slug = add_campaign(app, goals=[5, 50])
    seed_signers(app, slug, [{"email": f"s{i}@example.org", "wants_updates": True} for i in range(3)])
    organizer = make_organizer(app, email="org@example.org", campaigns=[slug])
    return app, slug, organizer


# ---------------------------------------------------------------- recording and voiding


def test_an_organizer_records_paper_and_the_page_states_online_paper_and_total(world):
    app, slug, organizer = world
    response = paper(organizer, slug, signatures=40)
    assert response.status_code == 303
    assert tuple(counts(app, slug)) == (3, 40)
    log = organizer.get(f"/organize/{slug}/paper?lang=en")
    assert log.headers["Cache-Control"] == "no-store"
    assert "Market square, Leiden" in log.text and "2026-01-05" in log.text and "Counted" in log.text
    page = flat(app.test_client().get(f"/campaigns/{slug}?lang=en").text)
    assert "43 signatures: 3 online and confirmed, 40 on paper." in page
    assert "Paper signatures count toward the goals." in page
    assert "43 have signed" in page  # paper counts toward the goals by default
    dutch = flat(app.test_client().get(f"/campaigns/{slug}?lang=nl").text).replace("> <", "><")
    assert "43 handtekeningen: 3 online en bevestigd, 40 op papier." in dutch
    dashboard = flat(organizer.get(f"/organize/{slug}?lang=en").text)
    assert "Market square, Leiden" in dashboard and "40 signatures" in dashboard


def test_before_any_paper_the_page_shows_no_paper_lines(world):
    app, slug, _ = world
    page = app.test_client().get(f"/campaigns/{slug}?lang=en").text
    assert "on paper" not in page and "3 have signed" in page


@pytest.mark.parametrize("data, message", [
    ({"signatures": "0"}, "Enter a number from 1 to 100,000."),
    ({"signatures": "many"}, "Enter the number of signatures as a whole number."),
    ({"signatures": "100001"}, "Enter a number from 1 to 100,000."),
    ({"collected_on": ""}, "Enter the date the signatures were collected."),
    ({"place": ""}, "Please fill this in."),
])
def test_a_wrong_entry_is_refused_with_a_message_and_counts_nothing(world, data, message):
    app, slug, organizer = world
    form = {"signatures": "5", "collected_on": "2026-01-05", "place": "Leiden", **data}
    response = organizer.post(f"/organize/{slug}/paper?lang=en", data=form)
    assert response.status_code == 422 and message in response.text
    assert tuple(counts(app, slug)) == (3, 0) and rows(app, "SELECT * FROM paper_entries") == []


def test_a_date_in_the_future_and_a_scan_that_is_no_pdf_or_image_are_refused(world):
    app, slug, organizer = world
    tomorrow = (utcnow().date() + timedelta(days=2)).isoformat()
    assert "The date cannot be in the future." in paper(organizer, slug, collected_on=tomorrow).text
    refused = paper(organizer, slug, scan=b"<html><script>alert(1)</script>")
    assert refused.status_code == 422 and "The scan must be a PDF, PNG or JPEG file" in refused.text
    assert tuple(counts(app, slug)) == (3, 0)


def test_a_file_anywhere_but_the_scan_field_is_refused(world):
    app, slug, organizer = world
    data = {"signatures": "5", "collected_on": "2026-01-05", "place": (io.BytesIO(b"x"), "place.txt")}
    assert organizer.post(f"/organize/{slug}/paper", data=data).status_code == 415
    assert tuple(counts(app, slug)) == (3, 0)


def test_only_the_campaigns_organizers_record(world):
    app, slug, organizer = world
    other = make_organizer(app, email="other@example.org", campaigns=[add_campaign(app, slug="other-campaign")])
    moderator = make_admin(app)
    assert paper(other, slug).status_code == 404
    assert other.get(f"/organize/{slug}/paper").status_code == 404
    assert paper(moderator, slug).status_code == 403  # a moderator reviews, does not record
    anonymous = paper(app.test_client(), slug)
    assert anonymous.status_code == 302 and "/account/login" in anonymous.headers["Location"]
    assert tuple(counts(app, slug)) == (3, 0)
    draft = add_campaign(app, slug="draft-campaign", status="draft")
    drafter = make_organizer(app, email="drafter@example.org", campaigns=[draft])
    assert paper(drafter, draft).status_code == 400  # not before a moderator published it
    assert "once a moderator has published" in drafter.get(f"/organize/{draft}/paper?lang=en").text


def test_only_moderators_void_and_a_voided_entry_stays_in_the_log(world):
    app, slug, organizer = world
    paper(organizer, slug, signatures=40)
    entry = rows(app, "SELECT id FROM paper_entries")[0][0]
    void = f"/admin/{slug}/paper/{entry}/void?lang=en"
    assert organizer.post(void, data={"reason": "mine"}).status_code == 403
    assert app.test_client().post(void, data={"reason": "x"}).status_code == 302
    moderator = make_admin(app)
    assert moderator.get(f"/organize/{slug}/paper").status_code == 200  # moderators see the log
    assert moderator.post(void, data={"reason": ""}).status_code == 422
    assert tuple(counts(app, slug)) == (3, 40)
    assert moderator.post(void, data={"reason": "Counted twice: the same sheets as on 4 January."}).status_code == 303
    assert tuple(counts(app, slug)) == (3, 0)
    assert moderator.post(void, data={"reason": "again"}).status_code == 303  # already voided: nothing more
    assert tuple(counts(app, slug)) == (3, 0)
    (voided_at, reason, signatures), = rows(app, "SELECT voided_at, void_reason, signatures FROM paper_entries")
    assert voided_at is not None and reason == "Counted twice: the same sheets as on 4 January." and signatures == 40
    log = flat(organizer.get(f"/organize/{slug}/paper?lang=en").text)
    assert "Voided on" in log and "Counted twice" in log and "<s>40</s>" in log
    assert "On paper" not in app.test_client().get(f"/campaigns/{slug}?lang=en").text
    other_campaign = add_campaign(app, slug="other-campaign")
    assert moderator.post(f"/admin/{other_campaign}/paper/{entry}/void", data={"reason": "x"}).status_code == 404


def test_the_scan_is_only_for_organizers_and_moderators_and_never_stored(world):
    app, slug, organizer = world
    paper(organizer, slug, scan=PDF)
    entry = rows(app, "SELECT id FROM paper_entries")[0][0]
    path = f"/organize/{slug}/paper/{entry}/scan"
    own = organizer.get(path)
    assert own.status_code == 200 and own.data == PDF and own.mimetype == "application/pdf"
    assert own.headers["Cache-Control"] == "no-store"
    assert make_admin(app).get(path).data == PDF
    assert app.test_client().get(path).status_code == 302  # to the login page
    other = make_organizer(app, email="other@example.org", campaigns=[add_campaign(app, slug="other-campaign")])
    assert other.get(path).status_code == 404
    for public in (f"/campaigns/{slug}", f"/api/v1/campaigns/{slug}", f"/embed/{slug}", f"/api/v1/campaigns/{slug}/stats/daily"):
        assert "/scan" not in app.test_client().get(public).text
    png = paper(organizer, slug, scan=PNG)
    assert png.status_code == 303
    newest = rows(app, "SELECT MAX(id) FROM paper_entries")[0][0]
    assert organizer.get(f"/organize/{slug}/paper/{newest}/scan").mimetype == "image/png"
    no_scan = paper(organizer, slug)
    assert no_scan.status_code == 303
    plain = rows(app, "SELECT MAX(id) FROM paper_entries")[0][0]
    assert organizer.get(f"/organize/{slug}/paper/{plain}/scan").status_code == 404


# ---------------------------------------------------------------- goals and milestones


def test_paper_that_crosses_a_goal_records_the_milestone_and_mails_like_online(world):
    app, slug, organizer = world
    before = len(read_outbox(app))
    paper(organizer, slug, signatures=2)  # 3 online + 2 on paper = 5: the first goal
    assert [goal for goal, in rows(app, "SELECT goal FROM milestones")] == [5]
    mails = read_outbox(app)[before:]
    assert sorted(m["To"] for m in mails) == sorted([f"s{i}@example.org" for i in range(3)] + ["organizers@example.org"])
    paper(organizer, slug, signatures=1)
    assert [goal for goal, in rows(app, "SELECT goal FROM milestones")] == [5]  # once
    assert app.test_client().get(f"/api/v1/campaigns/{slug}").get_json()["next_goal"] == 50


def held_scan_of(confirmation_page):
    """The held scan's id in the confirmation page's form (what its button sends back)."""
    return re.search(r'name="held_scan" value="(\d+)"', confirmation_page.text).group(1)


def test_a_scan_chosen_with_paper_that_reaches_a_goal_is_kept_through_the_confirmation_page(world):
    """A browser does not send a chosen file twice: the scan waits on our side, not to be chosen again."""
    app, slug, organizer = world
    first = paper(organizer, slug, scan=PDF, confirm=False)
    assert first.status_code == 200 and "Check before the goal" in first.text, first.text[-3000:]
    assert "The scan “sheets.pdf” is recorded with this entry." in first.text
    assert 'type="file"' not in first.text.split("<h2")[-1]  # nothing to choose again
    assert rows(app, "SELECT count(*) FROM paper_entries")[0][0] == 0
    dutch = paper(organizer, slug, scan=PNG, confirm=False, lang="nl")  # the same organizer again: replaces it
    assert "De scan “sheets.pdf” wordt bij deze invoer bewaard." in dutch.text
    assert rows(app, "SELECT count(*) FROM paper_held_scans")[0][0] == 1
    done = paper(organizer, slug, held=held_scan_of(dutch))
    assert done.status_code == 303
    entry = rows(app, "SELECT id FROM paper_entries")[0][0]
    assert organizer.get(f"/organize/{slug}/paper/{entry}/scan").data == PNG
    assert rows(app, "SELECT count(*) FROM paper_held_scans")[0][0] == 0  # taken, so gone
    assert tuple(counts(app, slug)) == (3, 40)


def test_a_held_scan_is_its_organizers_only_and_gone_after_an_hour_and_the_entry_waits_for_it(world, runner):
    app, slug, organizer = world
    held = held_scan_of(paper(organizer, slug, scan=PDF, confirm=False))
    colleague = make_organizer(app, email="colleague@example.org", campaigns=[slug])
    gone = "The scan was kept for an hour only and is gone now: choose it again."
    for attempt in (paper(colleague, slug, held=held), paper(organizer, slug, held="99999999999999999999")):
        assert attempt.status_code == 422 and gone in attempt.text
        assert 'value="40"' in attempt.text and 'value="Market square, Leiden"' in attempt.text  # what was typed stays
    assert tuple(counts(app, slug)) == (3, 0)  # nothing recorded without its scan
    with freeze_time(utcnow() + timedelta(minutes=59)):
        assert "deleted 0 scan(s) held for a confirmation page" in runner.invoke(args=["sweep"]).output
    with freeze_time(utcnow() + timedelta(minutes=61)):
        assert "deleted 1 scan(s) held for a confirmation page" in runner.invoke(args=["sweep"]).output
    late = paper(organizer, slug, held=held, lang="nl")
    assert late.status_code == 422 and "De scan werd maar een uur bewaard en is nu weg: kies hem opnieuw." in late.text
    assert tuple(counts(app, slug)) == (3, 0)
    again = paper(organizer, slug, held=held, scan=PDF)  # a scan chosen again wins over a held one
    assert again.status_code == 303 and tuple(counts(app, slug)) == (3, 40)


def test_recording_and_voiding_on_both_databases(any_app):
    """The counts move in SQL (UPDATE ... RETURNING) and the scan is a binary column: the same on SQLite
    and PostgreSQL."""
    app = any_app
    slug = add_campaign(app, goals=[5, 50])
    seed_signers(app, slug, [{"email": f"s{i}@example.org"} for i in range(3)])
    organizer = make_organizer(app, campaigns=[slug])
    before = len([m for m in read_outbox(app) if m["To"] == "organizers@example.org"])
    assert paper(organizer, slug, signatures=47, scan=PNG).status_code == 303
    assert tuple(counts(app, slug)) == (3, 47)
    assert sorted(goal for goal, in rows(app, "SELECT goal FROM milestones")) == [5, 50]  # one batch, two goals
    told = [m for m in read_outbox(app) if m["To"] == "organizers@example.org"][before:]
    assert len(told) == 2  # each goal announced once, after the commit
    assert rows(app, "SELECT COUNT(*) FROM outbox_jobs")[0][0] == 0  # every job handed over
    entry = rows(app, "SELECT id FROM paper_entries")[0][0]
    assert organizer.get(f"/organize/{slug}/paper/{entry}/scan").data == PNG
    moderator = make_admin(app)
    assert moderator.post(f"/admin/{slug}/paper/{entry}/void", data={"reason": "Duplicate"}).status_code == 303
    assert tuple(counts(app, slug)) == (3, 0)
    assert rows(app, "SELECT COUNT(*) FROM paper_entries")[0][0] == 1


def test_scan_types_are_read_from_the_file_itself():
    from petition_app.rules.paper import scan_type

    assert scan_type(PDF) == "application/pdf" and scan_type(PNG) == "image/png"
    assert scan_type(b"\xff\xd8\xff\xe0JFIF") == "image/jpeg"
    assert scan_type(b"<svg onload=alert(1)>") is None and scan_type(b"") is None


def test_when_paper_does_not_count_the_goals_follow_online_only(app):
    slug = add_campaign(app, goals=[5, 50], paper_counts_toward_goals=False)
    seed_signers(app, slug, [{"email": f"s{i}@example.org"} for i in range(3)])
    organizer = make_organizer(app, campaigns=[slug])
    paper(organizer, slug, signatures=30)
    assert rows(app, "SELECT goal FROM milestones") == []
    page = flat(app.test_client().get(f"/campaigns/{slug}?lang=en").text)
    assert "3 have signed" in page and "Paper signatures are shown apart and do not count toward the goals." in page
    assert "33 signatures: 3 online and confirmed, 30 on paper." in page


def test_the_setting_is_chosen_before_the_first_entry_and_shown(world):
    app, slug, organizer = world
    assert organizer.post(f"/organize/{slug}/paper/setting", data={"counts": "no"}).status_code == 303
    assert rows(app, "SELECT paper_counts_toward_goals FROM campaigns WHERE slug = :s".replace(":s", f"'{slug}'"))[0][0] in (False, 0)
    assert make_admin(app).post(f"/organize/{slug}/paper/setting", data={"counts": "yes"}).status_code == 404
    paper(organizer, slug, signatures=4)
    locked = organizer.post(f"/organize/{slug}/paper/setting?lang=en", data={"counts": "yes"})
    assert locked.status_code == 409 and "only be changed before the first paper signatures" in locked.text
    assert rows(app, "SELECT goal FROM milestones") == []


def test_voiding_takes_paper_out_of_the_count_but_keeps_a_reached_milestone(world):
    app, slug, organizer = world
    paper(organizer, slug, signatures=2)
    entry = rows(app, "SELECT id FROM paper_entries")[0][0]
    moderator = moderator_organizing(app, slug)
    moderator.post(f"/admin/{slug}/paper/{entry}/void", data={"reason": "Wrong campaign"})
    assert tuple(counts(app, slug)) == (3, 0)
    assert [goal for goal, in rows(app, "SELECT goal FROM milestones")] == [5]


# ---------------------------------------------------------------- API and open data


def test_the_api_and_open_data_carry_online_and_paper_apart(world):
    app, slug, organizer = world
    paper(organizer, slug, signatures=40, collected_on="2026-01-05")
    paper(organizer, slug, signatures=2, collected_on="2026-01-07")
    client = app.test_client()
    body = client.get(f"/api/v1/campaigns/{slug}").get_json()
    assert (body["signature_count"], body["paper_signature_count"], body["total_signature_count"]) == (3, 42, 45)
    assert body["paper_counts_toward_goals"] is True
    listed = next(c for c in client.get("/api/v1/campaigns").get_json()["campaigns"] if c["slug"] == slug)
    assert (listed["signature_count"], listed["paper_signature_count"], listed["total_signature_count"]) == (3, 42, 45)
    daily = client.get(f"/api/v1/campaigns/{slug}/stats/daily").get_json()
    assert (daily["signature_count"], daily["paper_signature_count"], daily["total_signature_count"]) == (3, 42, 45)
    by_day = {d["date"]: (d["signatures"], d["paper_signatures"]) for d in daily["days"]}
    assert by_day["2026-01-05"] == (0, 40) and by_day["2026-01-06"] == (0, 0) and by_day["2026-01-07"] == (0, 2)
    assert by_day[utcnow().date().isoformat()] == (3, 0)
    lines = client.get(f"/api/v1/campaigns/{slug}/stats/daily.csv").text.splitlines()
    assert lines[0] == "date,signatures,paper_signatures" and "2026-01-05,0,40" in lines
    document = client.get("/api/v1/openapi.json").get_json()
    assert "paper_signature_count" in document["components"]["schemas"]["CampaignSummary"]["required"]


# ---------------------------------------------------------------- the letter


def letter_text(app, slug, locale):
    from petition_app.campaigns.queries import public_campaign
    from petition_app.letters.documents import render_letter

    with app.app_context():
        out = io.BytesIO()
        render_letter(public_campaign(slug).recipients[0], locale, out)
    return flat(pdf_text(out.getvalue()))


def test_the_letter_states_online_paper_and_total_in_both_languages(world):
    app, slug, organizer = world
    paper(organizer, slug, signatures=40)
    english, dutch = letter_text(app, slug, "en"), letter_text(app, slug, "nl")
    assert "On behalf of 43 people who signed" in english
    assert "The petition has 43 signatures: 3 online and confirmed, 40 on paper." in english
    assert "Paper signatures count toward the goal." in english
    assert "Namens 43 mensen" in dutch
    assert "De petitie heeft 43 handtekeningen: 3 online en bevestigd, 40 op papier." in dutch


def test_a_letter_without_paper_says_nothing_of_paper(world):
    app, slug, _ = world
    english = letter_text(app, slug, "en")
    assert "paper" not in english and "On behalf of 3 people who signed" in english


# ---------------------------------------------------------------- the campaign file


def test_the_campaign_file_sets_whether_paper_counts(app):
    from petition_app.campaigns.operations import CampaignFileError, import_campaign

    slug = add_campaign(app, paper_counts_toward_goals=False)
    assert rows(app, f"SELECT paper_counts_toward_goals FROM campaigns WHERE slug = '{slug}'")[0][0] in (False, 0)
    add_campaign(app)  # the same file without the key keeps the setting
    assert rows(app, f"SELECT paper_counts_toward_goals FROM campaigns WHERE slug = '{slug}'")[0][0] in (False, 0)
    with app.app_context(), pytest.raises(CampaignFileError, match="paper_counts_toward_goals"):
        import_campaign(example_campaign_data(paper_counts_toward_goals="yes"))


# ---------------------------------------------------------------- the dashboard's chart (point 7)


def test_round_ticks():
    assert nice_ticks(1) == [0, 1]
    assert nice_ticks(7) == [0, 2, 4, 6, 8]
    assert nice_ticks(1500) == [0, 500, 1000, 1500]
    assert nice_ticks(0) == [0, 1]


def test_the_chart_geometry_with_one_and_three_hundred_days():
    one = daily_chart([(date(2026, 11, 29), 1)])
    assert len(one.bars) == 1 and one.bars[0].width <= 48 and one.bars[0].height > 100 and one.bars[0].labelled
    many = daily_chart([(date(2026, 1, 1) + timedelta(days=i), i % 7) for i in range(0, 300, 2)])
    assert len(many.bars) == 299  # the days without any are there, as 0
    # as many dates as fit side by side, none touching (issue 20: 13-unit text)
    assert len(many.dates) == 5 and many.dates[0].day == date(2026, 1, 1) and many.dates[-1].day == date(2026, 10, 26)
    assert all(b.x - a.x >= 84 + 6 - 1 for a, b in zip(many.dates[1:-2], many.dates[2:-1]))
    assert sum(bar.labelled for bar in many.bars) == 1  # only the highest day carries its number
    assert all(many.left <= bar.x and bar.x + bar.width <= many.right + 0.1 for bar in many.bars)


def chart_of(page):
    svg = re.search(r'<svg class="chart".*?</svg>', page, re.S).group(0)
    texts = [flat(t).strip() for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]
    return svg, texts


def test_the_dashboard_chart_with_one_day(world):
    app, slug, organizer = world
    page = organizer.get(f"/organize/{slug}?lang=en").text
    svg, texts = chart_of(page)
    today = utcnow().date().isoformat()
    assert today in texts  # the date under the x axis
    assert texts.count("3") >= 2  # the bar's number and the axis' top
    assert "per day" in texts and "in total" in texts
    assert len(re.findall(r"<rect ", svg)) == 1  # one bar (the legend is HTML under the chart, issue 20)
    assert "<figcaption>Confirmed online signatures: 3 in total over 1 day.</figcaption>" in flat(page)
    assert f"<td>{today}</td><td>3</td><td>3</td>" in page  # the table fallback, with the running total


def test_the_dashboard_chart_with_three_hundred_days(app):
    slug = add_campaign(app)
    start = utcnow() - timedelta(days=299)
    seed_signers(app, slug, [{"email": f"s{i}@example.org", "confirmed_at": start + timedelta(days=i)} for i in range(300)])
    organizer = make_organizer(app, campaigns=[slug])
    page = organizer.get(f"/organize/{slug}?lang=nl").text
    svg, texts = chart_of(page)
    dates = [t for t in texts if re.fullmatch(r"\d{4}-\d\d-\d\d", t)]
    assert len(dates) == 5 and dates[0] == start.date().isoformat()
    assert "300" in texts  # the running total's axis reaches it
    assert "per dag" in texts and "in totaal" in texts
    assert "300 dagen" in flat(page)
