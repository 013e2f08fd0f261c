"""Jobs of paper signatures: the purge of scans held for a confirmation page that was never answered."""
from ..jobs import job
from . import operations


@job("default")
def forget_held_scans() -> int:
    """Periodic: a scan held for a confirmation page names people; once the page is an hour old and
    unanswered, nothing needs it."""
    return operations.forget_held_scans()
