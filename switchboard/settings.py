"""Settings read from the environment, with safe development defaults.

Production sets DEBUG=0, SECRET_KEY, ALLOWED_HOSTS and usually DATABASE_URL / REDIS_URL.
Development generates its secrets once and keeps them under var/.
"""

import os
import secrets
from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured

from switchboard.common.proxies import trusted_proxies
from switchboard.config import (
    BASE_DIR,
    VAR_DIR,
    database_settings,
    env_bool,
    env_int,
    env_list,
    pusher_credentials,
    stored_secret,
)

DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = stored_secret("secret_key.json", lambda: secrets.token_urlsafe(50))

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "switchboard.common",
    "switchboard.accounts",
    "switchboard.staff",
    "switchboard.catalog",
    "switchboard.slots",
    "switchboard.bookings",
    "switchboard.dispatch",
    "switchboard.realtime",
    "switchboard.scheduler",
    "switchboard.alerts",
    "switchboard.webhooks",
    "switchboard.operations",
    "switchboard.web",
]

MIDDLEWARE = [
    "switchboard.common.middleware.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "switchboard.common.middleware.OtherSlashFormMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "switchboard.common.middleware.AdminAcrossOrganizationsMiddleware",
]

ROOT_URLCONF = "switchboard.urls"
ASGI_APPLICATION = "switchboard.asgi.application"
WSGI_APPLICATION = "switchboard.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "switchboard.web.context.organizations",
            ],
        },
    },
]


DATABASES = {"default": database_settings()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: a username/IP pair is locked out after AXES_FAILURE_LIMIT failures.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# The lock-out answer says how long the lock lasts (HTML for the login page, JSON for the API).
AXES_LOCKOUT_CALLABLE = "switchboard.web.lockout.lockout_response"
# The lock-out keys on the address uvicorn resolved, trusting forwarded headers only from
# TRUSTED_PROXIES (docs/operations.md); a header alone never changes who is locked out.
TRUSTED_PROXIES = trusted_proxies()
AXES_CLIENT_IP_CALLABLE = "switchboard.common.proxies.client_ip"
AXES_IPWARE_PROXY_TRUSTED_IPS = TRUSTED_PROXIES

# Who may create organisations: "superusers" (the default) or "any_user" (any logged-in user).
ORGANIZATION_CREATORS = os.environ.get("ORGANIZATION_CREATORS", "superusers")
if ORGANIZATION_CREATORS not in {"superusers", "any_user"}:
    raise ImproperlyConfigured("ORGANIZATION_CREATORS must be 'superusers' or 'any_user'.")
# How long an invitation's one-time link stays valid.
INVITATION_TTL_DAYS = int(os.environ.get("INVITATION_TTL_DAYS", "14"))

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# Browser packages come from npm at set-up time; Node is not needed to serve them.
STATICFILES_DIRS = [
    ("vendor/pusher-js", BASE_DIR / "node_modules" / "pusher-js" / "dist" / "web"),
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/leaflet", BASE_DIR / "node_modules" / "leaflet" / "dist"),
    ("vendor/chart.js", BASE_DIR / "node_modules" / "chart.js" / "dist"),
]
SILENCED_SYSTEM_CHECKS = ["staticfiles.W004"]
WHITENOISE_USE_FINDERS = True

# The dispatch board's map (docs/dispatch.md, "Pages"): a tile URL template such as
# "https://tile.openstreetmap.org/{z}/{x}/{y}.png" and its attribution. Empty (the default)
# draws drivers and pickups on a plain background, so nothing is fetched from outside.
DISPATCH_TILE_URL = os.environ.get("DISPATCH_TILE_URL", "")
DISPATCH_TILE_ATTRIBUTION = os.environ.get("DISPATCH_TILE_ATTRIBUTION", "")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "switchboard.accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "switchboard.common.api.Pagination",
    # Each list's FilterSet validates its query parameters and documents them.
    "DEFAULT_FILTER_BACKENDS": ["switchboard.common.filters.ListFilterBackend"],
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "switchboard.common.api.exception_handler",
    # JSON bodies are checked for size and nesting before they are parsed.
    "DEFAULT_PARSER_CLASSES": [
        "switchboard.common.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # OPTIONS names the view; the schema (/api/schema/) documents bodies.
    "DEFAULT_METADATA_CLASS": "switchboard.common.metadata.Metadata",
}

# A JSON body larger than this is refused with 413; one nested deeper, with 400.
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 1024 * 1024)
API_MAX_JSON_DEPTH = env_int("API_MAX_JSON_DEPTH", 32)
# Django requests at work at once per process, admitted in arrival order; 0 = no limit
# (switchboard/common/request_slots.py, docs/performance.md "Request slots").
REQUEST_SLOTS = env_int("REQUEST_SLOTS", 4)

# Anonymous bookings on a public booking page, per client address and organisation
# ("<count>/<second|minute|hour|day>"; docs/slots.md, "Pages").
PUBLIC_BOOKING_RATE = os.environ.get("PUBLIC_BOOKING_RATE", "10/hour")

SPECTACULAR_SETTINGS = {
    "TITLE": "Switchboard API",
    "DESCRIPTION": "Operations backend for service businesses: staff, bookings, dispatch, "
    "sessions and live events.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "switchboard.common.api.document_error_answers",
    ],
}

REDIS_URL = os.environ.get("REDIS_URL", "")

# `GET /health` shows its details (scheduler leader, job errors, real-time figures) to a
# superuser or to `Authorization: Bearer <HEALTH_TOKEN>`; empty means superusers only.
HEALTH_TOKEN = os.environ.get("HEALTH_TOKEN", "")


PUSHER_APP = pusher_credentials()
if not DEBUG and not os.environ.get("PUSHER_APP_SECRET"):
    raise ImproperlyConfigured("PUSHER_APP_ID/KEY/SECRET must be set when DEBUG is off")


# The real-time server's limits and hooks (docs/realtime.md describes each).
REALTIME = {
    "MAX_CONNECTIONS": env_int("REALTIME_MAX_CONNECTIONS", 20000),
    "MAX_FRAME_BYTES": env_int("REALTIME_MAX_FRAME_BYTES", 65536),
    "MAX_EVENT_BYTES": env_int("REALTIME_MAX_EVENT_BYTES", 10240),
    "MAX_CHANNEL_NAME": env_int("REALTIME_MAX_CHANNEL_NAME", 200),
    "MAX_CHANNELS_PER_CONNECTION": env_int("REALTIME_MAX_CHANNELS_PER_CONNECTION", 100),
    "MAX_PRESENCE_MEMBERS": env_int("REALTIME_MAX_PRESENCE_MEMBERS", 100),
    "MAX_PRESENCE_USER_BYTES": env_int("REALTIME_MAX_PRESENCE_USER_BYTES", 1024),
    "ACTIVITY_TIMEOUT": env_int("REALTIME_ACTIVITY_TIMEOUT", 30),
    "PONG_TIMEOUT": env_int("REALTIME_PONG_TIMEOUT", 30),
    "CLIENT_EVENTS_PER_SECOND": env_int("REALTIME_CLIENT_EVENTS_PER_SECOND", 10),
    "WEBHOOK_URL": os.environ.get("REALTIME_WEBHOOK_URL", ""),
    "WEBHOOK_RETRY_SECONDS": env_int("REALTIME_WEBHOOK_RETRY_SECONDS", 300),
    "WEBHOOK_DELAY_SECONDS": env_int("REALTIME_WEBHOOK_DELAY_SECONDS", 3),
    # Queued webhooks survive a restart or a kill here (docs/decisions.md).
    "WEBHOOK_JOURNAL": os.environ.get(
        "REALTIME_WEBHOOK_JOURNAL", str(VAR_DIR / "realtime-webhooks.sqlite3")
    ),
    "REPLAY_RETENTION_HOURS": env_int("REALTIME_REPLAY_RETENTION_HOURS", 24),
    "CACHE_TTL_SECONDS": env_int("REALTIME_CACHE_TTL_SECONDS", 1800),
    "NODE_TTL_SECONDS": env_int("REALTIME_NODE_TTL_SECONDS", 15),
    # Who may subscribe to which channel, and what each channel's audience may read:
    # domain rules, kept out of the realtime app (docs/events.md).
    "CHANNEL_AUTHORIZER": "switchboard.staff.channels.authorize_channel",
    "CHANNEL_AUDIENCE": "switchboard.staff.channels.audience",
    "USER_DATA": "switchboard.staff.channels.user_data",
}

# The job runner (docs/scheduler.md). Every process that serves the application starts one;
# only the process holding the lease runs jobs. SCHEDULER_ENABLED=0 keeps a process from
# starting its own, for deployments that run `manage.py run_scheduler` on its own.
SCHEDULER_ENABLED = env_bool("SCHEDULER_ENABLED", True)
SCHEDULER = {
    # Leadership: renewed every RENEW_SECONDS; another process takes over at most
    # LEASE_SECONDS + ACQUIRE_SECONDS after the holder's last renewal.
    "LEASE_SECONDS": 12,
    "RENEW_SECONDS": 3,
    "ACQUIRE_SECONDS": 1,
    # How often the leader writes the summaries of idle continuous jobs (relay, expiry).
    "SUMMARY_SECONDS": 5,
    # The relay's fallback poll, for commits made in processes that do not lead.
    "RELAY_POLL_SECONDS": float(os.environ.get("SCHEDULER_RELAY_POLL_SECONDS", "0.25")),
    # Daily jobs run at this local time in this IANA zone.
    "TIME_ZONE": os.environ.get("SCHEDULER_TIME_ZONE", "UTC"),
    "PRUNE_AT": os.environ.get("SCHEDULER_PRUNE_AT", "03:30"),
    "JOB_RUN_RETENTION_DAYS": 14,
    # The audit reports an event unpublished for longer than this.
    "OUTBOX_STUCK_SECONDS": 60,
}

# Timed sessions (docs/sessions.md): the longest a session may be started or extended by,
# how long the expiry job waits at most between looks, and when the audit calls it late.
SESSIONS = {
    "MAX_MINUTES": int(os.environ.get("SESSIONS_MAX_MINUTES", str(24 * 60))),
    "EXPIRY_MAX_WAIT_SECONDS": 1.0,
    "EXPIRY_BATCH_SIZE": 200,
    "EXPIRY_MAX_BATCHES": 10,
    "LATE_SECONDS": 30,
    # A manual sync waits this long for a running one before answering that it runs.
    "SYNC_WAIT_SECONDS": 5.0,
}

# Organisation webhooks (docs/webhooks.md): how long a failing endpoint is retried before
# it is switched off, the back-off between attempts, each request's timeout, and how many
# endpoints are sent to at once.
WEBHOOKS = {
    "RETRY_WINDOW_SECONDS": env_int("WEBHOOK_RETRY_WINDOW_SECONDS", 24 * 3600),
    "FIRST_RETRY_SECONDS": env_int("WEBHOOK_FIRST_RETRY_SECONDS", 5),
    "MAX_RETRY_SECONDS": env_int("WEBHOOK_MAX_RETRY_SECONDS", 3600),
    "TIMEOUT_SECONDS": env_int("WEBHOOK_TIMEOUT_SECONDS", 10),
    "CONCURRENCY": env_int("WEBHOOK_CONCURRENCY", 4),
    "POLL_SECONDS": 1.0,
    # Delivered and given-up deliveries are kept this long (the daily prune).
    "RETENTION_DAYS": env_int("WEBHOOK_RETENTION_DAYS", 14),
    # The audit reports a pending delivery this long past its time and not being sent.
    "OVERDUE_SECONDS": 120,
}

# Alerts (docs/operations.md, "Alerts"): new alerts are e-mailed to these addresses when
# Django's e-mail is configured (EMAIL_HOST and friends, from the environment).
ALERT_EMAILS = env_list("ALERT_EMAILS", [])
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", "switchboard@localhost")
DEFAULT_FROM_EMAIL = SERVER_EMAIL

# Dispatch (docs/dispatch.md): how often the offer job looks at most, and the bounded
# trail of positions kept per driver and task. Per-organisation policy (road factor, speed,
# offer timeout, radius…) is the DispatchSettings row.
DISPATCH = {
    "OFFER_MAX_WAIT_SECONDS": 1.0,
    "HISTORY_LIMIT": 200,
    "CANDIDATES_SHOWN": 5,
}

# Bookable slots (docs/slots.md): the seed's keys; each is overridable per organisation.
# DAILY_MAINTENANCE_TIME is the organisation's local time; on WEEKLY_WEEKDAY (6: Sunday)
# the daily run looks WEEKLY_DAYS_AHEAD days ahead, as the seed's weekly cron line did.
TIME_SLOT_AUTOMATION = {
    "ENABLED": env_bool("TIME_SLOT_AUTOMATION_ENABLED", True),
    "DAYS_AHEAD": env_int("TIME_SLOT_DAYS_AHEAD", 30),
    "CLEANUP_EXPIRED": True,
    "PRESERVE_BOOKED_EXPIRED": True,
    "DAILY_MAINTENANCE_TIME": os.environ.get("TIME_SLOT_MAINTENANCE_TIME", "02:00"),
    "WEEKLY_DAYS_AHEAD": 45,
    "WEEKLY_WEEKDAY": 6,
    "MAX_SLOTS_PER_SERVICE": 5000,
    "BATCH_SIZE": 1000,
    # How often the job looks whether an organisation's local maintenance time has come.
    "CHECK_MINUTES": 15,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "structured": {
            "format": "%(asctime)s level=%(levelname)s logger=%(name)s %(message)s",
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
    # A 4xx answer is one line without a traceback (common/logs.py).
    "filters": {"expected_refusals": {"()": "switchboard.common.logs.ExpectedRefusals"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # Django's own console handler (DEBUG) would print each record a second time
        # beside the root's: its records go to the root only.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.request": {"filters": ["expected_refusals"]},
    },
}

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)

# Operations (docs/operations.md, docs/deployment.md). `GET /metrics` answers only
# `Authorization: Bearer <METRICS_TOKEN>`; empty turns it off (404).
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
# `manage.py backup` writes to DIR by default; the daily `backup_database` job runs at AT
# (SCHEDULER_TIME_ZONE) and keeps the newest KEEP backups; KEEP=0 (the default) turns it off.
BACKUP = {
    "DIR": os.environ.get("BACKUP_DIR", str(VAR_DIR / "backups")),
    "KEEP": env_int("BACKUP_KEEP", 0),
    "AT": os.environ.get("BACKUP_AT", "02:30"),
}
# LOG_FORMAT=json: one JSON object per line, the message's key=value pairs as fields.
if os.environ.get("LOG_FORMAT", "text") == "json":
    LOGGING["formatters"]["structured"] = {"()": "switchboard.common.logs.JsonFormatter"}
    LOGGING["loggers"] |= {
        "uvicorn": {"handlers": ["console"], "propagate": False},
        "uvicorn.access": {"handlers": ["console"], "propagate": False},
    }
if not DEBUG:
    # TLS ends at the reverse proxy; uvicorn takes the scheme from it only when it is a
    # trusted proxy (TRUSTED_PROXIES), so no SECURE_PROXY_SSL_HEADER is needed.
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Load balancers and scrapers call these over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^health$", r"^metrics$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
