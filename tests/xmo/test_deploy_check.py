"""`manage.py check --deploy` is clean with the production variables of .env.example."""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENV_EXAMPLE = ROOT / ".env.example"


def example_variables() -> dict:
    values = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            # Quoted as a shell reads it (`set -a; . ./.env.example`), e.g. "XMO <xmo@...>".
            values[name.strip()] = " ".join(shlex.split(value))
    return values


def documented_names() -> set:
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", ENV_EXAMPLE.read_text(), re.MULTILINE))


def test_env_example_documents_every_variable_the_settings_read():
    # The settings, and the single sign-on settings they load from xmo/sso/conf.py.
    source = (ROOT / "xmo" / "settings.py").read_text() + (ROOT / "xmo/sso/conf.py").read_text()
    read = set(re.findall(r'(?:environ\.get|env_bool|env_list|_flag)\(\s*"([A-Z0-9_]+)"', source))
    assert read, "no variables found in settings.py"
    assert read - documented_names() == set()
    for required in (
        "DATABASE_URL",
        "REDIS_URL",
        "DJANGO_SECRET_KEY",
        "DJANGO_DEBUG",
        "DJANGO_ALLOWED_HOSTS",
        "EMAIL_URL",
        "TIME_ZONE",
    ):
        assert required in example_variables()


def test_check_deploy_has_no_warnings_with_production_variables(tmp_path):
    variables = example_variables()
    # 62 varied characters: check --deploy wants 50+ characters and 5+ distinct ones.
    variables["DJANGO_SECRET_KEY"] = (
        "aB3dE5gH7jK9mN1pQ2rS4tU6vW8xY0zA-cD_fG.hI~kL+nO=qR!sT@uV#wX$yZ%"
    )
    assert variables["DJANGO_DEBUG"] == "0"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "XMO_"))}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env.update(variables)
    env.update(XMO_TESTING="0", XMO_VAR_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr
