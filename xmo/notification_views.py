"""The notification centre: a person's own notifications in the current organisation, and
their preferences (the channel of each kind, and their language). Every member may use it;
every lookup is by recipient and organisation, so someone else's notification is a 404."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from . import notifying, services
from .access import org_required
from .forms import LanguagePreferenceForm
from .i18n import remember_language, user_language
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
    notifying.notification_mark_read(notification=note)
    if note.url and url_has_allowed_host_and_scheme(
        note.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(note.url)
    return redirect("notifications")


@org_required()
@require_POST
def notification_read(request, pk):
    notifying.notification_mark_read(notification=_mine(request, pk))
    return _back_to_list(request)


@org_required()
@require_POST
def notifications_read_all(request):
    count = notifying.notifications_mark_all_read(
        user=request.user, organisation=request.organisation
    )
    messages.success(
        request,
        ngettext(
            "%(count)s notification marked read.", "%(count)s notifications marked read.", count
        )
        % {"count": count},
    )
    return _back_to_list(request)


def _preferences_page(request, rows, language_form, *, error="", status=200):
    return render(
        request,
        "xmo/notifications_preferences.html",
        {
            "rows": rows,
            "channels": NotificationPreference.Channel.choices,
            "language_form": language_form,
            "error": error,
        },
        status=status,
    )


@org_required()
@require_http_methods(["GET", "POST"])
def notification_preferences(request):
    rows = notification_preferences_of(request.user, request.organisation)
    current = {"language": user_language(request.user)}
    if request.method == "POST" and request.POST.get("form") == "language":
        form = LanguagePreferenceForm(request.POST, initial=current)
        if not form.is_valid():
            return _preferences_page(request, rows, form, status=400)
        language = form.cleaned_data["language"]
        services.user_language_set(
            user=request.user, language=language, organisation=request.organisation
        )
        remember_language(request.session, language)
        # The confirmation is read in the language just chosen.
        with translation.override(language or translation.get_language_from_request(request)):
            messages.success(request, _("Language saved."))
        return redirect("notification_preferences")
    language_form = LanguagePreferenceForm(initial=current)
    if request.method == "POST":
        valid = set(NotificationPreference.Channel.values)
        channels = {}
        for row in rows:
            value = request.POST.get(f"kind:{row['kind']}", row["channel"])
            if value not in valid:
                error = _("Unknown choice for %(kind)s.") % {"kind": row["label"]}
                return _preferences_page(request, rows, language_form, error=error, status=400)
            channels[row["kind"]] = value
        notifying.notification_preferences_set(
            user=request.user, organisation=request.organisation, channels=channels
        )
        messages.success(request, _("Notification preferences saved."))
        return redirect("notification_preferences")
    return _preferences_page(request, rows, language_form)
