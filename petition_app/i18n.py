"""Which language a page is shown in: ?lang=, then the language chosen earlier, then the browser's
Accept-Language, then Dutch.

A choice is remembered in the session of a logged-in organizer (who has one anyway) and, for everyone
else, in a small `lang` cookie set only by the answer to the ?lang= that made the choice: a public page
never writes a session for an anonymous visitor, so that it can be cached (issue 12, security.py)."""
from typing import Any

from flask import Response, after_this_request, current_app, request, session
from flask_babel import format_decimal, ngettext
from flask_login import current_user

from .rules import other_language

LANGUAGE_COOKIE = "lang"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not request:
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = request.args.get("lang")
    if chosen is not None and chosen in languages:
        remember_language(chosen)
        return chosen
    if session.get("lang") in languages:
        return session["lang"]
    if request.cookies.get(LANGUAGE_COOKIE) in languages:
        return request.cookies[LANGUAGE_COOKIE]
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def remember_language(chosen: str) -> None:
    """The session of a logged-in user, else the `lang` cookie (only when it changes)."""
    if current_user and current_user.is_authenticated:
        session["lang"] = chosen
        session.permanent = True
        return
    if request.cookies.get(LANGUAGE_COOKIE) == chosen:
        return

    @after_this_request
    def set_language_cookie(response: Response) -> Response:
        response.set_cookie(
            LANGUAGE_COOKIE, chosen, max_age=LANGUAGE_COOKIE_AGE, httponly=True, samesite="Lax",
            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        )
        return response


def localized(obj: Any, field: str, locale: str) -> str:
    """The Dutch or English text of a bilingual field, falling back to the other language when empty."""
    other = other_language(locale)
    return getattr(obj, f"{field}_{locale}", None) or getattr(obj, f"{field}_{other}", None) or ""


def count_sentence(online: int, paper: int = 0) -> str:
    """The one sentence that states a campaign's count, wherever a total is stated (the campaign page,
    the recipient's cover mail and its preview, the close page, milestone mails, the dashboard, the
    letters): the total, then the confirmed online signatures and the paper ones, in the language of the
    moment ("2,125 signatures: 2,000 online and confirmed, 125 on paper"). No full stop: the caller
    ends the sentence. Issue 20: a total said once here cannot lose its paper signatures elsewhere."""
    total = online + paper
    if paper:
        return ngettext(
            "%(total)s signature: %(online)s online and confirmed, %(paper)s on paper",
            "%(total)s signatures: %(online)s online and confirmed, %(paper)s on paper",
            total, total=format_decimal(total), online=format_decimal(online), paper=format_decimal(paper),
        )
    return ngettext(
        "%(total)s signature, online and confirmed", "%(total)s signatures, online and confirmed",
        total, total=format_decimal(total),
    )
