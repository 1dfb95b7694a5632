"""Languages: a person's chosen language, text rendered in a recipient's language later.

A signed-in person's choice (UserPreference.language) is copied into their session when they
sign in or change it, so activating it costs no query per request
(xmo.middleware.UserLanguageMiddleware). Blank means "the browser's language".
"""

from __future__ import annotations

from django.conf import settings
from django.utils.functional import lazy

SESSION_KEY = "xmo_language"


def valid_language(code: str | None) -> str:
    """The code when it is one of settings.LANGUAGES, else "" (no choice)."""
    return code if code and code in dict(settings.LANGUAGES) else ""


def user_language(user) -> str:
    """The person's chosen language, or "" when they follow the browser."""
    if user is None or not getattr(user, "pk", None):
        return ""
    from .models import UserPreference

    code = UserPreference.objects.filter(user_id=user.pk).values_list("language", flat=True).first()
    return valid_language(code)


def recipient_language(user) -> str:
    """The language to write to a person in when no request tells: theirs, else the default."""
    return user_language(user) or settings.LANGUAGE_CODE


def _render(message, params):
    text = str(message)
    return text % params if params else text


_lazy_render = lazy(_render, str)


def later(message, **params):
    """A translated sentence with values, rendered in whatever language is active when it is
    turned into text: `later(gettext_lazy("%(xla)s is breached"), xla=name)`.

    notify() renders it once per recipient, in the recipient's language."""
    return _lazy_render(message, params)


def _date_text(value, format_name):
    from django.utils.formats import date_format

    return date_format(value, format_name)


later_date = lazy(_date_text, str)
later_date.__doc__ = """A date written in whatever language is active when the text is rendered
(`later_date(day, "DATE_FORMAT")`), for a value of `later`: "4 Dec 2026" / "4. Dezember 2026"."""


def _number_text(value, decimal_pos=None):
    from .templatetags.xmo_format import DASH, format_number

    if value is None or value == "":
        return DASH
    if decimal_pos is None:
        # As many decimals as the value needs, at most two: 70.0 → "70", 72.5 → "72.5".
        value = round(float(value), 2)
        decimal_pos = next(d for d in (0, 1, 2) if round(value, d) == value)
    return format_number(value, decimal_pos)


later_number = lazy(_number_text, str)
later_number.__doc__ = """A number written with the separators of whatever language is active
when the text is rendered (`later_number(1234.5, 1)`), for a value of `later`: "1,234.5" /
"1.234,5". Without decimal_pos a float keeps the decimals it needs, at most two; None is "—"."""


def remember_language(session, language: str) -> None:
    """Keep the person's choice in their session ("" forgets it)."""
    language = valid_language(language)
    if language:
        session[SESSION_KEY] = language
    else:
        session.pop(SESSION_KEY, None)


def remember_language_at_sign_in(sender, request, user, **kwargs):
    """user_logged_in: copy the person's chosen language into the new session."""
    session = getattr(request, "session", None)
    if session is not None:
        remember_language(session, user_language(user))
