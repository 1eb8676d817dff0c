"""Podium settings. Production differs from development only in its environment.

Two set-ups are supported, chosen by the environment:

* ``DATABASE_URL`` (PostgreSQL) and ``REDIS_URL`` set: the production set-up,
  with Redis for the channel layer, the Celery broker and the cache;
* neither set: the embedded default, a SQLite file in the data folder, the
  in-memory channel layer and Celery tasks run in-process. It serves a
  newcomer's first run and a small event on one laptop.

Every variable is listed in ``.env.example``.
"""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from scoring_site.env import (
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_secret,
    env_str,
    env_url,
)
from scoring_site.site import local_hosts

BASE_DIR = Path(__file__).resolve().parent.parent.parent

PODIUM_ENV = env_choice("PODIUM_ENV", "development", ("development", "production"))
PRODUCTION = PODIUM_ENV == "production"

DATA_DIR = Path(env_str("PODIUM_DATA_DIR", str(BASE_DIR / "data")))
DATA_DIR.mkdir(parents=True, exist_ok=True)

# Off unless asked for, in development too: Django's debug pages show the settings (the
# database's and Redis's addresses among them) to anyone who reaches the server, and
# `make run` serves the hall's network. Error pages are then templates/<status>.html.
DEBUG = env_bool("DEBUG", default=False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be false when PODIUM_ENV=production.")


def _secret_key() -> str:
    key = env_secret("SECRET_KEY")
    if key is not None:
        if len(key) < 50:
            raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long.")
        return key
    if PRODUCTION:
        raise ImproperlyConfigured(
            "SECRET_KEY (or SECRET_KEY_FILE) is required when PODIUM_ENV=production."
        )
    # Development: generate one once and keep it in the data folder.
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()

# Development answers on this machine's own names and its address on the hall's network
# (what `make run` prints), not on any Host: links in emails follow the request's address
# when SITE_URL is unset, so a forged Host must not reach them.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else local_hosts())
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is required when PODIUM_ENV=production.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    # Django's admin with Podium's site: two-factor sign-in, limits (accounts.admin_site).
    "accounts.apps.PodiumAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "django_prometheus",
    "drf_spectacular_sidecar",
    "csp",
    "accounts",
    "competitions",
    "adjudication",
    "leaderboard",
]

MIDDLEWARE = [
    # Request counts and latencies for /metrics (first and last, as django-prometheus asks).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # A database outage in a view answers 503 with Retry-After (scoring_site/outage.py).
    "scoring_site.outage.DatabaseOutageMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A NUL in an address, query string or form answers 400 (scoring_site/edges.py).
    "scoring_site.edges.RefuseNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Records admin and desk actions with the client's address (accounts.audit).
    "accounts.audit.AuditMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "scoring_site.urls"
WSGI_APPLICATION = None
ASGI_APPLICATION = "scoring_site.asgi.application"

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
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
DATABASE_URL = env_url("DATABASE_URL", schemes=("postgres", "postgresql"))
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
    # Under ASGI, a connection pool instead of persistent connections (Django docs).
    if env_bool("DATABASE_POOL", default=True):
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("DATABASE_POOL_MIN", 2, minimum=0),
            "max_size": env_int("DATABASE_POOL_MAX", 20, minimum=1),
            "timeout": 10,
        }
    # Server-side parameters, and each statement a connection has run five times
    # (psycopg's default) prepared: planned once per connection, not per request
    # (docs/benchmarks.md, "Cost per request", the fourth pass). False behind a pooler that
    # cannot hold prepared statements (PgBouncer in transaction mode before 1.21).
    if env_bool("DATABASE_PREPARED", default=True):
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=5
        )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "podium.sqlite3",
            "OPTIONS": {
                # Writers queue behind one another (BEGIN IMMEDIATE) instead of
                # failing with "database is locked" on upgrade from a read lock.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA busy_timeout=20000;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Threads a web process runs requests in at once (scoring_site/handler.py); more requests
# wait for one. Each holds a database connection while it runs: keep it under
# DATABASE_POOL_MAX.
PODIUM_REQUEST_THREADS = env_int("WEB_THREADS", 8, minimum=1)

# --- Live screens -----------------------------------------------------------
# Public pushes of a burst of changes are folded into at most one per interval (per
# competition; across processes with Redis): leaderboard/broadcast.py.
PODIUM_LIVE_INTERVAL = env_int("PODIUM_LIVE_INTERVAL_MS", 250, minimum=0) / 1000
# On the embedded default, how often a web process looks for changes other processes
# made (scoring_site/change_log.py; unused with Redis).
PODIUM_LIVE_WATCH_MS = env_int("PODIUM_LIVE_WATCH_MS", 200, minimum=10)
PODIUM_LIVE_CHANGE_LOG = None  # with Redis, whose layer crosses processes
# The garbage collector's young-generation threshold in server processes, which also
# freeze what start-up built (scoring_site/collector.py); 0 leaves Python's defaults.
PODIUM_GC_THRESHOLD = env_int("PODIUM_GC_THRESHOLD", 10_000, minimum=0)

# --- Redis: channel layer, Celery broker, cache ----------------------------
REDIS_URL = env_url("REDIS_URL", schemes=("redis", "rediss", "unix"))
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # The pub/sub layer: no per-consumer capacity that silently drops the
            # oldest message, and faster fan-out (docs/benchmarks.md, "Before
            # Podium"). Clients resynchronise from a snapshot after any gap.
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        # redis-py 8 defaults break idle consumers (channels_redis#422).
                        "socket_timeout": None,
                        "max_connections": env_int("REDIS_MAX_CONNECTIONS", 1000, minimum=10),
                    }
                ],
                "prefix": "podium",
            },
        }
    }
    CACHES = {
        "default": {
            # Misses instead of errors while Redis is down (scoring_site/cache.py).
            "BACKEND": "scoring_site.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "podium",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        },
        # The API's rate limits: shared by every web process (and, like the default,
        # missing rather than failing while Redis is down).
        "throttle": {
            "BACKEND": "scoring_site.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "podium-throttle",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        },
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
    # A job whose worker died (acks late) goes to another worker after this many seconds;
    # longer than any retry's countdown (retry_backoff_max 300 s), or jobs run twice.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 900, minimum=1),
        # Look for such jobs every 10 s (kombu's default looks only every tenth time, so a
        # job could wait 100 s more after its timeout, or until a worker restarts).
        "unacked_restore_interval": 10,
        "unacked_restore_throttle": 1,
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    # The in-memory layer stays in one process: changes go through this file to the
    # other processes' screens (scoring_site/change_log.py).
    PODIUM_LIVE_CHANGE_LOG = DATA_DIR / "live" / "changes.log"
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "throttle": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "throttle",
        },
    }
    # Never connected to (tasks run eagerly), but Celery builds a producer for the eager
    # path: a host named here spares kombu's "No hostname was supplied" on every job.
    CELERY_BROKER_URL = "memory://localhost/"
    # No broker: tasks run in-process, at once, in the caller.
    CELERY_TASK_ALWAYS_EAGER = True

# In-process tasks fail like a worker's would: retried, then dead-lettered, never
# raising into the request that queued them.
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
# Jobs written by transactions (a registration's confirmation) go to the queue this
# often (competitions/outbox.py): how long a confirmation email may wait for its turn.
OUTBOX_RELAY_SECONDS = env_int("OUTBOX_RELAY_SECONDS", 2, minimum=1)
CELERY_BEAT_SCHEDULE = {
    # A run the workers could not start in time is dropped: the next one does its work.
    "relay-outbox": {
        "task": "competitions.relay_outbox",
        "schedule": float(OUTBOX_RELAY_SECONDS),
        "options": {"expires": 5.0 * OUTBOX_RELAY_SECONDS},
    },
    "send-due-reminders": {"task": "competitions.send_due_reminders", "schedule": 300.0},
    "expire-idempotency-keys": {
        "task": "competitions.expire_idempotency_keys",
        "schedule": 3600.0,
    },
}

# Backups during an event: every BACKUP_EVERY_MINUTES (0: never) beat has each
# competition in progress written to BACKUP_DIR/<slug>/, keeping the newest BACKUP_KEEP.
BACKUP_DIR = Path(env_str("BACKUP_DIR", str(DATA_DIR / "backups")))
BACKUP_EVERY_MINUTES = env_int("BACKUP_EVERY_MINUTES", 5, minimum=0)
BACKUP_KEEP = env_int("BACKUP_KEEP", 48, minimum=1)
# Backups are signed (HMAC) with this key and a restore refuses a file signed with
# another; by default SECRET_KEY (with a salt of its own). A restore on another
# machine needs the same key there.
BACKUP_SIGNING_KEY = env_secret("BACKUP_SIGNING_KEY")
if BACKUP_SIGNING_KEY is not None and len(BACKUP_SIGNING_KEY) < 32:
    raise ImproperlyConfigured("BACKUP_SIGNING_KEY must be at least 32 characters long.")
# Judges' receipts are signed (HMAC-SHA256) with this key: production requires it;
# development derives one from SECRET_KEY with a salt of its own (adjudication.receipts).
PODIUM_RECEIPT_KEY = env_secret("PODIUM_RECEIPT_KEY")
if PODIUM_RECEIPT_KEY is not None and len(PODIUM_RECEIPT_KEY) < 32:
    raise ImproperlyConfigured("PODIUM_RECEIPT_KEY must be at least 32 characters long.")
if PODIUM_RECEIPT_KEY is None and PRODUCTION:
    raise ImproperlyConfigured(
        "PODIUM_RECEIPT_KEY (or PODIUM_RECEIPT_KEY_FILE) is required when PODIUM_ENV=production."
    )
# A restore refuses a file larger than this once decompressed (a gzip bomb).
BACKUP_RESTORE_MAX_MB = env_int("BACKUP_RESTORE_MAX_MB", 512, minimum=1)
if BACKUP_EVERY_MINUTES:
    CELERY_BEAT_SCHEDULE["backup-competitions-in-progress"] = {
        "task": "adjudication.backup_competitions_in_progress",
        "schedule": BACKUP_EVERY_MINUTES * 60.0,
    }

# The address people reach Podium at, for links and QR codes. Unset, links follow the
# address each request came in on (scoring_site.site.site_address).
SITE_URL = env_str("SITE_URL", "")

# --- Auth -----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
# The model backend, refusing an account locked out after failed sign-ins.
AUTHENTICATION_BACKENDS = ["accounts.signin.LockoutBackend"]
# Sign-in limits (accounts.signin): attempts per client address per minute, and the
# failures within LOCKOUT_MINUTES that lock an account for LOCKOUT_MINUTES.
SIGN_IN_RATE_PER_MINUTE = env_int("SIGN_IN_RATE_PER_MINUTE", 20, minimum=1)
LOCKOUT_FAILURES = env_int("LOCKOUT_FAILURES", 5, minimum=1)
LOCKOUT_MINUTES = env_int("LOCKOUT_MINUTES", 15, minimum=1)
# Judges' tablet codes (adjudication.tablet.sessions): a desk code's lifetime, and the wrong codes
# (per competition and letter; per address) within TABLET_CODE_LOCK_MINUTES that refuse
# every code there for TABLET_CODE_LOCK_MINUTES.
TABLET_CODE_HOURS = env_int("TABLET_CODE_HOURS", 12, minimum=1)
TABLET_CODE_FAILURES = env_int("TABLET_CODE_FAILURES", 5, minimum=1)
TABLET_CODE_ADDRESS_FAILURES = env_int("TABLET_CODE_ADDRESS_FAILURES", 30, minimum=1)
TABLET_CODE_LOCK_MINUTES = env_int("TABLET_CODE_LOCK_MINUTES", 5, minimum=1)
# Authenticator apps show this name beside the code.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Podium")
# An authenticator's secret is shown once, to its owner, when they enrol; the admin
# never shows it (or its QR code) again, not even to a superuser.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# --- Internationalisation --------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static files ------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
if not PRODUCTION:
    # WhiteNoise warns at start-up about a missing STATIC_ROOT; development serves from
    # the source folders and leaves it empty.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Development serves static files from the source folders, with or without DEBUG (no
# collectstatic); production the collected, hashed copies (the Docker image's build).
WHITENOISE_USE_FINDERS = not PRODUCTION
# Files browsers ask for at the site's root (favicon.ico), served by WhiteNoise.
WHITENOISE_ROOT = BASE_DIR / "public"

# --- Security -----------------------------------------------------------------
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=PRODUCTION)
# Sent only when asked for: a domain on browsers' preload lists is hard to take off again.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
# The deploy check's reminder to preload is silenced while preloading is off.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
if env_bool("BEHIND_TLS_PROXY", default=PRODUCTION):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# /healthz must answer plain HTTP from a load balancer's probe.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
# /metrics asks for "Authorization: Bearer <METRICS_TOKEN>" when this is set.
METRICS_TOKEN = env_secret("METRICS_TOKEN")
SESSION_COOKIE_HTTPONLY = True
# A signed-in session (admin, desk, sign-in page) lasts a competition day, not Django's two
# weeks. Tablet sessions set their own expiry: the end of their competition.
SESSION_COOKIE_AGE = env_int("SESSION_HOURS", 12, minimum=1) * 3600
# Content-Security-Policy (django-csp), on every response: no inline scripts or styles
# anywhere (templates load static/ files), websockets to this host only, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- REST framework -----------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # simplejwt's, refusing tokens of changed credentials or too old a sign-in.
        "accounts.api_auth.StampedJWTAuthentication",
        # Django's session, but a staff session needs its second factor (accounts).
        "accounts.api_auth.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "scoring_site.api.exception_handler",
    # DRF's parsers, answering 400 to NUL characters and JSON nested too deeply.
    "DEFAULT_PARSER_CLASSES": [
        "scoring_site.edges.JSONParser",
        "scoring_site.edges.FormParser",
        "scoring_site.edges.MultiPartParser",
    ],
    # JSON for an Accept header (or ?format=) no renderer satisfies, never 406.
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "scoring_site.negotiation.JsonFallbackNegotiation",
    "DEFAULT_PAGINATION_CLASS": "scoring_site.api.Pagination",
    # Rate limits count REMOTE_ADDR only, never a client's X-Forwarded-For (DRF's default
    # with NUM_PROXIES unset reads that header, so varying it escaped every limit). Behind
    # the reverse proxy, uvicorn's --proxy-headers sets REMOTE_ADDR from the header the
    # proxy overwrites with the real peer (deploy/nginx.conf).
    "NUM_PROXIES": 0,
    "DEFAULT_THROTTLE_RATES": {
        # Per client address; a registration rush from one venue Wi-Fi shares an address.
        "registration": env_str("REGISTRATION_RATE", "600/minute"),
        # Password guesses at the token endpoint, per client address.
        "token": env_str("TOKEN_RATE", "20/minute"),
        # Token refreshes per minute from one address (every device refreshes every few
        # minutes; a hall's devices share one address).
        "token_refresh": env_str("TOKEN_REFRESH_RATE", "300/minute"),
        # Sheets sent per signed-in user (a judge's devices, the desk's paper sheets).
        "sheet": env_str("SHEET_RATE", "120/minute"),
        # Receipt checks at /verify/ and its API, per client address: codes are not guessed.
        "receipt_verify": env_str("RECEIPT_VERIFY_RATE", "20/minute"),
    },
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": dt.timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 10, minimum=1)),
    "REFRESH_TOKEN_LIFETIME": dt.timedelta(hours=env_int("JWT_REFRESH_HOURS", 16, minimum=1)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
}
# However often refreshed, tokens stop working this long after the sign-in (accounts.tokens).
JWT_SIGN_IN_MAX_AGE = dt.timedelta(hours=env_int("JWT_SIGN_IN_MAX_HOURS", 16, minimum=1))
SPECTACULAR_SETTINGS = {
    "TITLE": "Podium API",
    "DESCRIPTION": "Registration, judging and results of live judged competitions.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The viewer at /api/docs/ is served from our own static files: it works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CompetitionStatusEnum": "competitions.models.CompetitionStatus",
        "RoundStatusEnum": "competitions.models.RoundStatus",
        "RoundKindEnum": "competitions.models.RoundKind",
        "EntryKindEnum": "competitions.models.EntryKind",
        "EntryStatusEnum": "competitions.models.EntryStatus",
    },
}

# --- Email --------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(DATA_DIR / "mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "podium@localhost")

# --- Logging ------------------------------------------------------------------
LOG_FORMAT = env_choice("LOG_FORMAT", "plain", ("plain", "json"))
# dictConfig, and every log record redacted as it is made (scoring_site/logging.py).
LOGGING_CONFIG = "scoring_site.logging.configure"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        # One JSON object a line, for a log collector (scoring_site/logging.py).
        "json": {"()": "scoring_site.logging.JsonFormatter"},
    },
    "filters": {"redact_secrets": {"()": "scoring_site.logging.RedactSecretsFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["redact_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # runserver's (Daphne's) request log has no handler of its own: its 4xx and 5xx
    # lines go to the console, formatted like the rest, once.
    "loggers": {
        "django.channels.server": {"handlers": ["console"], "level": "WARNING", "propagate": False}
    },
}
