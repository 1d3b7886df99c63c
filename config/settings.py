"""Beacon's one settings module, read from the environment.

Unset variables give the embedded default that runs on a laptop: SQLite in ``var/`` and a
Celery broker on the file system. ``DATABASE_URL`` and ``REDIS_URL`` switch to PostgreSQL and
Redis. See docs/ARCHITECTURE.md and docs/OPERATIONS.md.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("BEACON_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    """Return the environment variable as a boolean ("1", "true", "yes", "on" are true)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    """Return a comma-separated environment variable as a list of non-empty strings."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_number(name: str, default: float, kind: type = int):
    """Return a numeric environment variable, refusing anything else with a clear message."""
    value = os.environ.get(name)
    if value is None or not value.strip():
        return kind(default)
    try:
        return kind(value.strip())
    except ValueError:
        article = "a whole number" if kind is int else "a number"
        raise ImproperlyConfigured(f"{name} must be {article}, not {value!r}") from None


def _secret_key() -> str:
    """Return SECRET_KEY from the environment, or a random key kept in var/ for local runs.

    A production start (BEACON_HTTPS=1) without SECRET_KEY is refused, whatever lies in var/:
    a key generated on one host would silently differ on the next (sessions, password reset
    links and signed values break), and a file left in var/ is no secret store.
    """
    if key := os.environ.get("SECRET_KEY"):
        return key
    if env_bool("BEACON_HTTPS"):
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. A production start (BEACON_HTTPS=1) needs SECRET_KEY in the "
            "environment (50+ random characters, the same on every host); Beacon never makes one "
            "up or reads var/secret_key in production. Generate one with: python -c 'import "
            "secrets; print(secrets.token_urlsafe(64))'"
        )
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

# Behind TLS in production (BEACON_HTTPS=1): secure cookies, HSTS and redirects.
HTTPS = env_bool("BEACON_HTTPS")
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "__Host-beacon_session" if HTTPS else "beacon_session"
CSRF_COOKIE_NAME = "__Host-beacon_csrftoken" if HTTPS else "csrftoken"
# Idle timeout (HIPAA automatic logoff, 164.312(a)(2)(iii)): 30 minutes without activity signs
# the user out. accounts.middleware.IdleTimeoutMiddleware enforces it server-side and does not let
# background polls (header X-Beacon-Poll) count as activity; the cookie age backs it up.
BEACON_IDLE_TIMEOUT_SECONDS = int(os.environ.get("BEACON_IDLE_TIMEOUT_SECONDS", 30 * 60))
SESSION_COOKIE_AGE = BEACON_IDLE_TIMEOUT_SECONDS
# Saved (and its 30 minutes renewed) only when it changes: the middleware changes it on the
# user's own requests, never on polls, so polls cannot keep the server-side session alive.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

INSTALLED_APPS = [
    "accounts.apps.BeaconAdminConfig",  # django.contrib.admin behind the second factor
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",  # recovery codes for a lost phone
    "csp",
    "django_htmx",
    "accounts",
    "incidents",
    "communications",
    "dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "accounts.middleware.InputBoundsMiddleware",  # 400 for NUL, overlong values, huge ids
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # sets request.user.is_verified()
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",  # request.htmx
    "accounts.middleware.IdleTimeoutMiddleware",
    "accounts.middleware.TwoFactorVerifyMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

# Input bounds (accounts.middleware.InputBoundsMiddleware): longer values are refused with 400.
# A form value may hold a long document body; an address's query values are short.
BEACON_MAX_QUERY_VALUE_LENGTH = env_number("BEACON_MAX_QUERY_VALUE_LENGTH", 2048)
BEACON_MAX_FORM_VALUE_LENGTH = env_number("BEACON_MAX_FORM_VALUE_LENGTH", 512 * 1024)

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "accounts.context_processors.navigation",
            ],
        },
    },
]

# Database: PostgreSQL from DATABASE_URL, else SQLite in WAL mode with immediate transactions so
# that the web server and the Celery worker do not meet "database is locked".
if database_url := os.environ.get("DATABASE_URL"):
    DATABASES = {
        "default": dj_database_url.parse(database_url, conn_max_age=60, conn_health_checks=True)
    }
    # Beacon's queries are short OLTP reads: PostgreSQL's JIT compilation only adds latency.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
    if test_name := os.environ.get("BEACON_TEST_DB_NAME"):
        DATABASES["default"]["TEST"] = {"NAME": test_name}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("BEACON_SQLITE_PATH", VAR_DIR / "beacon.sqlite3"),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                ),
            },
            # A file, not memory, so a Celery worker started by the tests sees the same database;
            # one per test run so that runs side by side do not share it.
            "TEST": {"NAME": VAR_DIR / f"test-{os.getpid()}.sqlite3"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses locked-out logins before the password check
    "accounts.backends.BeaconModelBackend",  # ModelBackend; the user row says if 2FA exists
]
PASSWORD_HASHERS = [
    "accounts.hashers.BeaconArgon2PasswordHasher",  # Argon2id, OWASP's 46 MiB setting
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",  # older hashes upgrade at next login
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

# Lockout (django-axes): 5 failed logins for one username from one address lock that pair out
# for 15 minutes. Locking by username alone would let an attacker lock Legal out mid-incident;
# by address alone would lock out a whole hospital behind one NAT.
AXES_FAILURE_LIMIT = int(os.environ.get("BEACON_LOGIN_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("BEACON_LOCKOUT_MINUTES", 15)))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_USERNAME_FORM_FIELD = "username"
# The client address behind reverse proxies: X-Forwarded-For is believed only when the request
# comes from one of BEACON_TRUSTED_PROXIES (addresses or CIDR networks of our own proxies), and
# then read from the right up to the first address that is not one of them
# (accounts/client_address.py). Empty: no proxy, the peer's address is the client's.
BEACON_TRUSTED_PROXIES = env_list("BEACON_TRUSTED_PROXIES", "")
if "BEACON_PROXY_COUNT" in os.environ:
    raise ImproperlyConfigured(
        "BEACON_PROXY_COUNT is no longer read: list the addresses of your reverse proxies in "
        "BEACON_TRUSTED_PROXIES instead (for example BEACON_TRUSTED_PROXIES=127.0.0.1 when "
        "nginx on the same host forwards to gunicorn); see docs/OPERATIONS.md."
    )
AXES_CLIENT_IP_CALLABLE = "accounts.client_address.client_address"

# Two-factor (django-otp TOTP): Legal, Executive and Incident Command (and superusers) must have
# verified a TOTP device in this session before they approve, sign off, waive or publish
# (accounts.twofactor.require_two_factor). BEACON_REQUIRE_TWO_FACTOR=0 turns it off (tests).
BEACON_REQUIRE_TWO_FACTOR = env_bool("BEACON_REQUIRE_TWO_FACTOR", default=True)
OTP_TOTP_ISSUER = os.environ.get("BEACON_OTP_ISSUER", "Beacon")
# After wrong codes django-otp pauses code checks 1, 2, 4... seconds; the doubling stops below
# this cap, so someone holding the password cannot pace failures into a lockout of days.
BEACON_OTP_THROTTLE_MAX_SECONDS = env_number("BEACON_OTP_THROTTLE_MAX_SECONDS", 600)
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin never shows a device's key or recovery codes

# Content-Security-Policy (django-csp 4): our own static files only, no inline script or style,
# no framing, forms post only to us. Bootstrap's CSS draws its icons from data: SVG images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        **({"upgrade-insecure-requests": True} if HTTPS else {}),
    },
}
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
USE_I18N = True
USE_TZ = True
# Times are stored in UTC and shown in the hospital's time zone unless an incident says otherwise.
BEACON_TIME_ZONE = os.environ.get("BEACON_TIME_ZONE", "America/Chicago")
TIME_ZONE = BEACON_TIME_ZONE

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG

# Caches live in each process's memory. The dashboard's rendered sections are keyed by a digest
# of the data they show, read from the database on every request (dashboard/sections.py), so
# a process never serves a section older than its data and nothing needs invalidating across
# processes; TIMEOUT bounds only how old relative times ("for 3 hours") can be.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "dashboard": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "beacon-dashboard",
        "TIMEOUT": int(os.environ.get("BEACON_DASHBOARD_CACHE_SECONDS", 120)),
        "OPTIONS": {"MAX_ENTRIES": 1000},
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Email: SMTP when EMAIL_HOST is set, else files in var/mail for the embedded default.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "beacon@localhost")

# Celery: Redis when REDIS_URL is set, else kombu's file-system transport (no server needed).
REDIS_URL = os.environ.get("REDIS_URL", "")
BROKER_DIR = Path(os.environ.get("BEACON_BROKER_DIR", VAR_DIR / "broker"))
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    CELERY_BROKER_URL = "filesystem://localhost/"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
    for folder in ("data_folder_in", "processed_folder", "control_folder"):
        Path(CELERY_BROKER_TRANSPORT_OPTIONS[folder]).mkdir(parents=True, exist_ok=True)
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("BEACON_CELERY_QUEUE", "beacon")
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker that loses the broker retries for ever (the default gives up, and exits, after 100
# tries), and lets the tasks it is running finish: their work is in the database and each task
# is safe to run twice, so one that the broker redelivers later does nothing twice.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "incidents.tasks.heartbeat", "schedule": crontab(minute="*")},
    "verify-activity-chains": {
        "task": "incidents.tasks.verify_activity_chains",
        "schedule": crontab(minute="*/15"),
        "options": {"expires": 600},
    },
    # Deliver due reminders; a run missed while workers were down expires instead of piling up.
    "sweep-reminders": {
        "task": "incidents.tasks.sweep_reminders",
        "schedule": crontab(minute="*"),
        "options": {"expires": 55},
    },
    # Safety nets: wake stakeholder email sends and stalled mail-merge runs whose task was lost.
    "stakeholders-send-sweep": {
        "task": "communications.stakeholders.send_sweep",
        "schedule": crontab(minute="*"),
        "options": {"expires": 55},
    },
    "mailmerge-resume-stalled": {
        "task": "communications.tasks.mailmerge_resume_stalled",
        "schedule": crontab(minute="*"),
        "options": {"expires": 55},
    },
    # Delete patient letter recipients (and letter files) of batches past their purge date.
    "purge-recipients": {
        "task": "communications.tasks.purge_recipients",
        "schedule": crontab(hour=3, minute=17),
        "options": {"expires": 3600},
    },
}

# Stakeholder email sends: tries per recipient, the wait before the first retry (doubling after
# each failure), and how many recipients one task delivers before it re-enqueues itself.
BEACON_SEND_MAX_ATTEMPTS = env_number("BEACON_SEND_MAX_ATTEMPTS", 3)
BEACON_SEND_RETRY_BASE_SECONDS = env_number("BEACON_SEND_RETRY_BASE_SECONDS", 60, float)
BEACON_SEND_BATCH_SIZE = env_number("BEACON_SEND_BATCH_SIZE", 50)
# Patient letters: recipients (PHI) of a batch are purged this many days after it was confirmed;
# a generating run without progress for this long is resumed by the beat sweep.
BEACON_RECIPIENT_RETENTION_DAYS = env_number("BEACON_RECIPIENT_RETENTION_DAYS", 120)
BEACON_MAILMERGE_STALL_SECONDS = env_number("BEACON_MAILMERGE_STALL_SECONDS", 120, float)

# Signing certificate for PDF notices (PKCS#12); `manage.py make_signing_cert` makes an
# evaluation-only one in var/ for the embedded default.
BEACON_SIGNING_P12 = os.environ.get(
    "BEACON_SIGNING_P12", str(VAR_DIR / "signing" / "evaluation.p12")
)
BEACON_SIGNING_PASSPHRASE = os.environ.get("BEACON_SIGNING_PASSPHRASE", "")
BEACON_TSA_URL = os.environ.get("BEACON_TSA_URL", "")
# Earlier signing certificates (PEM or DER files, comma-separated) that verification still
# trusts after a rotation, so notices signed before it stay verifiable (docs/OPERATIONS.md).
BEACON_TRUSTED_CERTS = env_list("BEACON_TRUSTED_CERTS", "")
BEACON_PUBLIC_URL = os.environ.get("BEACON_PUBLIC_URL", "http://localhost:8000")

# Beat is considered silent after this many seconds without a heartbeat.
BEACON_HEARTBEAT_STALE_SECONDS = 5 * 60
# Every worker process writes its own heartbeat this often; /healthz is red when none wrote
# within the stale limit, so a dead worker shows within it (keep it under a minute).
BEACON_WORKER_HEARTBEAT_SECONDS = env_number("BEACON_WORKER_HEARTBEAT_SECONDS", 15, float)
BEACON_WORKER_STALE_SECONDS = env_number("BEACON_WORKER_STALE_SECONDS", 45, float)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "ERROR"},
        "axes.apps": {"level": "WARNING"},  # its start-up banner would pollute command output
    },
}
