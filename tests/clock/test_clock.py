"""The suite's clock switch (XMO_TEST_CLOCK) and the per-worker Redis database."""

import os
import subprocess
import sys

from tests.clock import sitecustomize as clock
from tests.conftest import _worker_redis_url

PRINT_NOW = (
    "import datetime, time;"
    "print(datetime.datetime.now(datetime.UTC).isoformat(), datetime.date.today(), time.time())"
)


def _child(**env):
    base = {k: v for k, v in os.environ.items() if not k.startswith("XMO_TEST_CLOCK")}
    base.pop("PYTHONPATH", None)
    result = subprocess.run(
        [sys.executable, "-c", PRINT_NOW],
        env={**base, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.split()


def test_a_python_process_started_with_the_switch_runs_at_that_instant():
    now, today, epoch = _child(XMO_TEST_CLOCK="2027-03-28T01:30:00+00:00", PYTHONPATH=clock.FOLDER)
    assert now.startswith("2027-03-28T01:3")
    assert today == "2027-03-28"
    assert 1_806_197_400 <= float(epoch) < 1_806_197_400 + 600


def test_a_naive_instant_is_utc_and_the_clock_ticks_from_the_shared_start():
    started = _child()[2]  # the real time, as the first process of a session records it
    now, today, _ = _child(
        XMO_TEST_CLOCK="2027-01-31T23:30:00",
        XMO_TEST_CLOCK_STARTED=started,
        PYTHONPATH=clock.FOLDER,
    )
    assert now.startswith("2027-01-31T23:3") and now.endswith("+00:00")
    assert today == "2027-01-31"


def test_without_the_switch_nothing_travels(monkeypatch):
    monkeypatch.delenv("XMO_TEST_CLOCK", raising=False)
    assert clock.destination() is None
    assert clock.child_env({"PYTHONPATH": "/app"}) == {"PYTHONPATH": "/app"}
    real = float(_child()[2])
    assert abs(float(_child(PYTHONPATH=clock.FOLDER)[2]) - real) < 60


def test_child_env_carries_the_clock_to_a_process_with_its_own_environment(monkeypatch):
    monkeypatch.setenv("XMO_TEST_CLOCK", "2027-06-16T10:00:00+00:00")
    monkeypatch.setenv("XMO_TEST_CLOCK_STARTED", "1800000000.0")
    env = clock.child_env({"PYTHONPATH": "/app", "DATABASE_URL": "x"})
    assert env["XMO_TEST_CLOCK"] == "2027-06-16T10:00:00+00:00"
    assert env["XMO_TEST_CLOCK_STARTED"] == "1800000000.0"
    assert env["PYTHONPATH"] == os.pathsep.join([clock.FOLDER, "/app"])
    assert env["DATABASE_URL"] == "x"


def test_each_xdist_worker_gets_its_own_redis_database():
    assert _worker_redis_url("redis://127.0.0.1:6379/3", "gw0") == "redis://127.0.0.1:6379/3"
    assert _worker_redis_url("redis://127.0.0.1:6379/3", "gw1") == "redis://127.0.0.1:6379/4"
    assert _worker_redis_url("redis://cache:6379", "gw2") == "redis://cache:6379/2"
    assert _worker_redis_url("redis://:pw@cache:6379/15", "gw1") == "redis://:pw@cache:6379/0"
