"""Signed, expiring tokens for links in mails. One serializer, one salt per purpose, so that a token made
for one purpose can never be replayed for another."""
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

SALTS = {
    "verify": "petition.verify-signature.v1",
    "unsubscribe": "petition.unsubscribe.v1",
    "respond": "petition.recipient-respond.v1",
    "withdraw": "petition.withdraw.v1",
    "my_data": "petition.my-data.v1",
    "account_confirm": "petition.account-confirm.v1",
    "password_reset": "petition.password-reset.v1",
    "invite": "petition.co-organizer-invite.v1",
}


class TokenInvalid(Exception):
    pass


class TokenExpired(TokenInvalid):
    pass


def _serializer(purpose):
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALTS[purpose])


def make_token(purpose, payload):
    return _serializer(purpose).dumps(payload)


def read_token(purpose, token, max_age):
    try:
        return _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise TokenExpired() from exc
    except BadSignature as exc:
        raise TokenInvalid() from exc
