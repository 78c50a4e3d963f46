"""Settings read from the environment.

With no environment at all PanBot runs on the embedded default (SQLite, in-memory
channel layer, eager Celery, local-memory cache). `DATABASE_URL` and `REDIS_URL`
switch to PostgreSQL and Redis. A bad value stops start-up with a message naming
the variable.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import ParseResult, urlparse

import environ
import phonenumbers
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()


def _bool(name: str, default: bool) -> bool:
    # django-environ maps any unknown string to False; a typo in DEBUG must not
    # silently mean "production", nor "true" in production mean anything else.
    raw: str = env.str(name, default="").strip().lower()
    if raw == "":
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true/false, 1/0, yes/no, on/off).")


def _int(name: str, default: int, *, minimum: int, maximum: int) -> int:
    raw = env.str(name, default="").strip()
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer.") from None
    if not minimum <= value <= maximum:
        raise ImproperlyConfigured(f"{name}={value} must be between {minimum} and {maximum}.")
    return value


def _url(name: str, *, schemes: set[str]) -> str:
    raw: str = env.str(name, default="").strip()
    if not raw:
        return raw
    parsed: ParseResult | None = urlparse(raw)
    try:
        urlparse(raw).port  # noqa: B018 (raises for a port that is not a number)
    except ValueError:
        parsed = None
    ok = (
        parsed is not None and parsed.scheme in schemes and (parsed.netloc or (parsed.scheme == "unix" and parsed.path))
    )
    if not ok:
        raise ImproperlyConfigured(f"{name}={raw!r} must be a URL with scheme {' or '.join(sorted(schemes))}.")
    return raw


# --- Core -------------------------------------------------------------------
# The embedded default (no DATABASE_URL: SQLite, in-memory channel layer, eager Celery, DEBUG,
# a development SECRET_KEY) is for a developer's machine only. A process that looks like a
# deployment (SECRET_KEY or ALLOWED_HOSTS set, or DEBUG explicitly off) but names no database
# has forgotten DATABASE_URL: it stops here rather than run in development mode without a word.
# The embedded default says what it is in one line at start (panbot.apps.PanbotConfig.ready).
EMBEDDED_DEFAULT = not env.str("DATABASE_URL", default="").strip()
if EMBEDDED_DEFAULT:
    _intent = [f"{name} is set" for name in ("SECRET_KEY", "ALLOWED_HOSTS") if env.str(name, default="").strip()]
    if _bool("DEBUG", default=True) is False:
        _intent.append("DEBUG=false")
    if _intent:
        raise ImproperlyConfigured(
            f"DATABASE_URL is not set, but this looks like a deployment ({', '.join(_intent)}): set DATABASE_URL "
            "(postgres://user:password@host:5432/name). Without DATABASE_URL, SECRET_KEY, ALLOWED_HOSTS and "
            "DEBUG=false PanBot runs on the embedded development default (SQLite, DEBUG)."
        )
# The embedded default is DEBUG; a deployment names its database and gets DEBUG off (and must set SECRET_KEY).
DEBUG = _bool("DEBUG", default=EMBEDDED_DEFAULT)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-never-used-in-production"  # noqa: S105 (DEBUG only)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

PHONE_DEFAULT_REGION = env.str("PHONE_DEFAULT_REGION", default="IT").upper()
if PHONE_DEFAULT_REGION not in phonenumbers.SUPPORTED_REGIONS:
    raise ImproperlyConfigured(
        f"PHONE_DEFAULT_REGION={PHONE_DEFAULT_REGION!r} is not an ISO 3166 region phonenumbers knows (e.g. IT, GB, US)."
    )

INSTALLED_APPS = [
    "daphne",  # first: its runserver serves ASGI (HTTP + WebSocket)
    "admin_portal.apps.PanBotAdminConfig",  # django.contrib.admin with the stakeholder site as default
    "accounts",  # before django.contrib.auth: its changepassword command replaces auth's
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",  # refresh tokens: outstanding and used (rotation, reuse)
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our static files, not a CDN
    "channels",
    "panbot",
    "restaurants",
    "telephony",
    "orders",
    "reservations",
    "printing",
    "analytics",
    "dashboard",  # the owners' and staff's web pages: shells served here, data from /api/v1/ and the feed
    "admin_portal",  # last: replaces django.contrib.auth's User admin
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "panbot.api.middleware.ApiRequestLimits",  # before anything reads the body
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "panbot.urls"
WSGI_APPLICATION = "panbot.wsgi.application"
ASGI_APPLICATION = "panbot.asgi.application"

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

# --- Database -----------------------------------------------------------------
SQLITE_OPTIONS = {
    # BEGIN IMMEDIATE takes the write lock up front, so concurrent writers queue (up to
    # `timeout`) instead of failing with "database is locked", and a transaction's reads
    # and writes are serialised whole (call admission relies on it on the embedded default).
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
try:
    DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
except Exception as exc:  # django-environ raises several types for a bad URL
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
if DATABASES["default"].get("ENGINE") == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = _int("DB_CONN_MAX_AGE", 60, minimum=0, maximum=3600)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if _bool("DB_PREPARED_STATEMENTS", default=True):
        # Server-side binding lets psycopg prepare a statement after it ran a few times on a
        # connection, so PostgreSQL stops re-planning the hot ones (call admission, heartbeats).
        # Turn off behind a pooler that cannot carry prepared statements (PgBouncer < 1.21 in
        # transaction mode).
        DATABASES["default"].setdefault("OPTIONS", {}).update({"server_side_binding": True, "prepare_threshold": 5})
elif DATABASES["default"].get("ENGINE") == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = SQLITE_OPTIONS
else:
    raise ImproperlyConfigured(
        "DATABASE_URL is not a valid database URL: use postgres://user:password@host:5432/name (or sqlite:///path)."
    )
DATABASE_VENDOR_IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer, Celery broker, cache ---------------------------------
REDIS_URL = _url("REDIS_URL", schemes={"redis", "rediss", "unix"})

# Redis pub/sub ignores the database number in REDIS_URL: deployments (or test runs) sharing
# a Redis are kept apart by this prefix, by default the database's name.
CHANNEL_LAYER_PREFIX = env.str(
    "CHANNEL_LAYER_PREFIX",
    default="panbot-" + re.sub(r"[^A-Za-z0-9_-]+", "-", Path(str(DATABASES["default"]["NAME"])).stem),
)

# Which channels-redis layer carries the feed: "pubsub" (RedisPubSubChannelLayer, the default,
# chosen by bench/feed.py: see docs/BENCHMARKS.md) or "lists" (RedisChannelLayer).
CHANNEL_LAYER = env.str("CHANNEL_LAYER", default="pubsub").strip().lower()
if CHANNEL_LAYER not in {"pubsub", "lists"}:
    raise ImproperlyConfigured(f"CHANNEL_LAYER must be pubsub or lists, not {CHANNEL_LAYER!r}.")

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer"
            if CHANNEL_LAYER == "pubsub"
            else "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": CHANNEL_LAYER_PREFIX},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "panbot",
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True  # embedded default: tasks run in-process

CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# Printing has a queue of its own: a slow or dead printer (seconds per attempt) never delays the
# ghost-call reaper on the default `celery` queue. Production runs `celery -A panbot worker -Q printing`
# next to the default worker; `make worker` consumes both.
CELERY_TASK_ROUTES = {"printing.tasks.*": {"queue": "printing"}}

# --- Call leases (the ghost-call window) ------------------------------------------------
# A vanished call (no BYE) must free its slot within 15 s of its last heartbeat on every path,
# the periodic reaper alone included: lease + reaper period + one reaper run <= 15 s.
# Seconds after the last heartbeat before a call's concurrency slot is reclaimed.
CALL_LEASE_SECONDS = _int("CALL_LEASE_SECONDS", 10, minimum=3, maximum=600)
# How often Celery beat runs the ghost-call reaper.
CALL_REAPER_SECONDS = _int("CALL_REAPER_SECONDS", 2, minimum=1, maximum=300)
CELERY_BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    # Admissions reclaim their own business's ghosts; this frees the rest (and keeps
    # live-call views honest) within lease + CALL_REAPER_SECONDS of a vanished call's last heartbeat.
    "reap-stale-calls": {
        "task": "telephony.tasks.reap_stale_calls",
        "schedule": float(CALL_REAPER_SECONDS),
        # a run queued while workers were down is not worth running late
        "options": {"expires": float(CALL_REAPER_SECONDS)},
    },
    # Print jobs whose task message was lost (a broker restart) are sent again.
    "resume-print-jobs": {"task": "printing.tasks.resume_print_jobs", "schedule": 30.0, "options": {"expires": 30.0}},
    # Every login and refresh records a refresh token (rotation, reuse detection); expired ones go.
    "flush-expired-tokens": {"task": "accounts.tasks.flush_expired_tokens", "schedule": 24 * 3600.0},
    # The outbox keeps EVENT_RETENTION_HOURS of events for resuming feeds; older ones go, in batches.
    "prune-events": {"task": "panbot.tasks.prune_events", "schedule": 3600.0, "options": {"expires": 3600.0}},
    # New orders nobody accepted or rejected within ORDER_ACK_ALERT_SECONDS: order.unacknowledged, once each.
    "flag-unacknowledged-orders": {
        "task": "orders.tasks.flag_unacknowledged_orders",
        "schedule": 10.0,
        "options": {"expires": 10.0},
    },
}

# --- Auth -------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
# Logging in (the API's token endpoint and the admin) takes a username or an e-mail address.
AUTHENTICATION_BACKENDS = ["accounts.backends.UsernameOrEmailBackend"]

# --- API (/api/v1/) ------------------------------------------------------------------
REST_FRAMEWORK = {
    # Stateless: a request is authenticated and authorised from the access token's claims alone.
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.ClaimsAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "panbot.api.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    # JSON in and out, errors included; no browsable HTML API, no form posts.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["panbot.api.parsers.JSONParser"],
    "DEFAULT_METADATA_CLASS": None,  # OPTIONS answers 405 rather than describing the view
    "EXCEPTION_HANDLER": "panbot.api.errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "panbot.api.schema.AutoSchema",
    "NUM_PROXIES": None,  # set below from TRUSTED_PROXIES
}

# Reverse proxies in front of the web process that append the client's address to
# X-Forwarded-For. 0: the client is REMOTE_ADDR and X-Forwarded-For is ignored (a client can
# write anything there, which would let it dodge the per-address login throttle).
TRUSTED_PROXIES = _int("TRUSTED_PROXIES", 0, minimum=0, maximum=10)
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXIES

# Request bodies under /api/ larger than this are refused with 413 before anything parses them.
# The largest legitimate body is a number's system prompt (8000 characters, six bytes each when escaped).
API_MAX_BODY_BYTES = _int("API_MAX_BODY_BYTES", 256 * 1024, minimum=1024, maximum=50 * 1024 * 1024)

# Failed logins allowed per username and per client address within the window, then 429.
LOGIN_FAILURE_LIMIT = 5
LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=15),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=30),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,  # a login must not write to auth_user
    "ALGORITHM": "HS256",
    "SIGNING_KEY": SECRET_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_CLAIM": "user_id",
    "LEEWAY": 0,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "PanBot API",
    "DESCRIPTION": (
        "The owners', staff's and stakeholder's API. Get a token pair from `POST /api/v1/auth/token/`, send "
        "`Authorization: Bearer <access>`; tenant endpoints live under `/api/v1/businesses/{business_id}/`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_AUTHENTICATION": [],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # validatorUrl None: no badge image fetched from swagger.io; the page loads nothing from outside.
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True, "displayOperationId": False, "validatorUrl": None},
    "ENUM_NAME_OVERRIDES": {
        "MembershipRoleEnum": "restaurants.models.Membership.Role",
        # Calls' statuses and reasons (a "status" field of orders and bookings has other choices).
        "CallStatusEnum": "telephony.models.CallRecord.Status",
        "CallReasonEnum": "telephony.models.CallRecord.Reason",
        "OrderStatusEnum": "orders.models.OrderStatus",
        "ReservationStatusEnum": "reservations.models.ReservationStatus",
    },
}

# --- I18N / time --------------------------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# The dashboard's languages (the API and the admin stay in English). Catalogues: locale/<lang>/, compiled
# by `make messages` (make run and make test do it).
LANGUAGES = [("en", "English"), ("it", "Italiano")]
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Static -------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# The dashboard's chart library (uPlot) comes from npm: `make install` runs `npm ci` (package-lock.json)
# and its dist folder is served as static/vendor/uplot/ (nothing copied into the repo, nothing from a CDN).
STATICFILES_DIRS = [BASE_DIR / "static", ("vendor/uplot", BASE_DIR / "node_modules" / "uplot" / "dist")]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Security (production defaults; DEBUG relaxes them for local HTTP) -------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if _bool("BEHIND_TLS_PROXY", True) else None
SECURE_SSL_REDIRECT = _bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
# The dashboard's refresh-token cookie (dashboard/session.py): HttpOnly, SameSite=Strict, sent only to its
# own endpoints' path, and Secure unless DEBUG (local HTTP).
DASHBOARD_REFRESH_COOKIE_SECURE = _bool("DASHBOARD_REFRESH_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = _int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0, maximum=63072000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = _bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- Dashboard ------------------------------------------------------------------------
# The order board: a new order nobody accepts or rejects within this many seconds escalates (the alert
# repeats, the card turns red).
ORDER_ACK_ALERT_SECONDS = _int("ORDER_ACK_ALERT_SECONDS", 90, minimum=10, maximum=3600)

# --- Telephony ------------------------------------------------------------------------
# CALL_LEASE_SECONDS and CALL_REAPER_SECONDS are read with Celery's settings (the reaper's schedule).


def _port(name: str, raw: str) -> int:
    try:
        port = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}: {raw.strip()!r} is not a port number.") from None
    if not 1 <= port <= 65535:
        raise ImproperlyConfigured(f"{name}: {port} is not a port number (1-65535).")
    return port


def _port_range(name: str, default: str) -> tuple[int, int]:
    raw = env.str(name, default=default).strip()
    low, sep, high = raw.partition("-")
    if not sep:
        raise ImproperlyConfigured(f"{name}={raw!r} must look like 10000-12000.")
    first, last = _port(name, low), _port(name, high)
    if first > last:
        raise ImproperlyConfigured(f"{name}={raw!r}: the first port must not be above the last.")
    return first, last


def _cidr_list(name: str) -> list[str]:
    networks = []
    for entry in env.list(name, default=[]):
        try:
            networks.append(str(ipaddress.ip_network(entry.strip(), strict=True)))
        except ValueError:
            raise ImproperlyConfigured(f"{name}: {entry.strip()!r} is not an IP address or CIDR block.") from None
    return networks


# The SIP edge (firewall_rules, the capacity check): ports LiveKit SIP listens on for signalling,
# its TLS port (0: TLS off), the carriers' signalling ranges trusted besides the PBX trunks, and
# LiveKit SIP's RTP media port range (2 ports a call).
SIP_PORTS = sorted({_port("SIP_PORTS", raw) for raw in env.list("SIP_PORTS", default=["5060"])})
SIP_TLS_PORT = (
    0 if env.str("SIP_TLS_PORT", default="0").strip() in {"", "0"} else _port("SIP_TLS_PORT", env.str("SIP_TLS_PORT"))
)
SIP_CARRIER_ADDRESSES = _cidr_list("SIP_CARRIER_ADDRESSES")
RTP_PORT_RANGE = _port_range("RTP_PORT_RANGE", "10000-12000")
# Floods: calls one caller may start to one business within a minute (a withheld or malformed
# caller id counts as one caller), and calls one trunk may send within a second.
CALLER_MAX_CALLS_PER_MINUTE = _int("CALLER_MAX_CALLS_PER_MINUTE", 6, minimum=1, maximum=10000)
TRUNK_MAX_CALLS_PER_SECOND = _int("TRUNK_MAX_CALLS_PER_SECOND", 20, minimum=1, maximum=100000)

# --- Kitchen printing --------------------------------------------------------------------
# Seconds to connect to a printer and to send one ticket before the attempt counts as failed.
PRINTER_TIMEOUT_SECONDS = _int("PRINTER_TIMEOUT_SECONDS", 5, minimum=1, maximum=60)
# A printer on 127.0.0.1 is the platform itself: refused outside development (and the tests' fake printers).
PRINTER_ALLOW_LOOPBACK = _bool("PRINTER_ALLOW_LOOPBACK", default=DEBUG)

# --- Live feed (panbot.feed) ----------------------------------------------------------------
# Event rows older than this are pruned (hourly beat task); a cursor older than it gets a new snapshot.
EVENT_RETENTION_HOURS = _int("EVENT_RETENTION_HOURS", 72, minimum=2, maximum=24 * 365)
# Frames waiting for one client before it is closed as too slow (it resumes from its cursor).
FEED_SEND_BUFFER = _int("FEED_SEND_BUFFER", 1000, minimum=10, maximum=100_000)
# A resuming client further behind than this gets a fresh snapshot instead of the backlog.
FEED_CATCH_UP_MAX = _int("FEED_CATCH_UP_MAX", 1000, minimum=10, maximum=100_000)
# Seconds between a socket's re-reads of the Event table, which recover pushes Redis dropped.
FEED_RECONCILE_SECONDS = _int("FEED_RECONCILE_SECONDS", 30, minimum=1, maximum=3600)
# Live-delivered ids a cursor carries before the socket folds them into a new snapshot horizon.
FEED_CURSOR_MAX_IDS = _int("FEED_CURSOR_MAX_IDS", 64, minimum=1, maximum=1000)


def _port_ranges(name: str, default: str) -> tuple[tuple[int, int], ...]:
    """A comma-separated list of ports and port ranges ("631,9100-9109"), as (first, last) pairs."""
    raw = env.str(name, default=default)
    ranges = []
    for entry in raw.split(","):
        if not entry.strip():
            continue
        low, sep, high = entry.partition("-")
        first = _port(name, low)
        last = _port(name, high) if sep else first
        if first > last:
            raise ImproperlyConfigured(f"{name}: {entry.strip()!r}: the first port must not be above the last.")
        ranges.append((first, last))
    if not ranges:
        raise ImproperlyConfigured(f"{name}={raw!r} must list at least one port (e.g. 631,9100-9109).")
    return tuple(ranges)


# The ports a printer may have (checked when it is saved and when a ticket is sent): a printer's
# address must not reach the platform's other services (Redis 6379, PostgreSQL 5432, ...).
PRINTER_ALLOWED_PORTS = _port_ranges("PRINTER_ALLOWED_PORTS", "631,9100-9109")

# --- LiveKit (off when LIVEKIT_URL is unset) ----------------------------------------------
LIVEKIT_URL = _url("LIVEKIT_URL", schemes={"ws", "wss", "http", "https"})
LIVEKIT_API_KEY = env.str("LIVEKIT_API_KEY", default="")
LIVEKIT_API_SECRET = env.str("LIVEKIT_API_SECRET", default="")
if LIVEKIT_URL and not (LIVEKIT_API_KEY and LIVEKIT_API_SECRET):
    raise ImproperlyConfigured("LIVEKIT_URL is set: LIVEKIT_API_KEY and LIVEKIT_API_SECRET must be set too.")
AGENT_NAME = env.str("AGENT_NAME", default="panbot-agent")
AGENT_MAX_SESSIONS = _int("AGENT_MAX_SESSIONS", 4, minimum=1, maximum=1000)
# Agent workers the deployment runs (0: unknown); with it the capacity check caps admissible calls.
AGENT_WORKERS = _int("AGENT_WORKERS", 0, minimum=0, maximum=100000)
# Heartbeat well inside the lease, so one lost beat does not cost the call its slot.
AGENT_HEARTBEAT_SECONDS = _int("AGENT_HEARTBEAT_SECONDS", 3, minimum=1, maximum=60)
if 2 * AGENT_HEARTBEAT_SECONDS >= CALL_LEASE_SECONDS:
    raise ImproperlyConfigured(
        f"AGENT_HEARTBEAT_SECONDS={AGENT_HEARTBEAT_SECONDS} must be under half of CALL_LEASE_SECONDS="
        f"{CALL_LEASE_SECONDS}, so that one lost heartbeat does not cost a live call its slot."
    )
# Caller silence: after this many seconds the agent asks once whether they are still there,
# then ends the call if nothing comes back within the same time again.
AGENT_SILENCE_SECONDS = _int("AGENT_SILENCE_SECONDS", 15, minimum=3, maximum=300)
# The system prompt's hard budget in tokens (counted with the LLM's own tokenizer, offline):
# the menu and FAQ reach the model through search tools, so this holds for any menu size.
AGENT_PROMPT_MAX_TOKENS = _int("AGENT_PROMPT_MAX_TOKENS", 2500, minimum=1000, maximum=32000)


# --- Voice agent providers (read by run_agent; the web needs none of them) -----------------
def _speech_spec(name: str, raw: str, *, providers: set[str], voice: bool) -> str:
    """`provider:model` (STT) or `provider:model[:voice]` (TTS)."""
    fields = raw.strip().split(":")
    if not 2 <= len(fields) <= (3 if voice else 2) or fields[0] not in providers or not fields[1]:
        shape = "provider:model" + ("[:voice]" if voice else "")
        raise ImproperlyConfigured(
            f"{name}={raw!r} must look like {shape} with provider one of {', '.join(sorted(providers))}."
        )
    return raw.strip()


def _speech_by_language(name: str, *, providers: set[str], voice: bool) -> dict[str, str]:
    """`it=deepgram:nova-3,en=openai:gpt-4o-mini-transcribe`: a choice per agent language."""
    choices = {}
    for entry in env.list(name, default=[]):
        language, sep, spec = entry.partition("=")
        if not sep or not language.strip():
            raise ImproperlyConfigured(f"{name}: {entry!r} must look like language=provider:model.")
        choices[language.strip()] = _speech_spec(name, spec, providers=providers, voice=voice)
    return choices


STT_PROVIDERS = {"openai", "deepgram"}
TTS_PROVIDERS = {"openai", "deepgram"}
LLM_BASE_URL = _url("LLM_BASE_URL", schemes={"http", "https"})  # empty: OpenAI itself
LLM_MODEL = env.str("LLM_MODEL", default="gpt-4.1-mini")
LLM_API_KEY = env.str("LLM_API_KEY", default="")
STT_DEFAULT = _speech_spec(
    "STT_DEFAULT", env.str("STT_DEFAULT", default="openai:gpt-4o-mini-transcribe"), providers=STT_PROVIDERS, voice=False
)
STT_BY_LANGUAGE = _speech_by_language("STT_BY_LANGUAGE", providers=STT_PROVIDERS, voice=False)
TTS_DEFAULT = _speech_spec(
    "TTS_DEFAULT", env.str("TTS_DEFAULT", default="openai:gpt-4o-mini-tts:alloy"), providers=TTS_PROVIDERS, voice=True
)
TTS_BY_LANGUAGE = _speech_by_language("TTS_BY_LANGUAGE", providers=TTS_PROVIDERS, voice=True)
OPENAI_API_KEY = env.str("OPENAI_API_KEY", default="")  # OpenAI speech (STT/TTS)
DEEPGRAM_API_KEY = env.str("DEEPGRAM_API_KEY", default="")

# --- Logging ------------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(f"LOG_LEVEL={LOG_LEVEL!r} must be DEBUG, INFO, WARNING, ERROR or CRITICAL.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
