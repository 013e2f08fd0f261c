"""Which language a page is shown in: ?lang= (remembered in the session), then the session, then the
browser's Accept-Language, then Dutch."""
from flask import current_app, request, session

from .rules import other_language


def select_locale():
    languages = current_app.config["LANGUAGES"]
    if not request:
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = request.args.get("lang")
    if chosen in languages:
        session["lang"] = chosen
        session.permanent = True
        return chosen
    if session.get("lang") in languages:
        return session["lang"]
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def localized(obj, field, locale):
    """The Dutch or English text of a bilingual field, falling back to the other language when empty."""
    other = other_language(locale)
    return getattr(obj, f"{field}_{locale}", None) or getattr(obj, f"{field}_{other}", None) or ""
