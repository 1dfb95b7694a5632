import os
import sys

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import LoginView
from django.db import InterfaceError, OperationalError, connection
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import replica
from .middleware import SESSION_KEY
from .models import Membership
from .selectors import memberships_of


def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request):
    """200 while the database answers; 503 only when it does not.

    The broker and the read replica are reported, not required: while the broker is down,
    pushes are still stored (with their durable "to roll up" marker) and the periodic sweep
    processes them later; while the replica lags or is down, reads use the primary. The
    instance stays in the load balancer and answers `"status": "degraded"`.
    """
    checks = {
        "database": _database_state(),
        "broker": _broker_state(),
        # "none" without a replica; lagging or down only moves reads to the primary.
        "replica": replica.health(),
    }
    reasons = [
        f"{name}: {detail}"
        for name, (state, detail) in checks.items()
        if state not in {"ok", "none"}
    ]
    body = {name: state for name, (state, _) in checks.items()}
    if checks["database"][0] != "ok":
        status, code = "unavailable", 503
    elif reasons:
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    response = {"status": status, **body, "checks": body}
    if reasons:
        response["reason"] = "; ".join(reasons)
    return JsonResponse(response, status=code)


def _database_state() -> tuple[str, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return "down", exc.__class__.__name__
    return "ok", ""


def _broker_state() -> tuple[str, str]:
    """Redis when configured; the embedded filesystem queue must be a writable folder."""
    if settings.REDIS_URL:
        try:
            import redis

            client = redis.Redis.from_url(
                settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
            )
            client.ping()
        except Exception as exc:
            return "down", exc.__class__.__name__
        return "ok", ""
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("data_folder_in", "")
        if not (os.path.isdir(folder) and os.access(folder, os.W_OK)):
            return "down", f"queue folder {folder} is missing or not writable"
    return "ok", ""


class XmoLoginView(LoginView):
    """Username and password, and "Sign in with <provider>" when single sign-on is set up.

    With XMO_PASSWORD_LOGIN=0 the form is not shown and a posted password is refused (403)
    before any check; PasswordBackend refuses it too (the admin's log-in included).
    """

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sso_enabled"] = settings.XMO_SSO_ENABLED
        context["sso_provider_name"] = settings.XMO_OIDC_PROVIDER_NAME
        context["password_login"] = settings.XMO_PASSWORD_LOGIN
        return context

    def post(self, request, *args, **kwargs):
        if not settings.XMO_PASSWORD_LOGIN:
            refused = _(
                "Password sign-in is switched off here; use “Sign in with %(provider)s”."
            ) % {"provider": settings.XMO_OIDC_PROVIDER_NAME}
            context = self.get_context_data(form=self.get_form_class()(request), refused=refused)
            return self.render_to_response(context, status=403)
        return super().post(request, *args, **kwargs)


def logout_view(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    logout(request)
    messages.info(request, _("You are signed out."))
    return redirect("login")


@require_POST
def switch_organisation(request):
    if not request.user.is_authenticated:
        return redirect("login")
    try:
        org_id = int(request.POST.get("organisation", ""))
    except ValueError as exc:
        raise Http404("Unknown organisation") from exc
    membership = Membership.objects.filter(user=request.user, organisation_id=org_id).first()
    if membership is None:
        raise Http404("Unknown organisation")
    request.session[SESSION_KEY] = membership.organisation_id
    messages.success(request, _("Now working in %(org)s.") % {"org": membership.organisation.name})
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "/"
    return redirect(target)


def permission_denied(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(exception) or _("Forbidden.")}, status=403)
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


def page_not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return render(request, "404.html", status=404)


def server_error(request):
    """500 page, except that a lost database is a 503 the client may retry (JSON for the API).

    Neither answer touches the database: it may be the reason we are here.
    """
    from django.views import defaults

    from .api.exceptions import DATABASE_UNAVAILABLE, RETRY_AFTER_SECONDS

    exc = sys.exc_info()[1]
    api = request.path.startswith("/api/")
    if isinstance(exc, OperationalError | InterfaceError):
        if api:
            response = JsonResponse({"detail": DATABASE_UNAVAILABLE}, status=503)
        else:
            response = HttpResponse(
                "<!doctype html><title>{}</title><h1>{}</h1><p>{}</p>".format(
                    _("Unavailable"),
                    _("XMO is briefly unavailable"),
                    _("The database is not answering. Nothing was saved; try again in a moment."),
                ),
                status=503,
            )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    if api:
        return JsonResponse({"detail": _("Server error.")}, status=500)
    return defaults.server_error(request)


def organisations_for(user):
    return memberships_of(user)
