"""Over-long request lines through the real HTTP servers: a JSON 414 from the app.

gunicorn refuses request lines over its limit with its own HTML page; gunicorn.conf.py
raises that limit to its maximum so Django's own 414 (JSON under /api/) answers the range
from XMO_MAX_URL_BYTES (4096) to 8 KB. No database is touched: the answer comes first.
"""

import subprocess
import sys
import tempfile

import pytest
import requests

from .procs import ROOT, Gunicorn, django_env, free_port, kill_group, wait_until

pytestmark = pytest.mark.slow

API = "/api/v1/services/?name="


def _sqlite_env():
    return django_env(f"sqlite:///{tempfile.mkdtemp(prefix='xmo-414-')}/db.sqlite3")


def test_gunicorn_answers_a_6_kb_api_url_with_a_json_414():
    server = Gunicorn(_sqlite_env(), workers=1, threads=1)
    try:
        response = requests.get(server.base + API + "a" * 6000, timeout=10)
        assert response.status_code == 414
        assert response.headers["Content-Type"] == "application/json"
        assert "at most 4096" in response.json()["detail"]
        # Beyond gunicorn's own maximum, gunicorn answers (still a 414).
        assert requests.get(server.base + API + "a" * 9000, timeout=10).status_code == 414
        # A normal URL is not affected (401: no token, from the app).
        assert requests.get(server.base + API + "desk", timeout=10).status_code == 401
    finally:
        server.stop()


def test_runserver_answers_a_6_kb_api_url_with_a_json_414():
    port = free_port()
    env = _sqlite_env()
    env["DJANGO_DEBUG"] = "1"
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]
        + ["--skip-checks"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"

    def up():
        try:
            return requests.get(base + "/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    try:
        wait_until(up, 30, "runserver")
        response = requests.get(base + API + "a" * 6000, timeout=10)
        assert response.status_code == 414
        assert response.json()["detail"].startswith("The URL is")
    finally:
        kill_group(proc)
