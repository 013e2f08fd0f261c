"""Demand letters: the PDF a campaign sends to each of its recipients (see pdf.write_letter_pdf)."""
