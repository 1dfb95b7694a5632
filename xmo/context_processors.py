from .middleware import current_membership
from .roles import Capabilities


def organisation(request):
    membership = current_membership(request)
    if membership is None:
        return {"current_membership": None, "current_org": None, "caps": Capabilities(None)}
    return {
        "current_membership": membership,
        "current_org": membership.organisation,
        "caps": Capabilities(membership),
    }
