"""Jobs of bounces: telling the organizers and the moderators that a letter did not arrive."""
from flask_babel import gettext

from ..accounts.mailing import mail_users
from ..accounts.queries import confirmed_admins
from ..extensions import db
from ..jobs import job
from ..links import external_url
from ..mail.models import MailBounce
from ..letters.models import Handover

LETTER_BOUNCED = "letter_bounced"


@job("mail", retry="MAIL_RETRY_INTERVALS")
def tell_letter_bounced(bounce_id: int) -> None:
    """A letter's mail came back for good: its organizers believe it was delivered until told. Each
    organizer and moderator gets a mail in their own language, with the date and the dashboard's link.
    A retry after the SMTP server took some of them may send those again; a silent bounce is worse."""
    bounce = db.session.get(MailBounce, bounce_id)
    handover = db.session.get(Handover, bounce.ref_id) if bounce is not None else None
    if bounce is None or handover is None:
        return
    campaign = handover.recipient.campaign
    people = {user.id: user for user in [*campaign.organizers, *confirmed_admins()] if user.email_confirmed_at is not None}
    recipient = handover.recipient
    mail_users(
        people.values(), campaign, LETTER_BOUNCED, lambda title: gettext("A letter did not arrive: %(title)s", title=title),
        recipient=recipient, bounced_at=bounce.bounced_at, status=bounce.status,
        dashboard_url=external_url("organizers.dashboard", slug=campaign.slug, _anchor="letters"),
        correct_url=external_url("organizers.correct", slug=campaign.slug),
    )
