"""Jobs that send mail about one signature."""
from . import job


@job("mail", retry="MAIL_RETRY_INTERVALS")
def send_signature_mail(signature_id, kind, request_no):
    """Runs the signing service's delivery, which skips a mail already sent, so a retry never doubles it."""
    from ..signing.services import deliver_signature_mail

    deliver_signature_mail(signature_id, kind, request_no)


@job("mail", retry="MAIL_RETRY_INTERVALS")
def send_withdrawal_receipt(signature_id):
    """The service deletes the signature once the receipt is sent; a second run finds nothing to do."""
    from ..signing.services import deliver_withdrawal_receipt

    deliver_withdrawal_receipt(signature_id)
