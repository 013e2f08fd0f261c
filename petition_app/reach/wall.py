"""The public signer wall: names and cities of counted signers who chose to be shown, nothing else."""

from dataclasses import dataclass

from sqlalchemy import func, select

from ..extensions import db
from ..signing.models import Signature

#: Open Graph wants a territory with the language.
OG_LOCALES = {"nl": "nl_NL", "en": "en_GB"}
#: A city with fewer counted signers than this is folded into "other", so that nobody is singled out.
MIN_CITY_GROUP = 5
SIGNERS_PER_PAGE = 50
SHARE_IMAGE_SIZE = (1200, 630)
#: Raise when the share image's design changes, so that cached images are drawn anew.
SHARE_IMAGE_VERSION = "1"



# ---------------------------------------------------------------- the signer wall


@dataclass
class WallPage:
    entries: list  # (name, city or None), newest first
    page: int
    has_next: bool
    total: int  # counted signers who chose to be named


def signer_wall(campaign, page=1, per_page=SIGNERS_PER_PAGE):
    """Names and cities of the counted signers who agreed to be shown, most recently confirmed first.
    Nothing else: never an email address, never a date (which, with a name, says more than needed)."""
    where = (Signature.campaign_id == campaign.id, Signature.named())
    total = db.session.execute(select(func.count()).select_from(Signature).where(*where)).scalar_one()
    rows = db.session.execute(
        select(Signature.name, Signature.city)
        .where(*where)
        .order_by(Signature.confirmed_at.desc(), Signature.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page + 1)
    ).all()
    return WallPage(entries=[tuple(r) for r in rows[:per_page]], page=page, has_next=len(rows) > per_page, total=total)
