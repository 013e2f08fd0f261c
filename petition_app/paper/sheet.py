"""The printable signature sheet: an A4 page in one of the campaign's languages with its title, its
demands to each recipient, a consent line and a table to sign in (number, name, place, signature),
typeset with the letters' fonts (letters.typesetting), like the poster. Organizers print it, collect
signatures on paper and record the count in the paper log."""
from flask_babel import force_locale, format_date
from flask_babel import gettext as _

from ..campaigns.models import Campaign
from ..letters.typesetting import INK, MUTED, LetterPDF, clean_text
from ..links import external_url
from ..timeutil import utcnow

#: The height of one row to sign in (mm): room for a handwritten name and signature.
ROW_HEIGHT = 9.5
#: Fewer rows than this left under the demands: the table starts on a page of its own.
MIN_ROWS = 8
ACCENT = (31, 92, 153)
#: The table's columns as shares of the page width: number, name, place, signature.
COLUMNS = (0.07, 0.36, 0.25, 0.32)


class SheetPDF(LetterPDF):
    """The letters' page with the sheet's own footer: the consent line's reminder and the address."""

    campaign_address = ""

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("sans", size=7.5)
        self.set_text_color(*MUTED)
        self.cell(0, 4, _("Sign online too: %(url)s", url=self.campaign_address), align="L")
        self.cell(0, 4, _("Page %(page)s of %(total)s", page=self.page_no(), total=self._total_alias), align="R")
        self.set_text_color(*INK)


def signature_sheet_pdf(campaign: Campaign, locale: str) -> bytes:
    """The signature sheet of `campaign` in `locale` ("nl" or "en")."""
    with force_locale(locale):
        title = clean_text(campaign.text("title", locale))
        recipients = [
            (clean_text(recipient.display_name(locale)), [clean_text(demand.text(locale)) for demand in recipient.demands])
            for recipient in campaign.recipients
        ]
        pdf = SheetPDF()
        pdf.campaign_address = external_url("signing.campaign", slug=campaign.slug, lang=locale)
        pdf.ensure_glyphs(title, campaign.organizer_name, *(name for name, _demands in recipients),
                          *(text for _name, demands in recipients for text in demands))
        pdf.set_title(title)
        pdf.set_auto_page_break(True, margin=18)
        pdf.add_page()
        width = pdf.epw

        pdf.set_text_color(*ACCENT)
        pdf.set_font("sans", "B", 10)
        pdf.cell(width, 6, _("Petition") + " · " + clean_text(campaign.organizer_name), new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(*INK)
        pdf.set_font("sans", "B", 17)
        pdf.multi_cell(width, 7.5, title, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        for name, demands in recipients:
            pdf.set_font("sans", "B", 10)
            pdf.multi_cell(width, 5, _("Our demands to %(recipient)s:", recipient=name), align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("serif", "", 9.5)
            for number, text in enumerate(demands, start=1):
                pdf.multi_cell(width, 4.6, f"{number}. {text}", align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1.5)

        bottom = pdf.h - 18
        if (bottom - pdf.get_y() - 30) // ROW_HEIGHT < MIN_ROWS:
            # Too little room under the demands: the rows get a page of their own, which says again what
            # is signed (printed on both sides, the demands are on the back of the rows).
            pdf.add_page()
            pdf.set_font("sans", "B", 12)
            pdf.multi_cell(width, 5.5, title, align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("sans", "", 8.5)
            pdf.multi_cell(width, 4.2, _("The demands are on the first page of this sheet."), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
        pdf.set_font("sans", "", 8.5)
        pdf.set_text_color(*INK)
        pdf.multi_cell(width, 4.2, consent_line(), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(*MUTED)
        pdf.set_font("sans", "", 7.5)
        pdf.multi_cell(width, 4, _("Sheet printed on %(date)s. Organizers: count the signatures and record the number in the paper log.",
                                   date=format_date(utcnow().date(), format="long")), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(*INK)
        pdf.ln(2)
        _table(pdf, width, bottom)
        return bytes(pdf.output())


def consent_line() -> str:
    """What a person agrees to by signing the sheet, in the current language."""
    return _(
        "By signing I support these demands. The organizers count the signatures on this sheet and add the "
        "number to the campaign; names and places are not put online. Only the organizers and the platform's "
        "moderators see this sheet or a scan of it."
    )


def _table(pdf: SheetPDF, width: float, bottom: float) -> None:
    """The header row and as many empty rows as fit above `bottom`, numbered."""
    widths = [width * share for share in COLUMNS]
    headings = ("#", _("Name"), _("Place"), _("Signature"))
    pdf.set_font("sans", "B", 9)
    pdf.set_fill_color(232, 238, 245)
    for heading, column in zip(headings, widths):
        pdf.cell(column, 7, heading, border=1, fill=True, align="L")
    pdf.ln(7)
    pdf.set_font("sans", "", 8)
    pdf.set_text_color(*MUTED)
    rows = int((bottom - pdf.get_y()) // ROW_HEIGHT)
    for number in range(1, rows + 1):
        for index, column in enumerate(widths):
            pdf.cell(column, ROW_HEIGHT, str(number) if index == 0 else "", border=1, align="C" if index == 0 else "L")
        pdf.ln(ROW_HEIGHT)
    pdf.set_text_color(*INK)

