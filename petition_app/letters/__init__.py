"""Demand letters: the PDF a campaign sends to each of its recipients (documents.py, pdf.py), the
hand-over by mail, and the log of it."""
