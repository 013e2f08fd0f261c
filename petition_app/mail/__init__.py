"""Building mails (a text and an HTML part, in the recipient's language) and handing them to a transport."""
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app, render_template
from flask_babel import force_locale

from .transports import get_transport


def build_message(to, template, locale, subject, **context):
    """Render `templates/email/<template>.txt` and `.html` in `locale`; `subject` is a callable that
    returns the translated subject, so it is translated inside the same locale."""
    with force_locale(locale):
        context["locale"] = locale
        text = render_template(f"email/{template}.txt", **context)
        html = render_template(f"email/{template}.html", **context)
        subject_text = str(subject())
    message = EmailMessage()
    message["Subject"] = subject_text
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Message-ID"] = make_msgid(domain="petition.local")
    message["Content-Language"] = locale
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def send(messages):
    """Send a batch of messages over one connection of the configured transport."""
    with get_transport() as transport:
        for message in messages:
            transport.send(message)
