"""One settings module, driven by the environment.

Development (GONGHUI_ENV=development, the default for manage.py and `gonghui`) works with no environment
at all: SQLite under var/, DEBUG on, development keys — but with GONGHUI_ENV unset it serves only this
machine (core/middleware.py LocalOnlyMiddleware), and a WSGI server (gunicorn, granian) loading
gonghui/wsgi.py with GONGHUI_ENV unset starts in production mode: a deployed process fails closed.
Production (GONGHUI_ENV=production) refuses to start while DEBUG is on or any development default is
still in use, and names the setting.
"""

import base64
import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("GONGHUI_VAR_DIR", BASE_DIR / "var"))

# Well-known development values: fine on a laptop, refused in production.
DEV_SECRET_KEY = "dev-only-insecure-secret-key-do-not-use-in-production"
DEV_PII_KEYS = "dev1:" + base64.b64encode(b"gonghui-dev-pii-key-32-bytes!!!!").decode()
DEV_BLIND_INDEX_KEY = base64.b64encode(b"gonghui-dev-blind-index-key-32b!").decode()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    if raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


TESTING = "pytest" in sys.modules or os.environ.get("GONGHUI_TESTING") == "1"
# Set on purpose (not defaulted): only then may a development server answer other machines.
GONGHUI_ENV_EXPLICIT = bool(os.environ.get("GONGHUI_ENV"))
GONGHUI_ENV = os.environ.get("GONGHUI_ENV") or "development"
if GONGHUI_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"GONGHUI_ENV must be 'development' or 'production', got {GONGHUI_ENV!r}")
PRODUCTION = GONGHUI_ENV == "production"
DEBUG = env_bool("DEBUG", not PRODUCTION and not TESTING)
SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
# Rotating SECRET_KEY: the old key here (comma-separated) keeps sessions and signed links valid until
# they expire; drop it after SESSION_COOKIE_AGE (docs/operations.md, "Key rotation").
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# PII vault: "kid:base64key,kid2:base64key2" — the first key encrypts, all keys decrypt (rotation).
GONGHUI_PII_KEYS = os.environ.get("GONGHUI_PII_KEYS", DEV_PII_KEYS)
GONGHUI_BLIND_INDEX_KEY = os.environ.get("GONGHUI_BLIND_INDEX_KEY", DEV_BLIND_INDEX_KEY)
# Version of the privacy notice a person consents to; stored with every enrolment.
GONGHUI_PRIVACY_POLICY_VERSION = os.environ.get("GONGHUI_PRIVACY_POLICY_VERSION", "2026-11")

# Text messages: dotted path of a gonghui.core.sms.SmsGateway class; the default outbox only stores them
# (staff read development codes at /join/sms-outbox/). Production must name a real provider.
GONGHUI_SMS_BACKEND = os.environ.get("GONGHUI_SMS_BACKEND", "gonghui.core.sms.OutboxGateway")
# Address printed on join-QR posters (e.g. https://gonghui.example.cn); blank = the request's host.
GONGHUI_PUBLIC_BASE_URL = os.environ.get("GONGHUI_PUBLIC_BASE_URL", "")

# Server key that collector phones encrypt queued records to (RSA-OAEP >= 2048 bits, PEM or base64 of the
# PEM). Unset in development and tests: generated once into VAR_DIR/collect-server-key.pem (0600).
GONGHUI_COLLECT_PRIVATE_KEY = os.environ.get("GONGHUI_COLLECT_PRIVATE_KEY") or None

# TOTP for roles that may reveal personal data. Only DEBUG may switch it off.
GONGHUI_2FA_REQUIRED = env_bool("GONGHUI_2FA_REQUIRED", True)
OTP_TOTP_ISSUER = "gonghui 工会"
# Login: after this many wrong passwords for one login from one address, that pair waits
# GONGHUI_LOGIN_DELAY_SECONDS before its next try, twice as long after each further failure, at most
# GONGHUI_LOCKOUT_MINUTES. The account itself is never locked (anyone could lock anyone out).
GONGHUI_LOCKOUT_THRESHOLD = env_int("GONGHUI_LOCKOUT_THRESHOLD", 5)
GONGHUI_LOGIN_DELAY_SECONDS = env_int("GONGHUI_LOGIN_DELAY_SECONDS", 30)
GONGHUI_LOCKOUT_MINUTES = env_int("GONGHUI_LOCKOUT_MINUTES", 15)
# Reverse proxies in front of the app (nginx: 1); the client's address is then read from
# X-Forwarded-For. 0 = clients connect directly (REMOTE_ADDR).
GONGHUI_TRUSTED_PROXIES = env_int("GONGHUI_TRUSTED_PROXIES", 0)
# Roster import (members app): the largest file accepted and the most data rows in one file.
GONGHUI_ROSTER_MAX_UPLOAD_BYTES = env_int("GONGHUI_ROSTER_MAX_UPLOAD_BYTES", 50 * 1024 * 1024)
GONGHUI_ROSTER_MAX_ROWS = env_int("GONGHUI_ROSTER_MAX_ROWS", 1_000_000)
# The bank pad's ID-card reader and fingerprint device (cards app). The simulated pair exists for
# development, the demo and the tests; a branch's real devices answer on these local bridge addresses.
GONGHUI_CARD_DEVICE_SIMULATOR = env_bool("GONGHUI_CARD_DEVICE_SIMULATOR", DEBUG or TESTING)
GONGHUI_CARD_READER_BRIDGE_URL = os.environ.get(
    "GONGHUI_CARD_READER_BRIDGE_URL", "http://127.0.0.1:18300/id-card"
)
GONGHUI_CARD_FINGERPRINT_BRIDGE_URL = os.environ.get(
    "GONGHUI_CARD_FINGERPRINT_BRIDGE_URL", "http://127.0.0.1:18300/fingerprint"
)
# Longest single text value accepted anywhere (form field or JSON string) before the field's own limit.
GONGHUI_MAX_TEXT_LENGTH = env_int("GONGHUI_MAX_TEXT_LENGTH", 10_000)
# Deepest nesting of a JSON body; deeper bodies are refused before they are parsed (the API's own
# schemas nest at most five levels).
GONGHUI_MAX_JSON_DEPTH = env_int("GONGHUI_MAX_JSON_DEPTH", 32)


def check_settings() -> None:
    """Refuse to run in production with development secrets or DEBUG; say which setting is wrong."""
    if not GONGHUI_2FA_REQUIRED and not DEBUG:
        raise ImproperlyConfigured("GONGHUI_2FA_REQUIRED may only be switched off when DEBUG is on")
    if not PRODUCTION:
        return
    problems = []
    if DEBUG:
        problems.append("DEBUG is on")
    if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 32:
        problems.append("SECRET_KEY is the development key or shorter than 32 characters")
    if GONGHUI_PII_KEYS == DEV_PII_KEYS or "dev1:" in GONGHUI_PII_KEYS:
        problems.append("GONGHUI_PII_KEYS is the development key ring")
    if GONGHUI_BLIND_INDEX_KEY == DEV_BLIND_INDEX_KEY:
        problems.append("GONGHUI_BLIND_INDEX_KEY is the development key")
    if not ALLOWED_HOSTS:
        problems.append("ALLOWED_HOSTS is empty")
    if not GONGHUI_COLLECT_PRIVATE_KEY:
        problems.append("GONGHUI_COLLECT_PRIVATE_KEY is not set (the server key collector phones encrypt to)")
    if GONGHUI_CARD_DEVICE_SIMULATOR:
        problems.append(
            "GONGHUI_CARD_DEVICE_SIMULATOR is on (a simulated ID-card reader would issue real cards)"
        )
    if "GONGHUI_SMS_BACKEND" not in os.environ:
        # The outbox stores texts instead of sending them; production must choose it knowingly, if at all.
        problems.append("GONGHUI_SMS_BACKEND is not set (the default outbox sends no text message)")
    if problems:
        raise ImproperlyConfigured("Refusing to start in production mode: " + "; ".join(problems))


check_settings()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks_db",
    "ninja",
    "gonghui.core",
    "gonghui.orgs",
    "gonghui.accounts",
    "gonghui.enterprises",
    "gonghui.members",
    "gonghui.cards",
    "gonghui.meetings",
    "gonghui.collect",
    "gonghui.idcards",
    "gonghui.establishment",
    "gonghui.homes",
    "gonghui.needs",
    "gonghui.benefits",
    "gonghui.insights",
    "gonghui.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "gonghui.core.middleware.LocalOnlyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "gonghui.core.middleware.NoStoreMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "gonghui.core.middleware.RejectBadInputMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "gonghui.urls"
WSGI_APPLICATION = "gonghui.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
CSRF_FAILURE_VIEW = "gonghui.core.errorviews.csrf_failure"
LOGIN_REDIRECT_URL = "insights:home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "gonghui" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "gonghui.accounts.context_processors.nav",
            ],
        },
    },
]

# SQLite under var/ is the embedded default; DATABASE_URL=postgres://... for PostgreSQL.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'gonghui.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets the job worker and the web server write side by side; IMMEDIATE avoids lock upgrades.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
# A PostgreSQL hot standby for heavy reads (dashboards), chosen per read by core/replicas.py; writes never
# go there. In a test run the alias mirrors "default" unless a test points it at a real standby.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"], conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0)
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
# After a write, the writer's reads stay on the primary this long (read-your-writes).
GONGHUI_READ_YOUR_WRITES_SECONDS = env_int("GONGHUI_READ_YOUR_WRITES_SECONDS", 30)
# A standby further behind than this is not read from (its lag is shown while it is read from).
GONGHUI_REPLICA_MAX_LAG_SECONDS = env_int("GONGHUI_REPLICA_MAX_LAG_SECONDS", 300)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {
    "default": {
        "BACKEND": (
            "django.tasks.backends.immediate.ImmediateBackend"
            if TESTING
            else "django_tasks_db.DatabaseBackend"
        ),
        "QUEUES": ["default"],
    }
}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if PRODUCTION:
    # Login and join-page throttles count in the cache: shared by every worker process, so not in
    # process memory (`manage.py createcachetable` makes the table; REDIS_URL replaces it).
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "gonghui_cache",
    }
if os.environ.get("REDIS_URL"):
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "gonghui" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "gonghui" / "static"]
# In development WhiteNoise serves straight from the app folders; production serves collectstatic's output.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": VAR_DIR / "media"},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if not PRODUCTION
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Request limits: large bodies are refused with a 400 before any view runs.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2 * 1024 * 1024)
# Where a request body may be a photo itself (kept in memory, never parsed as text): the ID-card reader.
GONGHUI_IMAGE_BODY_PATHS = ("/api/v1/idcard/read",)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if GONGHUI_TRUSTED_PROXIES:
    # The proxy (nginx) terminates TLS and says so; only trusted when a proxy is declared.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # A year of HSTS for the host and its subdomains (docs/operations.md: what this commits to).
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)


def _origin(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


# Content-Security-Policy (Django's own middleware): scripts and styles only from gonghui's files, or
# inline <style> carrying the request's nonce; the bank pad may also talk to its local device bridges.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [
        CSP.SELF,
        *sorted(
            {_origin(GONGHUI_CARD_READER_BRIDGE_URL), _origin(GONGHUI_CARD_FINGERPRINT_BRIDGE_URL)} - {""}
        ),
    ],
    "worker-src": [CSP.SELF],
    "manifest-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# The interactive API docs and the OpenAPI document: open in development, behind a staff login (with
# the second factor) in production.
GONGHUI_API_DOCS_PUBLIC = env_bool("GONGHUI_API_DOCS_PUBLIC", not PRODUCTION)

# Log lines never carry a resident ID or a phone number: the formatter masks anything shaped like one
# (core/logs.py), including the development server's request lines.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "scrubbed": {
            "()": "gonghui.core.logs.ScrubbingFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "scrubbed"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

NINJA_PAGINATION_PER_PAGE = 50
