"""XMO settings: environment variables only (see .env.example).

Embedded default: SQLite and a filesystem Celery broker under var/, so `make run` needs no
external service. DATABASE_URL switches to PostgreSQL, REDIS_URL to a Redis broker and cache.
"""

import os
import sys
from pathlib import Path

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured
from kombu import Exchange, Queue

from xmo.env import email_settings, env_bool, env_list, make_dir, replica_database
from xmo.queues import DEFAULT_QUEUE, QUEUES
from xmo.sso.conf import sso_settings as _sso_settings

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("XMO_VAR_DIR", BASE_DIR / "var"))


DEBUG = env_bool("DJANGO_DEBUG", default=False)
# Under pytest the safe development defaults apply, whatever DJANGO_DEBUG says.
TESTING = env_bool("XMO_TESTING", default="pytest" in sys.modules)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEVELOPMENT_SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105
# Keys that were published (.env.example, this file): never acceptable in production.
PLACEHOLDER_SECRET_KEYS = {
    "replace-with-a-long-random-secret-of-at-least-fifty-characters-0123456789",
    DEVELOPMENT_SECRET_KEY,
}
MIN_SECRET_KEY_LENGTH = 50
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = DEVELOPMENT_SECRET_KEY
    else:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off. "
            "Set DJANGO_DEBUG=1 for local development, or provide a long random secret."
        )
elif not (DEBUG or TESTING):
    if SECRET_KEY.strip() in PLACEHOLDER_SECRET_KEYS:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is the published placeholder (from .env.example); set your own, "
            'e.g. python -c "import secrets; print(secrets.token_urlsafe(50))".'
        )
    if len(SECRET_KEY) < MIN_SECRET_KEY_LENGTH:
        raise ImproperlyConfigured(
            f"DJANGO_SECRET_KEY is {len(SECRET_KEY)} characters long; production needs at "
            f"least {MIN_SECRET_KEY_LENGTH} random characters, e.g. "
            'python -c "import secrets; print(secrets.token_urlsafe(50))".'
        )

SECRET_KEY_FALLBACKS = env_list("DJANGO_SECRET_KEY_FALLBACKS")

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if (DEBUG or TESTING) else ""
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "csp",
    "xmo",
    "xmo.webhooks",
    "experience",
    "xlas",
    "feedback",
    "office",
    "changes",
    "meetings",
    "reports",
    "demo",
]

MIDDLEWARE = [
    "xmo.middleware.UriTooLongMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Reads of safe requests from the replica, when there is one (xmo/replica.py).
    "xmo.replica.ReplicaMiddleware",
    # The language: the signed-in user's choice (xmo.middleware.UserLanguageMiddleware),
    # else the browser's Accept-Language, else LANGUAGE_CODE.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "xmo.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "xmo.middleware.OrganisationMiddleware",
    "xmo.middleware.UnstorableInputMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "xmo.urls"
WSGI_APPLICATION = "xmo.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "xmo.context_processors.organisation",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL points elsewhere (PostgreSQL in production).
DATABASE_URL = os.environ.get("DATABASE_URL", "")
SQLITE_OPTIONS = {
    # WAL lets the web process read while the worker writes.
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    # A transaction takes the write lock when it begins: a deferred one that reads and then
    # writes fails at once with "database is locked" when another connection writes first.
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"].setdefault("OPTIONS", {})
        DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", 5)
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        # A SQLite file named by DATABASE_URL behaves like the embedded default.
        DATABASES["default"]["OPTIONS"] = {
            **SQLITE_OPTIONS,
            **DATABASES["default"].get("OPTIONS", {}),
        }
else:
    # A fresh clone has no var/: create it before anything opens the database.
    if not TESTING:
        make_dir(VAR_DIR)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "xmo.sqlite3",
            "OPTIONS": dict(SQLITE_OPTIONS),
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

# A streaming replica of the primary for reads (xmo/replica.py); unset, everything reads the
# primary. The test suite ignores it: tests/xmo/test_replica.py points a replica alias at its
# own test database (XMO_TEST_REPLICA_URL).
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL and not TESTING:
    if not IS_POSTGRES:
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URL needs a PostgreSQL DATABASE_URL (SQLite has no replica)."
        )
    DATABASES["replica"] = replica_database(DATABASE_REPLICA_URL)
DATABASE_ROUTERS = ["xmo.replica.ReplicaRouter"]
# Beyond this lag (or when it is down) the replica is left aside and reads use the primary.
REPLICA_MAX_LAG_SECONDS = float(os.environ.get("XMO_REPLICA_MAX_LAG_SECONDS", "10"))
# PostgreSQL: survey responses older than this many whole months are dropped, a monthly
# partition at a time, once rolled up (experience.partitions). 0 or unset keeps them all.
RESPONSE_RETENTION_MONTHS = int(os.environ.get("XMO_RESPONSE_RETENTION_MONTHS", "0") or 0)
# Imported by each Celery worker process when it starts (PostgreSQL only), so the first
# rollup chunk does not pay for loading NumPy and pandas.
WORKER_PRELOAD_MODULES = ["experience.rollups.engine"]

# Cache and broker: Redis when REDIS_URL is set, otherwise local memory and a filesystem broker.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
            "KEY_PREFIX": "xmo",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

BROKER_DIR = VAR_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_connect_timeout": 1,
        "socket_timeout": 2,
        # Publishing gives up at the first refused connection (kombu would otherwise sleep
        # ~2 s between retries inside the request); the durable marker and the periodic
        # rollups sweep cover a message that could not be sent.
        "max_retries": 0,
        "visibility_timeout": 3600,
    }
elif TESTING:
    CELERY_BROKER_URL = "memory://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
else:
    # A host name (unused by the transport) keeps kombu from warning on every connection.
    CELERY_BROKER_URL = "filesystem://localhost/"
    # kombu's filesystem transport does not create its folders; without them every publish
    # fails ("could not queue job"), e.g. while the demo is seeded before the worker starts.
    for _folder in ("queue", "processed", "control"):
        make_dir(BROKER_DIR / _folder)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "store_processed": False,
        "control_folder": str(BROKER_DIR / "control"),
    }
# One queue per kind of work (xmo.jobs.QUEUES). A worker started without -Q consumes all of
# them; docker-compose.yml runs one worker per group of queues.
# Each queue has its own exchange and routing key: with the shared default ones, every queue
# would be bound to the same key and a message would reach every queue.
CELERY_TASK_QUEUES = [Queue(name, Exchange(name), routing_key=name) for name in QUEUES]
CELERY_TASK_DEFAULT_QUEUE = DEFAULT_QUEUE
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY = False
CELERY_TASK_ALWAYS_EAGER = env_bool("XMO_CELERY_EAGER", default=False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The beat schedule lives in xmo/celery.py (built from the job registry).

# E-mail: EMAIL_URL like smtp://user:pass@host:587/?tls=1, file:///dir, console://, or
# locmem:// (tests). Unset in debug (the embedded mode): one file per e-mail under var/mail/.
EMAIL_URL = os.environ.get("EMAIL_URL", "console://" if TESTING else ("file://" if DEBUG else ""))


globals().update(email_settings(EMAIL_URL, VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "XMO <xmo@localhost>")
SITE_URL = os.environ.get("XMO_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Username and password; refuses everything when XMO_PASSWORD_LOGIN=0.
    "xmo.sso.backends.PasswordBackend",
    # OpenID Connect (authorization code + PKCE); inert unless XMO_OIDC_ISSUER is set.
    "xmo.sso.backends.SsoBackend",
]
# Single sign-on (XMO_OIDC_*, XMO_PASSWORD_LOGIN): see xmo/sso/conf.py and .env.example.
globals().update(_sso_settings(development=DEBUG or TESTING))
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes): lock a username+IP after repeated failures.
AXES_FAILURE_LIMIT = int(os.environ.get("XMO_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLED = env_bool("XMO_AXES_ENABLED", default=True)

LANGUAGE_CODE = "en-gb"
# English is the source language; German is the first translation (locale/de, `make messages`).
LANGUAGES = [("en-gb", "English"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"


def _plotly_bundle_dir() -> str:
    import plotly

    return str(Path(plotly.__file__).parent / "package_data")


# Plotly's own bundle is served from the installed package, never from a CDN.
STATICFILES_DIRS = [BASE_DIR / "static", ("plotly", _plotly_bundle_dir())]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if (DEBUG or TESTING)
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING

# Security: secure defaults that `check --deploy` accepts in production.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-less meta tag instead
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG and not TESTING)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", default=not DEBUG and not TESTING)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = int(
    os.environ.get("DJANGO_HSTS_SECONDS", "0" if (DEBUG or TESTING) else "31536000")
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
if env_bool("DJANGO_BEHIND_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

# Content-Security-Policy: only our own origin; scripts need a nonce, no inline event handlers.

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "xmo.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "xmo.api.pagination.StandardPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_FILTER_BACKENDS": ["xmo.api.filters.StrictFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "xmo.api.exceptions.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "xmo.api.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "token": os.environ.get("XMO_API_THROTTLE_RATE", "600/minute"),
        "user": "1200/minute",
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "XMO API",
    "DESCRIPTION": "Push survey results and operational metrics; read XLAs, breaches, trends.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "BreachStatusEnum": "xlas.choices.BreachStatus",
        "EvaluationStatusEnum": "xlas.choices.EvaluationStatus",
        "VersionStatusEnum": "xlas.choices.VersionStatus",
        "ReportStatusEnum": "reports.choices.ReportStatus",
        "DropStatusEnum": "experience.choices.DropStatus",
        "TriageStatusEnum": "experience.choices.TriageStatus",
        "ForecastKindEnum": ["ridge", "naive"],
        "ForecastMeasureEnum": ["happiness", "lost_time_mean"],
        "DropMeasureEnum": "experience.choices.DropMeasure",
        "SentimentMeasureEnum": "experience.stats.SENTIMENT_MEASURES",
        "ChangeExpectedEffectEnum": "changes.choices.ExpectedEffect",
        "ChangeVerdictEnum": "changes.choices.Verdict",
    },
}

# Longest URL (path and query string, in bytes) answered; longer ones get a 414. Below
# gunicorn's own request-line limit (gunicorn.conf.py), so the 414 is ours, in JSON.
XMO_MAX_URL_BYTES = 4096

# Largest JSON body accepted by the ingestion endpoints (10 000 items fit comfortably).
XMO_MAX_BATCH_ITEMS = 10_000
XMO_MAX_BODY_BYTES = int(os.environ.get("XMO_MAX_BODY_BYTES", str(32 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = XMO_MAX_BODY_BYTES

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("XMO_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
