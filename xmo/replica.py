"""Reads from a streaming replica (DATABASE_REPLICA_URL); writes and fresh reads from the primary.

Reads go to the replica only inside a `reads()` scope: every safe (GET, HEAD, OPTIONS)
request of a session that has not written in the last few seconds (ReplicaMiddleware), and
the jobs that open one (XLA evaluation). Everything else reads the primary: requests that
write (POST...), management commands, job bookkeeping, and, once a scope has written, the
rest of that scope. Who may do what (sessions, users, memberships, tokens, login lockouts)
and the job leases are always read from the primary, so a revoked token or a removed member
is refused at once.

The replica is used while it is healthy: reachable, in recovery, and no more than
XMO_REPLICA_MAX_LAG_SECONDS behind. Its health is checked at most every CHECK_SECONDS per
process; a change of state is logged once, and /readyz reports it.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
CHECK_SECONDS = 2.0
# Session key: until when (epoch seconds) this session reads from the primary.
PIN_SESSION_KEY = "xmo_primary_until"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PRIMARY_ONLY = frozenset(
    {
        "sessions",
        "auth",
        "axes",
        "xmo.membership",
        "xmo.apitoken",
        "xmo.ssoidentity",
        "xmo.joblock",
        "xmo.jobrun",
    }
)

logger = logging.getLogger(__name__)


@dataclass
class Scope:
    pinned: bool = False  # its reads go to the primary
    wrote: bool = False


_scope: contextvars.ContextVar[Scope | None] = contextvars.ContextVar("xmo_reads", default=None)


def configured() -> bool:
    return REPLICA in connections.settings


@contextmanager
def reads(*, pinned: bool = False):
    """Let the reads in this block use the replica until the block writes. Inside another
    scope this is that scope (a request that has written stays on the primary)."""
    outer = _scope.get()
    if outer is not None:
        outer.pinned = outer.pinned or pinned
        yield outer
        return
    scope = Scope(pinned)
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        _scope.reset(token)


def pin_seconds() -> float:
    """How long a session reads from the primary after a write: long enough for a replica
    at the largest lag still in use to have replayed it."""
    return settings.REPLICA_MAX_LAG_SECONDS + CHECK_SECONDS


class ReplicaRouter:
    """Routes reads to REPLICA when allowed and healthy; inert when no replica is configured."""

    def db_for_read(self, model, **hints):
        if not configured():
            return None
        scope = _scope.get()
        if (
            scope is None
            or scope.pinned
            or model._meta.app_label in PRIMARY_ONLY
            or model._meta.label_lower in PRIMARY_ONLY
            # A transaction on the primary reads its own snapshot (select, then update).
            or connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return DEFAULT_DB_ALIAS
        return REPLICA if state() == "ok" else DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        if not configured():
            return None
        scope = _scope.get()
        if scope is not None:
            scope.pinned = scope.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the same rows: an object read there may point to one read here.
        return True if configured() else None

    def allow_migrate(self, db, app_label, **hints):
        return False if db == REPLICA else None


class ReplicaMiddleware:
    """Opens the reads scope of a safe request, unless the session wrote a moment ago; after
    a request that wrote, pins its session to the primary for pin_seconds()."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not configured():
            return self.get_response(request)
        session = getattr(request, "session", None)
        recent_write = session is not None and session.get(PIN_SESSION_KEY, 0) > time.time()
        unsafe = request.method not in SAFE_METHODS
        with reads(pinned=unsafe or recent_write) as scope:
            response = self.get_response(request)
        # Only an existing session is marked: a token client (no cookie) gets no session row.
        if (unsafe or scope.wrote) and session is not None and session.session_key:
            session[PIN_SESSION_KEY] = time.time() + pin_seconds()
        return response


# Health: one check per CHECK_SECONDS per process, whatever the number of reads.
_health = {"state": "none", "detail": "", "at": float("-inf")}
_logged = {"state": None}
_lock = threading.Lock()

LAG_SQL = """
SELECT pg_is_in_recovery(),
       pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn(),
       EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())
"""


def state() -> str:
    """ "none" (not configured), "ok", "lagging" or "down"; cached for CHECK_SECONDS."""
    return health()[0]


def health() -> tuple[str, str]:
    """(state, detail): the detail says how far behind, or why it is down."""
    if not configured():
        return "none", ""
    now = time.monotonic()
    if now - _health["at"] >= CHECK_SECONDS:
        new_state, detail = _check()
        _health.update(state=new_state, detail=detail, at=now)
        _log_change(new_state, detail)
    return _health["state"], _health["detail"]


def forget() -> None:
    """Check again at the next read (after the replica's settings changed)."""
    _health.update(state="none", detail="", at=float("-inf"))
    _logged["state"] = None


def _check() -> tuple[str, str]:
    connection = connections[REPLICA]
    try:
        with connection.cursor() as cursor:
            cursor.execute(LAG_SQL)
            in_recovery, caught_up, lag = cursor.fetchone()
    except Exception as exc:
        with suppress(Exception):  # already broken: the next use reconnects
            connection.close()
        return "down", f"{exc.__class__.__name__}: {str(exc).strip()[:200]}"
    if not in_recovery:
        return "down", "not a standby (pg_is_in_recovery() is false)"
    # An idle primary writes no transactions, so the last replayed one ages although
    # nothing is missing: a standby that has replayed all it received is caught up.
    if caught_up:
        return "ok", "caught up"
    limit = settings.REPLICA_MAX_LAG_SECONDS
    if lag is None:
        return "lagging", "no transaction replayed yet"
    if float(lag) > limit:
        return "lagging", f"{float(lag):.1f} s behind (limit {limit:g} s)"
    return "ok", f"{float(lag):.1f} s behind"


def _log_change(new_state: str, detail: str) -> None:
    with _lock:
        if _logged["state"] == new_state:
            return
        _logged["state"] = new_state
    if new_state == "ok":
        logger.info("database replica: ok (%s); reads use it", detail)
    else:
        logger.warning("database replica: %s (%s); reads use the primary", new_state, detail)
