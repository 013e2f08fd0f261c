"""Reach: helping a campaign travel. Share links (tagged with a short source, ?s=whatsapp), a share kit
with ready-to-paste messages in Dutch and English, a QR code, a printable poster, a share image for
link previews, an embeddable widget, the public signer wall, open data (counts per day and per city),
and what search engines read (canonical and hreflang links, sitemap.xml, robots.txt).

Nothing here loads anything from another host, and nothing here reveals whether someone signed: the
wall lists only counted signers who chose to be named, and the statistics are counts, with small cities
folded into "other"."""
from flask import Blueprint

bp = Blueprint("reach", __name__)

from . import routes  # noqa: E402,F401
