"""Paper signatures: what a recorded sheet may say, and which scans are accepted."""
from datetime import date, timedelta

#: One entry records a batch of sheets; more than this at once is a typing error.
MAX_SIGNATURES_PER_ENTRY = 100_000
#: A phone photo or a scanned PDF of a few sheets.
MAX_SCAN_BYTES = 8 * 1024 * 1024
#: The form around the scan (date, place, numbers) is small.
MAX_PAPER_BODY = MAX_SCAN_BYTES + 64 * 1024

#: How long a scan is kept for its confirmation page (paper.models.HeldScan): it names people.
HELD_SCAN_LIFETIME = timedelta(hours=1)

SCAN_TYPES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


def scan_type(data: bytes) -> str | None:
    """The media type of a scan by its first bytes (PDF, PNG or JPEG), or None for anything else: what
    the uploader's browser claims is never trusted."""
    for magic, media_type in SCAN_TYPES:
        if data.startswith(magic):
            return media_type
    return None


def collected_on_problem(collected_on: date, today: date) -> str | None:
    """Why a collection date cannot be right ("future"), or None."""
    return "future" if collected_on > today else None
