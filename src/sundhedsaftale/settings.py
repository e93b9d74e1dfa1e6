"""Django settings, read from the environment.

Defaults are safe for a developer machine: SQLite under var/, DEBUG off, only loopback hosts.
Production sets DATABASE_URL (PostgreSQL), SECRET_KEY, ALLOWED_HOSTS and HTTPS=1; then
`manage.py check --deploy` is clean.
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from sundhedsaftale.portal.turns import configured_count as configured_search_concurrency

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent.parent  # the repository root (src layout)
VAR_DIR = Path(os.environ.get("SUNDHEDSAFTALE_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in var/."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Behind a TLS-terminating proxy in production: HTTPS=1 turns on every transport protection.
HTTPS = env_bool("HTTPS", False)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "simple_history",
    "axes",
    "sundhedsaftale.core",
    "sundhedsaftale.geography",
    "sundhedsaftale.bodies",
    "sundhedsaftale.agreements",
    "sundhedsaftale.access",
    "sundhedsaftale.regimes",
    "sundhedsaftale.hearings",
    "sundhedsaftale.meetings",
    "sundhedsaftale.followup",
    "sundhedsaftale.responsibilities",
    "sundhedsaftale.api",
    "sundhedsaftale.portal",
    "sundhedsaftale.outreach",
    "sundhedsaftale.search",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "sundhedsaftale.core.middleware.DanishFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "sundhedsaftale.portal.middleware.RejectControlCharactersMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    "sundhedsaftale.core.security.PermissionsPolicyMiddleware",
    # Last, as django-axes asks: turns a lock-out into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sundhedsaftale.urls"
WSGI_APPLICATION = "sundhedsaftale.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
    {
        # The portal's busiest pages and the shared layout partials (core/jinja.py says why).
        "BACKEND": "sundhedsaftale.core.jinja.Backend",
        "NAME": "jinja2",
        "DIRS": [PACKAGE_DIR / "jinja2"],
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "sundhedsaftale.core.jinja.environment",
            "context_processors": ["sundhedsaftale.core.jinja.per_render"],
            "autoescape": True,
            "auto_reload": DEBUG,
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL: readers never wait for a writer (pages keep working during a population import);
    # a writer waits up to SQLITE_TIMEOUT seconds for another one instead of failing with
    # "database is locked"; IMMEDIATE takes the write lock when a transaction begins, so
    # that wait applies (a read transaction upgraded to a write would fail at once).
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        "transaction_mode": "IMMEDIATE",
        "timeout": float(os.environ.get("SQLITE_TIMEOUT", "30")),
    })
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def _caches() -> dict[str, dict[str, object]]:
    """CACHES from CACHE_URL (locmem://, db://TABLE, redis://HOST:6379/0, file:///PATH,
    dummy://) or CACHE_BACKEND + CACHE_LOCATION; local memory (per process) by default."""
    aliases = {
        "locmem": "django.core.cache.backends.locmem.LocMemCache",
        "db": "django.core.cache.backends.db.DatabaseCache",
        "redis": "django.core.cache.backends.redis.RedisCache",
        "rediss": "django.core.cache.backends.redis.RedisCache",
        "file": "django.core.cache.backends.filebased.FileBasedCache",
        "dummy": "django.core.cache.backends.dummy.DummyCache",
    }
    url = os.environ.get("CACHE_URL", "")
    if url:
        scheme, _sep, rest = url.partition("://")
        if scheme not in aliases:
            raise ValueError(f"CACHE_URL: unknown scheme {scheme!r} (one of {sorted(aliases)})")
        location = {"redis": url, "rediss": url, "db": rest or "portal_cache",
                    "locmem": rest or "portal"}.get(scheme, rest)
        backend = aliases[scheme]
    else:
        backend = os.environ.get("CACHE_BACKEND", "locmem")
        backend = aliases.get(backend, backend)
        location = os.environ.get("CACHE_LOCATION", "portal")
    return {"default": {"BACKEND": backend, "LOCATION": location,
                        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "sundhedsaftale"),
                        "OPTIONS": {"MAX_ENTRIES": 2000} if "LocMem" in backend else {}}}


CACHES = _caches()
# Public pages are cached under keys that change when content is published (portal/caching.py);
# the timeout only bounds how long unused entries take space.
PORTAL_CACHE_SECONDS = int(os.environ.get("PORTAL_CACHE_SECONDS", "600"))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "da"
LANGUAGES = [("da", _("Dansk")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
FORMAT_MODULE_PATH = ["sundhedsaftale.formats"]  # "1. januar 2024" / "1 January 2024"
TIME_ZONE = "Europe/Copenhagen"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Det Fælles Designsystem comes from npm (node_modules is installed by scripts/setup).
_DKFDS_DIST = BASE_DIR / "node_modules" / "dkfds" / "dist"
STATICFILES_DIRS = [("dkfds", _DKFDS_DIST)] if _DKFDS_DIST.exists() else []
# Uploaded files (annex documents): local files under MEDIA_ROOT by default. Another backend
# from the environment, e.g. S3-compatible storage with django-storages installed:
# FILE_STORAGE_BACKEND=storages.backends.s3.S3Storage
# FILE_STORAGE_OPTIONS='{"bucket_name": "...", "endpoint_url": "https://..."}'
# Files are never served from MEDIA_URL: the pages' own views check visibility first.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {
        "BACKEND": os.environ.get("FILE_STORAGE_BACKEND",
                                  "django.core.files.storage.FileSystemStorage"),
        "OPTIONS": json.loads(os.environ.get("FILE_STORAGE_OPTIONS", "{}")),
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "sundhedsaftale@localhost")

LOGIN_URL = "/admin/login/"

# The public address of the platform, for links in e-mails (hearing invitations, subscriptions).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Login throttling (django-axes): AXES_FAILURE_LIMIT wrong passwords from one address, or for one
# user name, lock further logins for LOGIN_COOLOFF_MINUTES; each lock-out is in the audit log.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=float(os.environ.get("LOGIN_COOLOFF_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/lockout.html"
if HTTPS:  # behind one TLS-terminating proxy: the client is the last X-Forwarded-For hop
    AXES_IPWARE_PROXY_COUNT = 1
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
AXES_VERBOSE = False

# Every model write goes through a @service (core.guard): "raise" (default), "log" or "off".
WRITE_GUARD = os.environ.get("WRITE_GUARD", "raise")

# Content-Security-Policy (django-csp 4): scripts and styles only from this site's static
# files; no inline script and no inline style attribute anywhere (the population bars are SVG
# rectangles whose width is an attribute, not a style).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Searches the server runs at once (all worker processes together; SEARCH_CONCURRENCY, default
# half the CPU cores) and how long a search waits for its turn before it is answered 503
# (portal.search.search_turn: a flood of searches must not starve the pages).
SEARCH_CONCURRENCY = configured_search_concurrency()
SEARCH_WAIT_SECONDS = float(os.environ.get("SEARCH_WAIT_SECONDS", "10"))

# Where visitors report accessibility problems (shown in the accessibility statement).
PORTAL_CONTACT_EMAIL = os.environ.get("PORTAL_CONTACT_EMAIL", "sundhedsaftale@regionh.example")

# Annex documents (agreements.AnnexDocument): the largest upload accepted, in MB.
ANNEX_DOCUMENT_MAX_BYTES = int(os.environ.get("ANNEX_DOCUMENT_MAX_MB", "20")) * 1024 * 1024

# ClamAV: with CLAMD_SOCKET (a unix socket path) or CLAMD_HOST (and CLAMD_PORT) set, every
# annex document is scanned through clamd's INSTREAM command before it is stored (fail closed:
# a scanner that does not answer refuses the upload). Without them, scanning is off and staff
# are told so on the upload forms.
CLAMD_SOCKET = os.environ.get("CLAMD_SOCKET", "")
CLAMD_HOST = os.environ.get("CLAMD_HOST", "")
CLAMD_PORT = int(os.environ.get("CLAMD_PORT", "3310"))
CLAMD_TIMEOUT = float(os.environ.get("CLAMD_TIMEOUT", "30"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
