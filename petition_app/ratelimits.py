"""Hard rate limits shared by several routes (web and API), read from the configuration at request
time so that tests and operators can tune them. Answered with 429 by Flask-Limiter."""
from flask import current_app


def sign_limit() -> str:
    """Signatures per client address (generous: a whole campus may share one address)."""
    return str(current_app.config["SIGN_RATE_LIMIT"])


def link_limit() -> str:
    """Openings of links from mails (confirm, withdraw, answer) per client address."""
    return str(current_app.config["LINK_RATE_LIMIT"])
