"""Reading the environment for xmo/settings.py (no Django settings needed to import it)."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    normalised = value.strip().lower()
    if normalised in {"1", "true", "yes", "on"}:
        return True
    if normalised in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false, yes/no, on/off)")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def make_dir(path: Path) -> None:
    """Create a directory of the embedded mode (under var/, git-ignored) if it is missing."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ImproperlyConfigured(
            f"cannot create {path} ({exc}); make it writable or set XMO_VAR_DIR"
        ) from exc


def replica_database(url: str) -> dict:
    """The replica's DATABASES entry: like the primary's, with a shorter connect timeout (a
    replica that does not answer is left aside, so waiting long for it buys nothing)."""
    import dj_database_url

    database = dj_database_url.parse(url, conn_max_age=60)
    database.setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    database["CONN_HEALTH_CHECKS"] = True
    return database


def email_settings(url: str, default_dir: Path) -> dict:
    """Django's e-mail settings from EMAIL_URL (smtp://, smtps://, file://, console://, locmem://)."""
    if not url:
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    if scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme == "locmem":
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if scheme == "file":
        return {
            "EMAIL_BACKEND": "xmo.mail.FileEmailBackend",
            "EMAIL_FILE_PATH": parsed.path or str(default_dir),
        }
    if scheme in {"smtp", "smtps"}:
        query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parsed.hostname or "localhost",
            "EMAIL_PORT": parsed.port or (465 if scheme == "smtps" else 25),
            "EMAIL_HOST_USER": unquote(parsed.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parsed.password or ""),
            "EMAIL_USE_SSL": scheme == "smtps",
            "EMAIL_USE_TLS": query.get("tls", "0").lower() in {"1", "true", "yes"},
            "EMAIL_TIMEOUT": 10,
        }
    raise ImproperlyConfigured(f"EMAIL_URL scheme {scheme!r} is not supported")
