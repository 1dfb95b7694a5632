from django.utils.functional import SimpleLazyObject

from .middleware import current_membership
from .roles import Capabilities


def _memberships(request):
    from .selectors import memberships_of

    if not request.user.is_authenticated:
        return []
    return list(memberships_of(request.user))


def _unread(request, membership):
    from .selectors import unread_notification_count

    return unread_notification_count(request.user, membership.organisation)


def organisation(request):
    membership = current_membership(request)
    memberships = SimpleLazyObject(lambda: _memberships(request))
    if membership is None:
        return {
            "current_membership": None,
            "current_org": None,
            "caps": Capabilities(None),
            "user_memberships": memberships,
            "unread_notifications": 0,
        }
    return {
        "current_membership": membership,
        "current_org": membership.organisation,
        "caps": Capabilities(membership),
        "user_memberships": memberships,
        # Lazy: the one COUNT runs only when a page shows the header badge.
        "unread_notifications": SimpleLazyObject(lambda: _unread(request, membership)),
    }
