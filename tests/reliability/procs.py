"""Private services for fault injection: a Redis, a PostgreSQL cluster, gunicorn, a worker.

Each lives only as long as the test that started it, on a free port, so stopping it never
touches the machine's shared instances. A missing binary skips the test, or fails it when
XMO_REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

from tests.clock import sitecustomize as clock
from tests.conftest import REQUIRE_SERVICES

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def need(condition: bool, reason: str) -> None:
    if not condition:
        if REQUIRE_SERVICES:
            pytest.fail(f"XMO_REQUIRE_SERVICES=1 but {reason}")
        pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)


def kill_group(proc: subprocess.Popen, sig=signal.SIGKILL) -> None:
    """Signal the process and everything it started (it runs in its own session)."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


class PrivateRedis:
    """redis-server on a free port, without persistence; stop() and start() keep the port."""

    def __init__(self):
        self.binary = shutil.which("redis-server")
        need(self.binary is not None, "redis-server is not installed")
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        import redis

        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)

        def up():
            try:
                return client.ping()
            except redis.RedisError:
                return False

        wait_until(up, 10, "private redis")
        return self

    def stop(self):
        if self.proc is not None:
            kill_group(self.proc, signal.SIGKILL)
            self.proc = None


def _pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


class PrivateCluster:
    """A throw-away PostgreSQL cluster owned by the postgres user, trust auth, free port."""

    def __init__(self):
        self.initdb, self.pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
        need(
            self.initdb is not None and self.pg_ctl is not None,
            "PostgreSQL server binaries (initdb, pg_ctl) are not installed",
        )
        self.as_postgres = [] if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--"]
        need(
            os.geteuid() != 0 or shutil.which("runuser") is not None,
            "runuser is needed to run initdb as the postgres user",
        )
        self.tmp = tempfile.mkdtemp(prefix="xmo-pg-")
        os.chmod(self.tmp, 0o755)
        self.data = os.path.join(self.tmp, "data")
        self.port = free_port()
        if self.as_postgres:
            shutil.chown(self.tmp, "postgres", "postgres")
        subprocess.run(
            [*self.as_postgres, self.initdb, "-D", self.data, "-A", "trust", "-U", "postgres"]
            + ["--no-sync", "-E", "UTF8", "--locale", "C"],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def url(self, db="postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{db}"

    def _ctl(self, *args, check=True):
        return subprocess.run(
            [*self.as_postgres, self.pg_ctl, "-D", self.data, "-w", "-t", "20", *args],
            check=check,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def start(self):
        options = f"-p {self.port} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off"
        self._ctl("-o", options, "-l", os.path.join(self.tmp, "log"), "start")
        return self

    def stop(self, mode="fast"):
        self._ctl("-m", mode, "stop", check=False)

    def destroy(self):
        self.stop("immediate")
        shutil.rmtree(self.tmp, ignore_errors=True)

    def execute(self, sql: str, db="postgres"):
        import psycopg

        with psycopg.connect(self.url(db), autocommit=True) as conn:
            conn.execute(sql)


def django_env(database_url: str, redis_url: str = "", **extra) -> dict:
    """Environment of a production-like XMO process (not the test settings)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST", "DJANGO_", "XMO_", "DATABASE_URL", "REDIS_URL"))
    }
    env.update(
        {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "DJANGO_SETTINGS_MODULE": "xmo.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "reliability-tests-" + "x" * 40,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_SECURE_COOKIES": "0",
            "DJANGO_HSTS_SECONDS": "0",
            "XMO_TESTING": "0",
            "XMO_AXES_ENABLED": "0",
            "XMO_VAR_DIR": tempfile.mkdtemp(prefix="xmo-var-"),
            "XMO_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
    )
    env.update(extra)
    return clock.child_env(env)  # XMO_TEST_CLOCK: the process runs at the tests' instant


def test_database_url() -> str:
    from django.db import connection

    db = connection.settings_dict
    return (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


test_database_url.__test__ = False  # not a test


class Gunicorn:
    def __init__(self, env: dict, workers: int = 1, threads: int = 4):
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - lives as long as the server
            prefix="gunicorn-", suffix=".log", delete=False
        )
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "xmo.wsgi", "-b", f"127.0.0.1:{self.port}"]
            + ["-w", str(workers), "--threads", str(threads), "--timeout", "60"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.base = f"http://127.0.0.1:{self.port}"

        def up():
            if self.proc.poll() is not None:
                raise AssertionError(f"gunicorn exited:\n{self.output()}")
            try:
                return requests.get(f"{self.base}/healthz", timeout=2).status_code == 200
            except requests.RequestException:
                return False

        wait_until(up, 30, "gunicorn")

    def output(self) -> str:
        return Path(self.log.name).read_text()[-4000:]

    def stop(self):
        kill_group(self.proc, signal.SIGTERM)
        os.unlink(self.log.name)


class Worker:
    """`celery -A xmo worker` in its own session, so SIGKILL reaches every process of it."""

    def __init__(self, env: dict, pool: str = "solo"):
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - lives as long as the worker
            prefix="worker-", suffix=".log", delete=False
        )
        self.proc = subprocess.Popen(
            [str(VENV_BIN / "celery"), "-A", "xmo", "worker", "-P", pool, "-c", "1"]
            + ["--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        return Path(self.log.name).read_text()[-4000:]

    def kill(self):
        kill_group(self.proc, signal.SIGKILL)

    def stop(self):
        kill_group(self.proc, signal.SIGTERM)
