"""Resolves the organisation a signed-in person is working in (request.organisation)."""

from django.utils.functional import SimpleLazyObject

SESSION_KEY = "xmo_org_id"


def _membership_for(request):
    user = request.user
    if not user.is_authenticated:
        return None
    from .models import Membership

    memberships = Membership.objects.select_related("organisation").filter(user=user)
    wanted = request.session.get(SESSION_KEY)
    if wanted is not None:
        chosen = memberships.filter(organisation_id=wanted).first()
        if chosen is not None:
            return chosen
    chosen = memberships.order_by("organisation__name").first()
    if chosen is not None:
        request.session[SESSION_KEY] = chosen.organisation_id
    return chosen


class OrganisationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        cache = {}

        def membership():
            if "m" not in cache:
                cache["m"] = _membership_for(request)
            return cache["m"]

        request.membership_lazy = membership
        request.membership = SimpleLazyObject(membership)
        request.organisation = SimpleLazyObject(
            lambda: membership().organisation if membership() else None
        )
        return self.get_response(request)


def current_membership(request):
    """The real Membership (or None), unwrapped from the lazy object."""
    getter = getattr(request, "membership_lazy", None)
    return getter() if getter else None


class UnstorableInputMiddleware:
    """Input the database cannot hold at all is a 400, not a 500.

    Django's model choice fields turn "abc" into a form error but pass a 40-digit id on to the
    database, which refuses it (OverflowError on SQLite, "out of range" on PostgreSQL); a NUL
    character in a query string or form value reaches PostgreSQL, which refuses it in text.
    Such a request cannot be valid, so it is answered as a bad request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.db import DataError
        from django.http import HttpResponseBadRequest, JsonResponse
        from django.utils.translation import gettext as _

        if isinstance(exception, OverflowError) or (
            isinstance(exception, DataError)
            and getattr(getattr(exception, "__cause__", None), "sqlstate", "") == "22003"
        ):
            message = _("A number in the request is out of range.")
        elif isinstance(exception, DataError | ValueError) and "NUL (0x00)" in str(exception):
            message = _("NUL characters are not allowed.")
        else:
            return None
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=400)
        return HttpResponseBadRequest(message)


class UriTooLongMiddleware:
    """A request line longer than XMO_MAX_URL_BYTES is a 414 (JSON for the API).

    No page or endpoint needs a long query string; an over-long one is a mistake or an
    attack, and would otherwise reach the filters and the database. The HTTP servers refuse
    far longer lines themselves (gunicorn above 8190 bytes, see gunicorn.conf.py; runserver
    above 64 KiB), with an HTML page; between this limit and theirs the answer is ours.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        limit = settings.XMO_MAX_URL_BYTES
        length = len(request.path_info.encode()) + len(request.META.get("QUERY_STRING", ""))
        if length > limit:
            from django.http import HttpResponse, JsonResponse
            from django.utils.translation import gettext as _

            message = _(
                "The URL is %(length)s bytes long; at most %(limit)s are accepted. "
                "Send fewer or shorter query parameters."
            ) % {"length": length, "limit": limit}
            if request.path_info.startswith("/api/"):
                return JsonResponse({"detail": message}, status=414)
            return HttpResponse(message, status=414, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class UserLanguageMiddleware:
    """The signed-in person's chosen language, when they chose one (after
    AuthenticationMiddleware). Otherwise LocaleMiddleware's choice from Accept-Language stands.

    The choice is read from the session (copied there at sign-in and when it changes, see
    xmo.i18n), so no request pays a query for it. Token-authenticated API requests carry no
    session user here and so follow Accept-Language. Every response says its language.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        from .i18n import SESSION_KEY, valid_language

        session = getattr(request, "session", None)
        language = ""
        # Only a request that carries a session cookie can be a signed-in person's; others
        # (the API's token clients, first visits) leave the session untouched.
        if session is not None and settings.SESSION_COOKIE_NAME in request.COOKIES:
            language = valid_language(session.get(SESSION_KEY))
        if language and request.user.is_authenticated:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
