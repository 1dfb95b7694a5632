"""Runs the test suite, and every Python process it starts, at the instant XMO_TEST_CLOCK.

`XMO_TEST_CLOCK=2027-03-28T01:30:00+00:00 make test` moves the clock (time.time,
datetime.now, date.today...) of the test session to that instant, ticking on from there,
so "today" for the code and the tests is that date. tests/conftest.py starts it and puts
this folder first on PYTHONPATH: Python imports `sitecustomize` at start-up, so pytest-xdist
workers, gunicorn, Celery workers and management commands started by tests travel too.
All of them share XMO_TEST_CLOCK_STARTED, the real instant the first process travelled, so
their clocks agree. A naive instant is taken as UTC. time.monotonic is not moved.
"""

from __future__ import annotations

import datetime
import os
import time

FOLDER = os.path.dirname(os.path.abspath(__file__))


def destination() -> datetime.datetime | None:
    value = os.environ.get("XMO_TEST_CLOCK", "").strip()
    if not value:
        return None
    instant = datetime.datetime.fromisoformat(value)
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=datetime.UTC)
    return instant


def start():
    """Travel this process to XMO_TEST_CLOCK (once); returns the destination or None."""
    instant = destination()
    if instant is None or os.environ.get("XMO_TEST_CLOCK_PID") == str(os.getpid()):
        return instant
    import time_machine

    started = float(os.environ.setdefault("XMO_TEST_CLOCK_STARTED", repr(time.time())))
    elapsed = datetime.timedelta(seconds=max(0.0, time.time() - started))
    time_machine.travel(instant + elapsed, tick=True).start()
    os.environ["XMO_TEST_CLOCK_PID"] = str(os.getpid())
    paths = os.environ.get("PYTHONPATH", "").split(os.pathsep)
    if FOLDER not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([FOLDER, *filter(None, paths)])
    return instant


def child_env(env: dict) -> dict:
    """`env` for a subprocess built from scratch, with the clock variables added when set."""
    if destination() is None:
        return env
    env = dict(env)
    for key in ("XMO_TEST_CLOCK", "XMO_TEST_CLOCK_STARTED"):
        env[key] = os.environ[key]
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and p != FOLDER]
    env["PYTHONPATH"] = os.pathsep.join([FOLDER, *paths])
    return env


start()
