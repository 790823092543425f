"""Django settings for Amity, read from the environment.

Every variable is documented in the README ("Configuration"). The defaults give a
single-machine install on SQLite; production sets at least AMITY_SECRET_KEY and
AMITY_ALLOWED_HOSTS, and usually DATABASE_URL and the AMITY_EMAIL_* variables.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from amity.core.storage import storage_from_url

BASE_DIR = Path(__file__).resolve().parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    if value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if value.strip().lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DATA_DIR = Path(os.environ.get("AMITY_DATA_DIR", "amity-data")).resolve()
DEBUG = env_bool("AMITY_DEBUG", False)
# The demo runs on http://127.0.0.1 with a generated key; production must be explicit.
DEMO = env_bool("AMITY_DEMO", False)


def _secret_key() -> str:
    if key := os.environ.get("AMITY_SECRET_KEY"):
        return key
    key_file = DATA_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    if not (DEBUG or DEMO):
        raise ImproperlyConfigured(
            "Set AMITY_SECRET_KEY (a long random string) to run Amity in production."
        )
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("AMITY_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("AMITY_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "amity.core",
    "amity.accounts",
    "amity.directory",
    "amity.events",
    "amity.learning",
    "amity.plans",
    "amity.scheduling",
    "amity.registrations",
    "amity.sharing",
    "amity.relations",
    "amity.aid",
    "amity.research",
    "amity.reports",
    "amity.api",
    "amity.home",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_countries",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "auditlog",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Logins: second-factor state, idle and absolute session limits, the TOTP requirement.
    "django_otp.middleware.OTPMiddleware",
    "amity.accounts.middleware.SessionLimitsMiddleware",
    "amity.accounts.middleware.SecondFactorMiddleware",
    # Who made a change: every tracked save during the request names this login.
    "auditlog.middleware.AuditlogMiddleware",
    "amity.core.middleware.ViewerTimeZoneMiddleware",
    "amity.core.middleware.PageMessagesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a locked-out login into the login page that says so (accounts.lockout).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "amity.urls"
WSGI_APPLICATION = "amity.wsgi.application"

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
                "django.template.context_processors.i18n",
                "amity.home.context_processors.navigation",
            ],
        },
    },
]


def _databases() -> dict:
    default_url = f"sqlite:///{DATA_DIR / 'amity.sqlite3'}"
    url = os.environ.get("DATABASE_URL", default_url)
    config = dj_database_url.parse(
        url, conn_max_age=int(os.environ.get("AMITY_DB_CONN_MAX_AGE", "60"))
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        if config["NAME"] != ":memory:":
            Path(config["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        # WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock at
        # BEGIN so that lock -> recount -> write cannot be overtaken (see STYLE.md, pretix).
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": float(os.environ.get("AMITY_SQLITE_TIMEOUT", "20")),
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
        }
        config["CONN_MAX_AGE"] = 0 if config["NAME"] == ":memory:" else config["CONN_MAX_AGE"]
    config["CONN_HEALTH_CHECKS"] = True
    return {"default": config}


DATABASES = _databases()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = os.environ.get("AMITY_LANGUAGE_CODE", "en")
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Each language writes dates its own way ("2026年12月3日 星期四"); see amity/core/formats.
FORMAT_MODULE_PATH = ["amity.core.formats"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("AMITY_TIME_ZONE", "Asia/Shanghai")

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("AMITY_STATIC_ROOT", DATA_DIR / "static"))
# Uploads and drawn certificates: STORAGES["default"] is set below from AMITY_STORAGE_URL.
STORAGES = {
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploads live outside the web root: there is no MEDIA_URL; they are served only by views
# that check permission first.
MEDIA_ROOT = Path(os.environ.get("AMITY_MEDIA_ROOT", DATA_DIR / "media"))


# Downloads from S3 storage as short-lived signed links (seconds; 0, the default: every
# download streams through Amity, with its headers).
AMITY_STORAGE_SIGNED_LINKS = int(os.environ.get("AMITY_STORAGE_SIGNED_LINKS", "0"))
# Where uploads live: a folder every machine mounts, or S3-compatible object storage
# (AMITY_STORAGE_URL, see amity.core.storage.storage_from_url and the README).
STORAGES["default"], MEDIA_ROOT = storage_from_url(
    os.environ.get("AMITY_STORAGE_URL", ""),
    media_root=MEDIA_ROOT,
    signed_link_seconds=AMITY_STORAGE_SIGNED_LINKS,
)
AMITY_MAX_UPLOAD_MB = int(os.environ.get("AMITY_MAX_UPLOAD_MB", "50"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Where `amity manage backup` writes its archives unless told (--output): best another disk.
AMITY_BACKUP_DIR = Path(os.environ.get("AMITY_BACKUP_DIR", DATA_DIR / "backups"))
FILE_UPLOAD_PERMISSIONS = 0o640

TASKS = {
    "default": {
        "BACKEND": os.environ.get("AMITY_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "email"],
    }
}

# Email: SMTP when AMITY_EMAIL_HOST is set; otherwise the demo writes mails to files in
# the data folder so that a password reset can still be followed without a mail server.
EMAIL_HOST = os.environ.get("AMITY_EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("AMITY_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("AMITY_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("AMITY_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("AMITY_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("AMITY_EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = os.environ.get("AMITY_FROM_EMAIL", "Amity <amity@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
elif DEBUG or DEMO:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = DATA_DIR / "outbox"
else:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = "localhost"
AMITY_EMAIL_MAX_ATTEMPTS = int(os.environ.get("AMITY_EMAIL_MAX_ATTEMPTS", "8"))
# First retry delay (doubling up to an hour) and how long a worker may hold an email it is
# sending before another worker takes it over.
AMITY_EMAIL_RETRY_SECONDS = int(os.environ.get("AMITY_EMAIL_RETRY_SECONDS", "30"))
AMITY_EMAIL_LEASE_SECONDS = int(os.environ.get("AMITY_EMAIL_LEASE_SECONDS", "300"))
# Where each worker writes down, the moment the mail server accepts an email, that it
# did (amity.core.worker_journal): a folder of this machine, read when a worker restarts.
AMITY_EMAIL_JOURNAL_DIR = Path(os.environ.get("AMITY_EMAIL_JOURNAL_DIR", DATA_DIR / "mail-journal"))

# The address people use to reach Amity, for links in emails and on PDFs.
AMITY_SITE_URL = os.environ.get("AMITY_SITE_URL", "http://localhost:8000").rstrip("/")
# Public forms: attempts allowed per client address per minute (0 turns the limit off), and
# the request header holding the client's address when a reverse proxy sits in front.
AMITY_REGISTRATION_RATE = int(os.environ.get("AMITY_REGISTRATION_RATE", "20"))
# A known address registering again gets its link by email, at most once in this many
# minutes per registration (the public form must not become a way to flood someone).
AMITY_REGISTRATION_LINK_EMAIL_MINUTES = int(
    os.environ.get("AMITY_REGISTRATION_LINK_EMAIL_MINUTES", "15")
)
AMITY_CLIENT_IP_HEADER = os.environ.get("AMITY_CLIENT_IP_HEADER", "")

# Days before an agreement expires at which office staff are reminded, and the address
# line on the letterhead of letters' PDFs (empty: the home hospital's city and website).
AMITY_AGREEMENT_REMINDER_DAYS = [
    int(days)
    for days in os.environ.get("AMITY_AGREEMENT_REMINDER_DAYS", "90,30").split(",")
    if days.strip()
]
AMITY_LETTERHEAD_ADDRESS = os.environ.get("AMITY_LETTERHEAD_ADDRESS", "")
# Days before a research site's ethics approval expires at which the office, the study's
# PI and the site's PI and coordinator are reminded.
AMITY_APPROVAL_REMINDER_DAYS = [
    int(days)
    for days in os.environ.get("AMITY_APPROVAL_REMINDER_DAYS", "60,14").split(",")
    if days.strip()
]

# Processes that draw certificates in bulk (in a worker; 1 draws in the worker itself).
AMITY_CERTIFICATE_PROCESSES = int(os.environ.get("AMITY_CERTIFICATE_PROCESSES", "2"))

# HTTPS hardening is on unless the site is served over plain HTTP (the demo, a test).
HTTPS = env_bool("AMITY_HTTPS", not (DEBUG or DEMO))
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("AMITY_HSTS_SECONDS", "31536000")) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
# "preload" only allows submitting the site to browsers' preload list; nothing is sent anywhere.
SECURE_HSTS_PRELOAD = env_bool("AMITY_HSTS_PRELOAD", HTTPS)
if env_bool("AMITY_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Headers every page carries (issue #12). The policy allows only Amity's own static files:
# no inline script or style, no other origin, never inside a frame. Files that people
# uploaded are served with a sandbox policy of their own (core.downloads).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # data: for the small icons that the API docs' stylesheet embeds.
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# No address of an Amity page (a self-service link holds a key) leaves for another site.
SECURE_REFERRER_POLICY = "same-origin"
# Features no Amity page uses are off for the page and anything it could embed.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}
SILENCED_SYSTEM_CHECKS = (
    [] if HTTPS else ["security.W004", "security.W008", "security.W012", "security.W016"]
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("AMITY_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

NINJA_PAGINATION_PER_PAGE = 50

# History of changes (django-auditlog): one table of entries with the changed fields as JSON.
# Apps register their own models in their AppConfig.ready() through amity.core.history.track.
AUDITLOG_STORE_JSON_CHANGES = True
# A changed link is shown by the linked object's name, which stays readable after a delete.
AUDITLOG_USE_FK_STRING_REPRESENTATION = True
# Masked fields record that a value changed, never the value.
AUDITLOG_MASK_CALLABLE = "amity.core.history.hidden_value"

# The cache holds built calendar feeds. A folder in the data dir is shared by every process
# of one machine and survives restarts; several machines share Redis (AMITY_REDIS_URL,
# with the "redis" extra installed).
if redis_url := os.environ.get("AMITY_REDIS_URL"):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": os.environ.get("AMITY_CACHE_DIR", str(DATA_DIR / "cache")),
            "OPTIONS": {"MAX_ENTRIES": 2000},
        }
    }

# A monitoring system reads /health/ with "Authorization: Bearer <token>" (amity.core.health).
AMITY_HEALTH_TOKEN = os.environ.get("AMITY_HEALTH_TOKEN", "")

# Where the public forms' rate limit counts (amity.core.ratelimit): in one place every
# server shares. "cache" when Redis is configured (or on SQLite: one machine, its cache
# folder), else "database" (a counter row per address and minute in PostgreSQL).
AMITY_RATE_LIMIT_STORE = os.environ.get(
    "AMITY_RATE_LIMIT_STORE",
    "cache" if redis_url or DATABASES["default"]["ENGINE"].endswith("sqlite3") else "database",
)

# One backend: the lockout check (django-axes), then the password, then Amity's roles.
AUTHENTICATION_BACKENDS = ["amity.accounts.backends.LoginBackend"]

# Failed logins (django-axes): after AMITY_LOGIN_FAILURE_LIMIT failures for one account
# (from any address), or from one address (to any account), logins are refused for
# AMITY_LOGIN_LOCKOUT_MINUTES after the last failure; office staff can unlock sooner.
AMITY_LOGIN_FAILURE_LIMIT = int(os.environ.get("AMITY_LOGIN_FAILURE_LIMIT", "5"))
AMITY_LOGIN_LOCKOUT_MINUTES = int(os.environ.get("AMITY_LOGIN_LOCKOUT_MINUTES", "15"))
AXES_FAILURE_LIMIT = AMITY_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=AMITY_LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# The same client address as the registration rate limit (AMITY_CLIENT_IP_HEADER).
AXES_CLIENT_IP_CALLABLE = "amity.core.ratelimit.client_address"
# Counts each attempt before the password is checked, so that parallel guesses cannot
# slip past the limit (see amity/accounts/lockout.py).
AXES_HANDLER = "amity.accounts.lockout.CountingDatabaseHandler"
AXES_LOCKOUT_CALLABLE = "amity.accounts.views.login_locked_out"
# A refused attempt does not prolong the lockout; a success does not wipe the failures.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = False
AXES_VERBOSE = False
# Password-reset emails: at most this many an hour for one email address, and requests an
# hour from one client address.
AMITY_PASSWORD_RESET_PER_ACCOUNT = int(os.environ.get("AMITY_PASSWORD_RESET_PER_ACCOUNT", "3"))
AMITY_PASSWORD_RESET_PER_ADDRESS = int(os.environ.get("AMITY_PASSWORD_RESET_PER_ADDRESS", "10"))
# Second factor (django-otp, TOTP): when true, office staff must set it up before anything else.
AMITY_REQUIRE_TOTP = env_bool("AMITY_REQUIRE_TOTP", False)
OTP_TOTP_ISSUER = os.environ.get("AMITY_TOTP_ISSUER", "Amity")
# Sessions end after this many idle minutes (office staff, coordinators, staff members;
# partner contacts get AMITY_PARTNER_IDLE_MINUTES), and AMITY_SESSION_HOURS after login.
AMITY_IDLE_MINUTES = int(os.environ.get("AMITY_IDLE_MINUTES", "30"))
AMITY_PARTNER_IDLE_MINUTES = int(os.environ.get("AMITY_PARTNER_IDLE_MINUTES", "120"))
AMITY_SESSION_HOURS = int(os.environ.get("AMITY_SESSION_HOURS", "12"))
SESSION_COOKIE_AGE = AMITY_SESSION_HOURS * 3600
