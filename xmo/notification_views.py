"""The notification centre: a person's own notifications in the current organisation, and
their preferences. Every member may use it; every lookup is by recipient and organisation,
so someone else's notification is a 404."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from . import services
from .access import org_required
from .models import Notification, NotificationPreference
from .pagination import page_of
from .selectors import notification_preferences_of, notifications_of

PAGE_SIZE = 30


def _mine(request, pk):
    return get_object_or_404(
        Notification, pk=pk, recipient=request.user, organisation=request.organisation
    )


def _back_to_list(request):
    page = request.POST.get("page", "")
    url = "/notifications/"
    return redirect(f"{url}?page={page}" if page.isdigit() else url)


@org_required()
@require_http_methods(["GET"])
def notification_list(request):
    notes = notifications_of(request.user, request.organisation)
    page = page_of(request, notes, size=PAGE_SIZE)
    return render(
        request,
        "xmo/notifications.html",
        {"page": page, "has_unread": notes.filter(read_at__isnull=True).exists()},
    )


@org_required()
@require_http_methods(["GET"])
def notification_open(request, pk):
    """Follow a notification's link, marking it read on the way."""
    note = _mine(request, pk)
    services.notification_mark_read(notification=note)
    if note.url and url_has_allowed_host_and_scheme(
        note.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(note.url)
    return redirect("notifications")


@org_required()
@require_POST
def notification_read(request, pk):
    services.notification_mark_read(notification=_mine(request, pk))
    return _back_to_list(request)


@org_required()
@require_POST
def notifications_read_all(request):
    count = services.notifications_mark_all_read(
        user=request.user, organisation=request.organisation
    )
    messages.success(request, f"{count} notification{'s' if count != 1 else ''} marked read.")
    return _back_to_list(request)


@org_required()
@require_http_methods(["GET", "POST"])
def notification_preferences(request):
    rows = notification_preferences_of(request.user, request.organisation)
    valid = set(NotificationPreference.Channel.values)
    if request.method == "POST":
        channels = {}
        for row in rows:
            value = request.POST.get(f"kind:{row['kind']}", row["channel"])
            if value not in valid:
                return render(
                    request,
                    "xmo/notifications_preferences.html",
                    {
                        "rows": rows,
                        "channels": NotificationPreference.Channel.choices,
                        "error": f"Unknown choice for {row['label']}.",
                    },
                    status=400,
                )
            channels[row["kind"]] = value
        services.notification_preferences_set(
            user=request.user, organisation=request.organisation, channels=channels
        )
        messages.success(request, "Notification preferences saved.")
        return redirect("notification_preferences")
    return render(
        request,
        "xmo/notifications_preferences.html",
        {"rows": rows, "channels": NotificationPreference.Channel.choices},
    )
