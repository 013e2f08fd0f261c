"""Jobs of the path of a signature: its mails, and the periodic purges and recount.

The jobs import what they run (operations, upkeep); operations queue these jobs by path, so no module
of the domain imports this one and there is no cycle."""
from sqlalchemy import delete, update

from .. import mail
from ..extensions import db
from ..jobs import job
from . import operations, queries, upkeep
from .mailing import MAIL_CONFIRM, already_signed_message, confirmation_message, withdrawal_receipt
from .models import Signature, SignRequest


@job("mail", retry="MAIL_RETRY_INTERVALS")
def send_signature_mail(signature_id: int, kind: str, request_no: int, sign_request_id: int | None = None) -> bool:
    """Send mail number `request_no` of a signature unless it has been sent already, so that a retry
    never doubles it (mails_sent is raised only by the run that sent it).

    A confirmation mail shows the details of its own sign request, in that request's language, and
    its link confirms exactly those. Once the signature is confirmed, any further mail is "you have
    already signed", with the confirmed name and a link to change the details."""
    signature = db.session.get(Signature, signature_id)
    if signature is None or signature.withdrawn_at is not None or signature.mails_sent >= request_no:
        return False
    if kind == MAIL_CONFIRM and signature.confirmed_at is None:
        sign_request: SignRequest | None
        if sign_request_id is None:  # queued before sign requests existed
            sign_request = operations.request_from_signature(signature)
        else:
            sign_request = db.session.get(SignRequest, sign_request_id)
        if sign_request is None or sign_request.signature_id != signature.id:
            return False  # deleted with its signature's earlier life: nothing left to confirm
        message = confirmation_message(signature, sign_request)
    else:
        message = already_signed_message(signature)
    mail.send([message])
    db.session.execute(
        update(Signature).where(Signature.id == signature_id, Signature.mails_sent < request_no).values(mails_sent=request_no)
    )
    return True


@job("mail", retry="MAIL_RETRY_INTERVALS")
def send_withdrawal_receipt(signature_id: int) -> bool:
    """Confirm the withdrawal to the signer, then forget them: the row goes, with its deliveries. A
    second run finds nothing to do. The row goes only while it is still withdrawn: someone who signed
    again in the meantime keeps their new signature (issue 18), and a receipt for a signature signed
    again before it was sent is not sent."""
    signature = db.session.get(Signature, signature_id)
    if signature is None or signature.withdrawn_at is None:
        return False
    mail.send([withdrawal_receipt(signature)])
    db.session.execute(
        delete(Signature).where(Signature.id == signature_id, Signature.withdrawn_at.is_not(None))
        .execution_options(synchronize_session=False)
    )
    return True


@job("default")
def purge_personal_data() -> tuple[int, int]:
    """Periodic: delete unconfirmed signatures after UNCONFIRMED_RETENTION and the signers of campaigns
    closed longer than RETENTION_AFTER_CLOSE. Keeping only what is needed is a promise to signers.
    Returns (unconfirmed signatures deleted, closed campaigns purged)."""
    unconfirmed = upkeep.purge_unconfirmed()
    return unconfirmed, len(upkeep.purge_closed_campaigns())


@job("default")
def repair_counts() -> int:
    """Periodic: keep every campaign's count equal to its counted rows (and log any drift). Returns how
    many counts were repaired. Campaigns whose signers' data was deleted after closing keep their count:
    it is all that is left.

    One of the two jobs that commit more than once (docs/architecture.md, "Exceptions"): it commits
    after each campaign, so that each campaign row is locked only for its own recount, not for all."""
    repaired = 0
    for campaign_id in [campaign.id for campaign in queries.campaigns_with_signers()]:
        repaired += upkeep.repair_count(campaign_id) is not None
        db.session.commit()
    return repaired
