"""`.env.example` loads in a POSIX shell: `set -a; . ./.env.example` (values with spaces quoted)."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def assigned_names() -> list[str]:
    lines = (ROOT / ".env.example").read_text().splitlines()
    return [line.partition("=")[0] for line in lines if line.strip() and not line.startswith("#")]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_env_example_loads_with_set_a_and_dot():
    names = assigned_names()
    assert "DEFAULT_FROM_EMAIL" in names and "DJANGO_SECRET_KEY" in names
    script = "set -a; . ./.env.example; status=$?; set +a; env -0; exit $status"
    result = subprocess.run(
        ["bash", "-c", script],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert result.stderr == b""
    loaded = dict(item.decode().partition("=")[::2] for item in result.stdout.split(b"\0") if item)
    for name in names:
        assert name in loaded, name
    assert loaded["DEFAULT_FROM_EMAIL"] == "XMO <xmo@example.org>"
    assert loaded["EMAIL_URL"] == "smtp://xmo:change-me@smtp.example.org:587/?tls=1"
    assert loaded["DJANGO_DEBUG"] == "0"
    assert loaded["DJANGO_SECRET_KEY_FALLBACKS"] == ""
