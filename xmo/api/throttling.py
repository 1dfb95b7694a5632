"""Rate limits: per API token (scope "token") and per signed-in person (scope "user")."""

import logging

from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)


class TokenRateThrottle(SimpleRateThrottle):
    """Counts requests per token (or per person for session requests) in the shared cache.

    A cache outage never fails a request: the limit is simply not enforced meanwhile.
    """

    scope = "token"

    def get_cache_key(self, request, view):
        token = getattr(request, "auth", None)
        if token is not None and hasattr(token, "has_scope"):
            return self.cache_format % {"scope": "token", "ident": token.pk}
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return self.cache_format % {"scope": "user", "ident": user.pk}
        return None

    def get_rate(self):
        return self.THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        token = getattr(request, "auth", None)
        is_token = token is not None and hasattr(token, "has_scope")
        self.scope = "token" if is_token else "user"
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        try:
            return super().allow_request(request, view)
        except Exception:
            logger.warning("rate-limit cache unavailable; request allowed", exc_info=True)
            return True
