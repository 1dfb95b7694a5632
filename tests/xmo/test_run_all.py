"""`manage.py run_all` (what `make run` serves): web, worker and beat, all stopped by Ctrl-C."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_run_all_serves_and_stops_everything_on_ctrl_c(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(DJANGO_DEBUG="1", XMO_TESTING="0", XMO_VAR_DIR=str(tmp_path))
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "run_all", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, like a terminal's
    )
    try:
        deadline = time.time() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert proc.poll() is None, proc.stdout.read()
                assert time.time() < deadline, "web server did not come up"
                time.sleep(1)
        time.sleep(3)  # let worker and beat finish starting
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C does in a terminal
        output, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0, output
    assert f"XMO is running on http://127.0.0.1:{port}/" in output
    assert "Stopped web, worker and beat." in output
    assert (tmp_path / "broker" / "queue").is_dir()
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
    leftovers = subprocess.run(
        ["pgrep", "-g", str(proc.pid)], capture_output=True, text=True
    ).stdout.split()
    assert leftovers == []


class _Exited:
    """A child process that has already exited (so run_all stops at once)."""

    returncode = 0

    def poll(self):
        return 0

    def wait(self, timeout=None):
        return 0


def _started_env(monkeypatch, settings, tmp_path, port="8123", host="127.0.0.1"):
    from django.core.management import call_command

    settings.BROKER_DIR = tmp_path / "broker"
    envs = []

    def popen(cmd, env):
        envs.append(env)
        return _Exited()

    monkeypatch.setattr("subprocess.Popen", popen)
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    monkeypatch.setattr("signal.signal", lambda signum, handler: None)  # keep pytest's Ctrl-C
    with pytest.raises(SystemExit):
        call_command("run_all", "--host", host, "--port", port)
    return envs


def test_run_all_gives_its_children_the_served_address_for_e_mail_links(
    monkeypatch, settings, tmp_path
):
    monkeypatch.delenv("XMO_SITE_URL", raising=False)
    envs = _started_env(monkeypatch, settings, tmp_path, port="8123")
    assert len(envs) == 3  # web, worker, beat
    assert {env["XMO_SITE_URL"] for env in envs} == {"http://127.0.0.1:8123"}


def test_run_all_keeps_a_configured_site_url(monkeypatch, settings, tmp_path):
    monkeypatch.setenv("XMO_SITE_URL", "https://xmo.example.org")
    envs = _started_env(monkeypatch, settings, tmp_path)
    assert {env["XMO_SITE_URL"] for env in envs} == {"https://xmo.example.org"}


def test_run_all_site_url_for_every_interface_is_the_loopback(monkeypatch, settings, tmp_path):
    monkeypatch.delenv("XMO_SITE_URL", raising=False)
    envs = _started_env(monkeypatch, settings, tmp_path, host="0.0.0.0", port="8000")
    assert {env["XMO_SITE_URL"] for env in envs} == {"http://127.0.0.1:8000"}
