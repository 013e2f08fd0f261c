"""The demand letter PDF (petition_app/letters/pdf.py), read back with pypdf: the demands, the count, the
people, the annex in order, escaping, no email address, and the letter without an annex. No database."""
import io
import logging
import os
import re
from datetime import date
from pathlib import Path

import pytest

from helpers import flat, pdf_pages
from petition_app import create_app
from petition_app.config import TestConfig
from petition_app.letters import typesetting
from petition_app.letters.pdf import LetterContent, write_letter_pdf
from petition_app.letters.typesetting import LetterFontError

EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[a-z]{2,}")

DEMANDS_EN = [
    "Light every cycle path between the station and the Science Park by 1 September.",
    "Publish the number of reported incidents per neighbourhood every quarter.",
    "Meet the student council & residents twice a year, in public.",
]
DEMANDS_NL = [
    "Verlicht elk fietspad tussen het station en het Science Park vóór 1 september.",
    "Publiceer elk kwartaal het aantal gemelde incidenten per wijk.",
    "Overleg twee keer per jaar in het openbaar met de studentenraad en bewoners.",
]
UNICODE_NAMES = [
    ("Zoë Ñúñez", "Leiden"),
    ("Łukasz Wiśniewski", "Kraków"),
    ("Şükrü Öztürk", "İstanbul"),
    ("Nguyễn Thị Minh Khai", None),
    ("Ελένη Παπαδοπούλου", "Θεσσαλονίκη"),
    ("Дмитрий Иванов", "Санкт-Петербург"),
    ("Jan-Willem van den Berg-Hoogendoorn tot Oud-Alphen", "Alphen aan den Rijn"),  # wraps in its column
    ('Jan "Jantje" O\'Brien & Zn.', "Den Haag"),
]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("letter_pdf")
    return create_app(TestConfig, instance_path=folder / "instance", SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'unused.db'}")


def content(**changes):
    values = dict(
        campaign_title="Safe Leiden",
        campaign_summary="Leiden's cycle paths are dark.\n\nWe ask for light, data and a seat at the table.",
        organizer_name="Sanne de Boer",
        recipient_name="Leiden University",
        demands=list(DEMANDS_EN),
        signature_count=1500,
        goal=1000,
        goal_reached=True,
        letter_date=date(2026, 3, 1),
        campaign_url="https://petitions.example.org/c/safe-leiden",
        named_count=0,
    )
    values.update(changes)
    return LetterContent(**values)


def render(app, letter, names=(), locale="en"):
    out = io.BytesIO()
    with app.app_context():
        write_letter_pdf(out, letter, iter(names), locale)
    return pdf_pages(out.getvalue())


def assert_in_order(text, parts):
    position = 0
    for part in parts:
        found = text.find(part, position)
        assert found >= 0, f"{part!r} missing (or out of order) after position {position}"
        position = found + len(part)


def annex_names(count):
    for number in range(count):
        name, city = UNICODE_NAMES[number % len(UNICODE_NAMES)]
        yield f"{name} {number}", (None if number % 5 == 4 else city)


def entry(name, city):
    return f"{name} ({city})" if city else name


def test_english_letter_holds_its_demands_count_recipient_and_organizer(app):
    pages = render(app, content())
    assert len(pages) == 1
    text = flat(pages[0])
    for number, demand in enumerate(DEMANDS_EN, start=1):
        assert re.search(rf"{number}\.\s*{re.escape(demand)}", text), demand
    assert_in_order(text, DEMANDS_EN)
    assert not re.search(rf"\b{len(DEMANDS_EN) + 1}\.\s", text)
    assert "Leiden University" in text and "Sanne de Boer" in text
    assert "1,500" in text and "1,000" in text
    assert "March 1, 2026" in text
    assert "https://petitions.example.org/c/safe-leiden" in text
    assert "Safe Leiden" in text


def test_dutch_letter_uses_dutch_demands_and_number_formatting(app):
    letter = content(
        campaign_title="Veilig Leiden",
        recipient_name="College van Bestuur van de Universiteit Leiden",
        demands=list(DEMANDS_NL),
        signature_count=12345,
        goal=15000,
        goal_reached=False,
    )
    text = flat(render(app, letter, locale="nl")[0])
    for number, demand in enumerate(DEMANDS_NL, start=1):
        assert re.search(rf"{number}\.\s*{re.escape(demand)}", text), demand
    assert_in_order(text, DEMANDS_NL)
    assert not any(demand[:30] in text for demand in DEMANDS_EN)
    assert "12.345" in text and "15.000" in text and "12,345" not in text
    assert "1 maart 2026" in text
    assert "College van Bestuur van de Universiteit Leiden" in text and "Sanne de Boer" in text


def test_annex_lists_every_name_and_city_in_order(app):
    pages = render(app, content(named_count=250), annex_names(250))
    assert len(pages) >= 3  # the letter, then the annex on pages of its own
    annex = flat(" ".join(pages[1:]))
    assert "250 signatories agreed to be named" in annex
    assert_in_order(annex, [entry(name, city) for name, city in annex_names(250)])
    assert "Zoë Ñúñez" not in flat(pages[0])  # the letter page holds no names


def test_text_is_escaped_never_interpreted(app):
    tricky = 'Burgemeester & Wethouders "B&W" <b>Leiden</b> &amp; {nb}'
    names = [('Anna "Annie" O\'Neil & <i>Co</i>', "Den Haag & Rijswijk"), ("{nb}", None)]
    pages = render(app, content(recipient_name=tricky, campaign_title="Safe <Leiden> & more", named_count=2), names)
    letter, annex = flat(pages[0]), flat(" ".join(pages[1:]))
    assert tricky in letter
    assert "Safe <Leiden> & more" in letter
    assert_in_order(annex, ['Anna "Annie" O\'Neil & <i>Co</i> (Den Haag & Rijswijk)', "{nb}"])


def test_no_email_address_anywhere(app):
    text = " ".join(render(app, content(named_count=300), annex_names(300)))
    assert not EMAIL.search(text), EMAIL.search(text)


def test_letter_without_named_signers_renders_and_says_so(app):
    pages = render(app, content(named_count=0), [])
    assert len(pages) == 1
    assert "None of the signatories agreed to be named" in flat(pages[0])
    dutch = render(app, content(named_count=0, demands=list(DEMANDS_NL)), [], locale="nl")
    assert len(dutch) == 1 and DEMANDS_NL[0] in flat(dutch[0])


def test_names_are_consumed_once_as_a_stream(app):
    class OneShot:
        def __init__(self, rows):
            self.rows, self.iterated, self.left = rows, False, len(rows)

        def __iter__(self):
            assert not self.iterated, "names iterated twice"
            self.iterated = True
            for row in self.rows:
                self.left -= 1
                yield row

    names = OneShot([("Anna de Vries", "Leiden"), ("Piet Jansen", None)])
    pages = render(app, content(named_count=2), names)
    assert names.left == 0
    assert_in_order(flat(" ".join(pages[1:])), ["Anna de Vries (Leiden)", "Piet Jansen"])


def test_other_scripts_do_not_break_the_letter(app):
    names = [("Anna de Vries", "Leiden"), ("王小明", "北京"), ("محمد العلي", "Rotterdam"), ("Piet Jansen", "Delft")]
    letter = content(named_count=4, recipient_name="Gemeente Leiden, t.a.v. محمد العلي", organizer_name="王小明")
    pages = render(app, letter, names)
    # Arabic is in DejaVu Sans, not in DejaVu Serif: the serif letter borrows it instead of dropping it.
    assert set("محمدالعلي") <= set(pages[0]) and "Gemeente Leiden" in pages[0]
    annex = flat(" ".join(pages[1:]))
    assert_in_order(annex, ["Anna de Vries (Leiden)", "Rotterdam", "Piet Jansen (Delft)"])
    assert set("محمدالعلي") <= set(annex)


CHINESE = [("Anna de Vries", "Leiden"), ("王小明", "北京"), ("Piet Jansen", "Delft")]


def test_without_a_fallback_font_chinese_is_left_out_with_a_warning_and_the_rest_stays(app, monkeypatch, tmp_path, caplog):
    monkeypatch.setattr(typesetting, "FALLBACK_FONT_FILES", (tmp_path / "no-such-font.ttf",))
    with caplog.at_level(logging.WARNING, logger=typesetting.log.name):
        pages = render(app, content(named_count=3, organizer_name="王小明"), CHINESE)
    annex = flat(" ".join(pages[1:]))
    assert_in_order(annex, ["Anna de Vries (Leiden)", "Piet Jansen (Delft)"])
    assert not set("王小明北京") & set(" ".join(pages))
    assert "they are left out" in caplog.text and "fonts-droid-fallback" in caplog.text


@pytest.mark.skipif(
    not os.environ.get("CI") and not any(Path(path).is_file() for path in typesetting.FALLBACK_FONT_FILES),
    reason="no CJK fallback font installed (Debian: fonts-droid-fallback)",
)
def test_with_a_fallback_font_chinese_names_are_drawn(app, caplog):
    with caplog.at_level(logging.WARNING, logger=typesetting.log.name):
        pages = render(app, content(named_count=3, organizer_name="王小明"), CHINESE)
    assert "王小明" in pages[0]
    assert_in_order(flat(" ".join(pages[1:])), ["Anna de Vries (Leiden)", "王小明 (北京)", "Piet Jansen (Delft)"])
    assert "left out" not in caplog.text


def test_without_uharfbuzz_arabic_names_are_drawn_unshaped(app, monkeypatch):
    def no_harfbuzz(self, use_shaping_engine=True, *args, **kwargs):
        if use_shaping_engine:
            raise typesetting.FPDFException("The uharfbuzz package could not be imported")
        self.text_shaping = None

    monkeypatch.setattr(typesetting.LetterPDF, "set_text_shaping", no_harfbuzz)
    pages = render(app, content(named_count=3), [("Anna", None), ("محمد العلي", "Leiden"), ("Piet", "Delft")])
    annex = flat(" ".join(pages[1:]))
    assert_in_order(annex, ["Anna", "Leiden", "Piet (Delft)"])
    assert set("محمدالعلي") <= set(annex)


def test_a_missing_font_fails_clearly(app, tmp_path, monkeypatch):
    monkeypatch.setattr(typesetting, "FONT_DIR", tmp_path)
    with pytest.raises(LetterFontError, match="fonts-dejavu-core"):
        render(app, content())
