"""Settings → Webhooks: endpoints (secret shown once) and the delivery log with re-send.

Admins only (capability manage_organisation); objects are looked up within the current
organisation (another organisation's is a 404); every write goes through services (audited).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from xmo.access import org_object_or_404, org_required
from xmo.pagination import page_of, query_without_page

from . import selectors, services
from .events import EVENTS
from .forms import DeliveryFilterForm, WebhookEndpointForm
from .models import WebhookDelivery, WebhookEndpoint

PAGE_SIZE = 50


def _endpoints_page(request, *, form=None, secret=None, new_endpoint=None, status=200):
    endpoints = selectors.endpoints_of(request.organisation)
    return render(
        request,
        "xmo/settings/webhooks.html",
        {
            "tab": "webhooks",
            "page": page_of(request, endpoints, PAGE_SIZE),
            "form": form or WebhookEndpointForm(),
            "secret": secret,
            "new_endpoint": new_endpoint,
            "events": EVENTS,
        },
        status=status,
    )


@org_required("manage_organisation")
@require_http_methods(["GET", "POST"])
def webhooks(request):
    if request.method == "GET":
        return _endpoints_page(request)
    form = WebhookEndpointForm(request.POST)
    if not form.is_valid():
        return _endpoints_page(request, form=form, status=400)
    try:
        endpoint, secret = services.webhook_endpoint_create(
            organisation=request.organisation, actor=request.user, **form.cleaned_data
        )
    except ValidationError as exc:
        form.add_error(None, " ".join(exc.messages))
        return _endpoints_page(request, form=form, status=400)
    response = _endpoints_page(request, secret=secret, new_endpoint=endpoint)
    response["Cache-Control"] = "no-store"
    return response


@org_required("manage_organisation")
@require_POST
def webhook_active(request, pk):
    endpoint = org_object_or_404(request, WebhookEndpoint, pk=pk)
    active = not endpoint.is_active
    services.webhook_endpoint_set_active(endpoint=endpoint, active=active, actor=request.user)
    text = _("Endpoint “%(name)s” enabled.") if active else _("Endpoint “%(name)s” disabled.")
    messages.success(request, text % {"name": endpoint.name})
    return redirect("settings_webhooks")


@org_required("manage_organisation")
def webhook_deliveries(request):
    org = request.organisation
    endpoints = list(selectors.endpoints_of(org))
    form = DeliveryFilterForm(request.GET or None, endpoints=endpoints)
    filters = form.cleaned_data if form.is_valid() else {}
    deliveries = selectors.deliveries_of(
        org, endpoint_id=filters.get("endpoint"), status=filters.get("status")
    )
    return render(
        request,
        "xmo/settings/webhook_deliveries.html",
        {
            "tab": "webhooks",
            "page": page_of(request, deliveries, PAGE_SIZE),
            "form": form,
            "query": query_without_page(request),
        },
    )


@org_required("manage_organisation")
@require_POST
def webhook_delivery_resend(request, pk):
    delivery = org_object_or_404(request, WebhookDelivery.objects.select_related("endpoint"), pk=pk)
    services.webhook_delivery_resend(delivery=delivery, actor=request.user)
    messages.success(
        request,
        _("%(event)s to “%(endpoint)s” queued again; the worker sends it within a minute.")
        % {"event": delivery.event, "endpoint": delivery.endpoint.name},
    )
    return redirect("settings_webhook_deliveries")
