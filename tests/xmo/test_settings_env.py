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


def test_redis_url_selects_redis_cache_and_broker(monkeypatch):
    s = production(monkeypatch, REDIS_URL="redis://cache.internal:6379/3")
    assert s.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert s.CACHES["default"]["LOCATION"] == "redis://cache.internal:6379/3"
    assert s.CELERY_BROKER_URL == "redis://cache.internal:6379/3"


def test_without_redis_the_broker_is_the_filesystem_outside_tests(monkeypatch):
    s = production(monkeypatch)
    assert s.CELERY_BROKER_URL == "filesystem://"
    assert s.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"].endswith("queue")


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
        ("file:///tmp/xmo-mail", "django.core.mail.backends.filebased.EmailBackend"),
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
