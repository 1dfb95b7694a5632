"""The container set-up: one image for web, worker and beat, with PostgreSQL and Redis."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_services_and_images():
    services = compose()["services"]
    assert set(services) == {
        "db",
        "redis",
        "web",
        "worker",
        "worker-evaluate",
        "worker-notify",
        "beat",
    }
    assert services["db"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"
    for name in ("web", "worker", "worker-evaluate", "worker-notify", "beat"):
        assert services[name]["build"] == "."
        assert services[name]["image"] == "xmo:latest"
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://") and "@db:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert env["DJANGO_DEBUG"] == "0"
        assert "healthcheck" in services[name]


def test_compose_commands():
    services = compose()["services"]
    web = " ".join(services["web"]["command"])
    assert web.index("manage.py migrate") < web.index("gunicorn xmo.wsgi")
    assert "/readyz" in " ".join(services["web"]["healthcheck"]["test"])
    assert services["worker"]["command"][:4] == ["celery", "-A", "xmo", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "xmo", "beat"]
    assert services["worker"]["depends_on"]["web"]["condition"] == "service_healthy"


def test_compose_runs_a_worker_per_group_of_queues_covering_every_queue():
    from xmo.queues import QUEUES

    services = compose()["services"]
    consumed = []
    for name, service in services.items():
        command = service.get("command") or []
        if command[:4] == ["celery", "-A", "xmo", "worker"]:
            queues = command[command.index("-Q") + 1].split(",")
            assert f"{name}@%h" in command
            assert f"{name}@$$HOSTNAME" in " ".join(service["healthcheck"]["test"])
            consumed += queues
    assert sorted(consumed) == sorted(QUEUES)


def test_dockerfile_builds_one_non_root_image():
    text = (ROOT / "Dockerfile").read_text()
    assert text.startswith("# ") and "FROM python:3.11-slim" in text
    assert "pip install --require-hashes -r requirements/runtime.lock" in text
    assert "collectstatic --noinput" in text
    assert "\nUSER xmo\n" in text
    assert "gunicorn" in text and "xmo.wsgi" in text
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", "var", ".env"} <= set(ignored)


def test_dockerfile_build_time_secret_key_passes_the_production_check():
    """collectstatic runs with DJANGO_DEBUG=0, where keys under 50 characters are refused."""
    import re

    from django.conf import settings

    key = re.search(r"DJANGO_SECRET_KEY=(\S+)", (ROOT / "Dockerfile").read_text()).group(1)
    assert len(key) >= settings.MIN_SECRET_KEY_LENGTH
    assert key not in settings.PLACEHOLDER_SECRET_KEYS


def _pins(lock: str) -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements" / lock).read_text().splitlines():
        if line[:1].isalnum():
            name, _, version = line.split(" ", 1)[0].partition("==")
            pins[name.lower().replace("_", "-")] = version
    return pins


def test_locks_pin_every_dependency_with_hashes():
    import re
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

    def names(requirements):
        return {re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0].lower() for r in requirements}

    runtime, dev = _pins("runtime.lock"), _pins("dev.lock")
    assert names(project["dependencies"]) <= set(runtime)
    assert names(project["dependencies"]) | names(project["optional-dependencies"]["dev"]) <= set(
        dev
    )
    assert all(runtime[name] == dev[name] for name in runtime)
    # Test data factories are not part of the production image.
    assert not {"factory-boy", "faker"} & set(runtime)
    text = (ROOT / "requirements" / "runtime.lock").read_text()
    for block in re.split(r"\n(?=[a-z0-9])", text.split("\n", 2)[2]):
        assert "--hash=sha256:" in block, block.splitlines()[0]


def test_make_install_uses_the_lock():
    makefile = (ROOT / "Makefile").read_text()
    assert "pip install --quiet --require-hashes -r $(LOCK)" in makefile
    assert "pip install --quiet --no-deps -e ." in makefile
    assert "LOCK := requirements/dev.lock" in makefile
