"""The organizers' pages, one module per seam, all on the one `organizers` blueprint: drafts (the
editor, preview, review request and corrections), recipients (recipients and demands of a draft, one
endpoint per action), dashboard (counts, signers, export, letters, updates, closing) and team
(co-organizers). `legacy` keeps the `?action=` addresses of pages loaded before the split working.
Logged-in organizers of the campaign only (anyone else gets a 404, as if the campaign did not exist)."""
from . import dashboard, drafts, legacy, recipients, team  # noqa: F401
