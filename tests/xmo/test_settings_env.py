"""Settings come from environment variables only: each variable, its default, and refusal."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_FILE = ROOT / "xmo" / "settings.py"
VARIABLES = [
    "DATABASE_URL",
    "REDIS_URL",
    "DJANGO_SECRET_KEY",
    "DJANGO_DEBUG",
    "DJANGO_ALLOWED_HOSTS",
    "DJANGO_CSRF_TRUSTED_ORIGINS",
    "EMAIL_URL",
    "TIME_ZONE",
    "XMO_TESTING",
    "DJANGO_SECURE_SSL_REDIRECT",
    "DJANGO_SECURE_COOKIES",
    "DJANGO_HSTS_SECONDS",
    "DJANGO_BEHIND_PROXY",
    "XMO_VAR_DIR",
    "XMO_SITE_URL",
    "DATABASE_REPLICA_URL",
    "XMO_REPLICA_MAX_LAG_SECONDS",
]
SECRET = "k" * 20 + "-production-secret-0123456789-abcdefghij"


def load(monkeypatch, **env):
    """Evaluate xmo/settings.py afresh under the given environment (the live settings stay)."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("xmo_settings_probe", SETTINGS_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def production(monkeypatch, **env):
    return load(monkeypatch, XMO_TESTING="0", DJANGO_SECRET_KEY=SECRET, **env)


def test_defaults_are_embedded_sqlite_locmem_and_utc(monkeypatch):
    s = load(monkeypatch)
    assert s.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert str(s.DATABASES["default"]["NAME"]).endswith("xmo.sqlite3")
    assert not s.IS_POSTGRES
    assert s.CACHES["default"]["BACKEND"].endswith("LocMemCache")
    assert s.TIME_ZONE == "UTC"
    assert s.DEBUG is False


def test_a_sqlite_file_from_database_url_gets_the_embedded_locking_options(monkeypatch, tmp_path):
    s = load(monkeypatch, DATABASE_URL=f"sqlite:///{tmp_path}/other.sqlite3")
    db = s.DATABASES["default"]
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == f"{tmp_path}/other.sqlite3"
    # Without IMMEDIATE, a rollup that reads then writes fails with "database is locked"
    # as soon as another connection (a lease renewal) writes first.
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert db["OPTIONS"]["timeout"] == 20
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", True), ("true", True), ("yes", True), ("on", True), ("0", False), ("off", False)],
)
def test_django_debug_parses_booleans(monkeypatch, value, expected):
    assert load(monkeypatch, DJANGO_DEBUG=value).DEBUG is expected


def test_django_debug_rejects_nonsense(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_DEBUG must be a boolean"):
        load(monkeypatch, DJANGO_DEBUG="maybe")


def test_secret_key_is_taken_from_the_environment(monkeypatch):
    assert production(monkeypatch).SECRET_KEY == SECRET


def test_secret_key_has_a_development_default_only_with_debug(monkeypatch):
    s = load(monkeypatch, XMO_TESTING="0", DJANGO_DEBUG="1")
    assert s.SECRET_KEY.startswith("insecure-development-key")


def test_production_refuses_to_start_without_secret_key():
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    env.update(XMO_TESTING="0", DJANGO_DEBUG="0", DJANGO_SETTINGS_MODULE="xmo.settings")
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off" in result.stderr


def test_database_url_selects_postgres(monkeypatch):
    s = production(monkeypatch, DATABASE_URL="postgres://xmo:secret@db.internal:5433/xmo")
    db = s.DATABASES["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["HOST"], db["PORT"], db["NAME"], db["USER"]) == ("db.internal", 5433, "xmo", "xmo")
    assert db["CONN_HEALTH_CHECKS"] is True
    assert s.IS_POSTGRES


def test_database_replica_url_adds_the_replica_alias(monkeypatch):
    s = production(
        monkeypatch,
        DATABASE_URL="postgres://xmo:secret@db.internal:5432/xmo",
        DATABASE_REPLICA_URL="postgres://xmo:secret@db-replica.internal:5432/xmo",
        XMO_REPLICA_MAX_LAG_SECONDS="4.5",
    )
    replica = s.DATABASES["replica"]
    assert (replica["HOST"], replica["NAME"]) == ("db-replica.internal", "xmo")
    assert replica["OPTIONS"]["connect_timeout"] == 2
    assert s.DATABASE_ROUTERS == ["xmo.replica.ReplicaRouter"]
    assert s.REPLICA_MAX_LAG_SECONDS == 4.5


def test_without_database_replica_url_there_is_no_replica(monkeypatch):
    s = production(monkeypatch, DATABASE_URL="postgres://xmo:secret@db.internal:5432/xmo")
    assert list(s.DATABASES) == ["default"]
    assert s.REPLICA_MAX_LAG_SECONDS == 10


def test_sqlite_has_no_replica(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_REPLICA_URL needs a PostgreSQL"):
        production(monkeypatch, DATABASE_REPLICA_URL="postgres://xmo@db-replica.internal/xmo")


def test_the_test_suite_ignores_database_replica_url(monkeypatch):
    """tests/xmo/test_replica.py sets up its own alias on the test database."""
    s = load(
        monkeypatch,
        XMO_TESTING="1",
        DATABASE_URL="postgres://xmo:secret@db.internal:5432/xmo",
        DATABASE_REPLICA_URL="postgres://xmo:secret@db-replica.internal:5432/xmo",
    )
    assert list(s.DATABASES) == ["default"]


def test_redis_url_selects_redis_cache_and_broker(monkeypatch):
    s = production(monkeypatch, REDIS_URL="redis://cache.internal:6379/3")
    assert s.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert s.CACHES["default"]["LOCATION"] == "redis://cache.internal:6379/3"
    assert s.CELERY_BROKER_URL == "redis://cache.internal:6379/3"


def test_without_redis_the_broker_is_the_filesystem_outside_tests(monkeypatch):
    s = production(monkeypatch)
    assert s.CELERY_BROKER_URL.startswith("filesystem://")
    options = s.CELERY_BROKER_TRANSPORT_OPTIONS
    assert options["data_folder_in"].endswith("queue")
    # Every folder of the embedded broker lives under var/, none in the working directory.
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        assert options[key].startswith(str(s.VAR_DIR)), key


def test_allowed_hosts_from_the_environment(monkeypatch):
    s = production(monkeypatch, DJANGO_ALLOWED_HOSTS="xmo.example.org, www.xmo.example.org")
    assert s.ALLOWED_HOSTS == ["xmo.example.org", "www.xmo.example.org"]


def test_allowed_hosts_default_empty_in_production_local_in_debug(monkeypatch):
    assert production(monkeypatch).ALLOWED_HOSTS == []
    assert load(monkeypatch, DJANGO_DEBUG="1").ALLOWED_HOSTS == ["127.0.0.1", "localhost"]


def test_csrf_trusted_origins(monkeypatch):
    s = production(monkeypatch, DJANGO_CSRF_TRUSTED_ORIGINS="https://xmo.example.org")
    assert s.CSRF_TRUSTED_ORIGINS == ["https://xmo.example.org"]


def test_email_url_smtp_with_tls(monkeypatch):
    s = production(monkeypatch, EMAIL_URL="smtp://mailer:p%40ss@smtp.example.org:587/?tls=1")
    assert s.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend"
    assert (s.EMAIL_HOST, s.EMAIL_PORT) == ("smtp.example.org", 587)
    assert (s.EMAIL_HOST_USER, s.EMAIL_HOST_PASSWORD) == ("mailer", "p@ss")
    assert s.EMAIL_USE_TLS is True and s.EMAIL_USE_SSL is False


def test_email_url_smtps_uses_ssl_and_port_465(monkeypatch):
    s = production(monkeypatch, EMAIL_URL="smtps://smtp.example.org")
    assert s.EMAIL_USE_SSL is True
    assert s.EMAIL_PORT == 465


@pytest.mark.parametrize(
    ("url", "backend"),
    [
        ("console://", "django.core.mail.backends.console.EmailBackend"),
        ("locmem://", "django.core.mail.backends.locmem.EmailBackend"),
        ("file:///tmp/xmo-mail", "xmo.mail.FileEmailBackend"),
    ],
)
def test_email_url_other_schemes(monkeypatch, url, backend):
    settings_module = production(monkeypatch, EMAIL_URL=url)
    assert backend == settings_module.EMAIL_BACKEND


def test_email_url_file_path(monkeypatch):
    assert production(monkeypatch, EMAIL_URL="file:///tmp/xmo-mail").EMAIL_FILE_PATH == (
        "/tmp/xmo-mail"
    )


def test_email_url_unknown_scheme_is_refused(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL scheme 'carrier-pigeon'"):
        production(monkeypatch, EMAIL_URL="carrier-pigeon://coop")


def test_time_zone(monkeypatch):
    assert load(monkeypatch, TIME_ZONE="Europe/Amsterdam").TIME_ZONE == "Europe/Amsterdam"


def test_production_security_defaults(monkeypatch):
    s = production(monkeypatch)
    assert s.SECURE_SSL_REDIRECT is True
    assert s.SESSION_COOKIE_SECURE is True and s.CSRF_COOKIE_SECURE is True
    assert s.SECURE_HSTS_SECONDS == 31536000
    assert not hasattr(s, "SECURE_PROXY_SSL_HEADER")


def test_proxy_and_hsts_switches(monkeypatch):
    s = production(
        monkeypatch,
        DJANGO_BEHIND_PROXY="1",
        DJANGO_HSTS_SECONDS="0",
        DJANGO_SECURE_SSL_REDIRECT="0",
    )
    assert s.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")
    assert s.SECURE_HSTS_SECONDS == 0 and s.SECURE_HSTS_PRELOAD is False
    assert s.SECURE_SSL_REDIRECT is False


def placeholder_secret_key() -> str:
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.startswith("DJANGO_SECRET_KEY="):
            return line.partition("=")[2].strip().strip("\"'")
    raise AssertionError("no DJANGO_SECRET_KEY in .env.example")


def test_production_refuses_the_env_example_placeholder_secret_key(monkeypatch):
    placeholder = placeholder_secret_key()
    assert len(placeholder) >= 50  # refused for being published, not for its length
    with pytest.raises(ImproperlyConfigured, match="published placeholder"):
        load(monkeypatch, XMO_TESTING="0", DJANGO_SECRET_KEY=placeholder)


def test_production_refuses_the_development_key(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="published placeholder"):
        load(
            monkeypatch,
            XMO_TESTING="0",
            DJANGO_SECRET_KEY="insecure-development-key-do-not-use-in-production",
        )


def test_production_refuses_a_secret_key_shorter_than_50_characters(monkeypatch):
    with pytest.raises(
        ImproperlyConfigured, match="49 characters long; production needs at least 50"
    ):
        load(monkeypatch, XMO_TESTING="0", DJANGO_SECRET_KEY="s3cr3t-" + "x" * 42)
    assert load(monkeypatch, XMO_TESTING="0", DJANGO_SECRET_KEY="s3cr3t-" + "x" * 43).SECRET_KEY


def test_debug_accepts_any_secret_key(monkeypatch):
    assert load(
        monkeypatch, XMO_TESTING="0", DJANGO_DEBUG="1", DJANGO_SECRET_KEY="short"
    ).SECRET_KEY


def test_production_refuses_to_start_with_the_placeholder_key():
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    env.update(
        XMO_TESTING="0",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=placeholder_secret_key(),
        DJANGO_SETTINGS_MODULE="xmo.settings",
    )
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured: DJANGO_SECRET_KEY is the published placeholder" in result.stderr


def test_embedded_mode_creates_var_and_the_broker_folders(monkeypatch, tmp_path):
    var = tmp_path / "fresh-clone" / "var"
    s = load(monkeypatch, XMO_TESTING="0", DJANGO_DEBUG="1", XMO_VAR_DIR=str(var))
    assert s.DATABASES["default"]["NAME"] == var / "xmo.sqlite3"
    for folder in ("queue", "processed", "control"):
        assert (var / "broker" / folder).is_dir()


def test_a_var_dir_that_cannot_be_created_is_a_clear_error(monkeypatch, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(ImproperlyConfigured, match="cannot create .*a-file/var"):
        load(monkeypatch, XMO_TESTING="0", DJANGO_DEBUG="1", XMO_VAR_DIR=str(blocker / "var"))


@pytest.mark.slow
def test_migrate_works_when_var_does_not_exist_yet(tmp_path):
    """A fresh clone has no var/ (it is git-ignored): the first migrate must create it."""
    var = tmp_path / "var"
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    env.update(XMO_TESTING="0", DJANGO_DEBUG="1", XMO_VAR_DIR=str(var))
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "contenttypes"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (var / "xmo.sqlite3").is_file()


def test_debug_without_email_url_saves_mail_under_var(monkeypatch, tmp_path):
    s = load(monkeypatch, XMO_TESTING="0", DJANGO_DEBUG="1", XMO_VAR_DIR=str(tmp_path))
    assert s.EMAIL_BACKEND == "xmo.mail.FileEmailBackend"
    assert str(tmp_path / "mail") == s.EMAIL_FILE_PATH


def test_site_url_from_the_environment(monkeypatch):
    s = production(monkeypatch, XMO_SITE_URL="http://127.0.0.1:8101/")
    assert s.SITE_URL == "http://127.0.0.1:8101"
