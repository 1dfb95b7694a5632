"""Rate limits: per API token (scope "token") and per signed-in person (scope "user").

The limit is a sliding window: at most N requests in any span of the rate's duration, the
same rule as DRF's SimpleRateThrottle. DRF reads the history, decides and writes it back in
three separate steps, so parallel requests of one token all read the same history and all
pass (16 clients got 704 requests through a 600/minute limit). Here the check and the
record are one atomic step:

- with Redis, a Lua script keeps the window as a sorted set of timestamps per token and
  trims, counts and adds in one call, so every web process and thread shares one count;
- without Redis (embedded mode, local-memory cache, one process), a lock around the same
  read-decide-write on the process's cache.
"""

import logging
import threading
import time
import uuid

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)

# After a cache failure, stop asking the cache for a while rather than pay its timeout on
# every request.
CACHE_RETRY_SECONDS = 30
_cache_down_until = 0.0

# KEYS[1]: the window; ARGV: now (s), duration (s), limit, a unique member.
# Returns {allowed (1/0), seconds until a slot frees up, as a string}.
SLIDING_WINDOW_LUA = """
local key = KEYS[1]
local now = tonumber(ARGV[1])
local duration = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - duration)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now, ARGV[4])
  redis.call('PEXPIRE', key, math.ceil(duration * 1000))
  return {1, '0'}
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return {0, tostring(tonumber(oldest[2]) + duration - now)}
"""


class RedisWindow:
    """The sliding window in Redis: one atomic script call per request."""

    def __init__(self, url: str):
        import redis

        self.client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        self.script = self.client.register_script(SLIDING_WINDOW_LUA)

    def hit(self, key: str, now: float, limit: int, duration: int) -> tuple[bool, float]:
        member = f"{now:.6f}:{uuid.uuid4().hex[:8]}"
        allowed, wait = self.script(keys=[f"xmo:{key}"], args=[now, duration, limit, member])
        return bool(allowed), max(0.0, float(wait))


class LocalWindow:
    """The sliding window in this process's cache, under a lock (embedded mode)."""

    def __init__(self):
        self.lock = threading.Lock()

    def hit(self, key: str, now: float, limit: int, duration: int) -> tuple[bool, float]:
        from django.core.cache import cache

        with self.lock:
            history = [t for t in cache.get(key, []) if t > now - duration]  # newest first
            if len(history) >= limit:
                return False, max(0.0, history[-1] + duration - now)
            history.insert(0, now)
            cache.set(key, history, duration)
            return True, 0.0


_windows: dict[str, object] = {}
_windows_lock = threading.Lock()


def window():
    """The shared window store for the configured cache (one per Redis URL, or the local one)."""
    url = settings.REDIS_URL or ""
    with _windows_lock:
        if url not in _windows:
            _windows[url] = RedisWindow(url) if url else LocalWindow()
        return _windows[url]


class TokenRateThrottle(SimpleRateThrottle):
    """Counts requests per token (or per person for session requests).

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
        self._wait = None
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        global _cache_down_until
        if time.monotonic() < _cache_down_until:
            return True
        try:
            allowed, self._wait = window().hit(
                self.key, self.timer(), self.num_requests, self.duration
            )
        except Exception:
            _cache_down_until = time.monotonic() + CACHE_RETRY_SECONDS
            logger.warning("rate-limit cache unavailable; requests are not limited for now")
            return True
        return allowed

    def wait(self):
        """Seconds until the oldest request in the window leaves it (for Retry-After)."""
        return self._wait
