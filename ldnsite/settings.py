"""Settings for ldnsite, read from the environment with safe local defaults.

Every variable is listed, with a development value, in `.env.example` and the
README. A malformed value stops start-up with an error that names the variable.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
PROJECT_PACKAGE = Path(__file__).resolve().parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a boolean: use one of 1/0, true/false, yes/no, on/off."
    )


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={raw!r} must be at least {minimum}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: set[str]) -> str:
    value = os.environ.get(name, default).strip().upper()
    if value not in choices:
        raise ImproperlyConfigured(
            f"{name} must be one of {', '.join(sorted(choices))}, not {value!r}."
        )
    return value


_RATE_PERIODS = {"s", "sec", "second", "m", "min", "minute", "h", "hour", "d", "day"}


def env_rate(name: str, default: str) -> str:
    """A throttle rate such as `120/minute` (periods: second, minute, hour, day)."""
    raw = os.environ.get(name) or default
    count, _, period = raw.strip().partition("/")
    if not count.isdigit() or int(count) < 1 or period not in _RATE_PERIODS:
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not a rate: use e.g. 120/minute, 10/second, "
            "1000/hour or 5000/day."
        )
    return f"{int(count)}/{period}"


def database_from_url(name: str, default: str) -> dict:
    url = os.environ.get(name) or default
    scheme = urlsplit(url).scheme
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(
            f"{name} must be a sqlite:/// or postgres:// URL, not {scheme or url!r}."
        )
    try:
        config = dj_database_url.parse(url)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} could not be parsed: {exc}") from None
    if config["ENGINE"] == "django.db.backends.postgresql":
        # Persistent connections: reconnecting per request costs over half the
        # throughput on PostgreSQL (measured on a 2-core machine).
        config["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60)
        config["CONN_HEALTH_CHECKS"] = True
    return config


# Django's Redis backend, keeping one client per pool (ldnsite/redis_cache.py).
REDIS_CACHE_BACKEND = "ldnsite.redis_cache.RedisCache"


def cache_from_url(name: str, default: str) -> dict:
    url = os.environ.get(name) or default
    scheme = urlsplit(url).scheme
    if scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if scheme == "dummy":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    if scheme in {"redis", "rediss"}:
        return {
            "BACKEND": REDIS_CACHE_BACKEND,
            "LOCATION": url,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "ldnsite"),
        }
    raise ImproperlyConfigured(
        f"{name} must be locmem://, dummy:// or redis://host:port/db, not {url!r}."
    )


# --- Core -----------------------------------------------------------------

DEBUG = env_bool("DEBUG", True)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "local-development-key-not-for-production-use-0123456789abcdef"

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
for _origin in CSRF_TRUSTED_ORIGINS:
    if urlsplit(_origin).scheme not in {"http", "https"}:
        raise ImproperlyConfigured(
            f"CSRF_TRUSTED_ORIGINS entry {_origin!r} must start with https:// "
            "(or http://)."
        )

INSTALLED_APPS = [
    # Project wiring: the admin site with its review dashboard, site-wide
    # commands and static files. Not a content app.
    "ldnsite",
    "ldnsite.apps.LDNAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django_filters",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "conditions",
    "studies",
]

MIDDLEWARE = [
    "ldnsite.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Anonymous pages and API answers from the shared cache, as compressed and
    # tagged by the ones below (ldnsite/cache.py).
    "ldnsite.cache.SharedPageCacheMiddleware",
    # Compresses what the ones below produce (and weakens their ETags to match).
    "ldnsite.middleware.PublicGZipMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # ETag from the body and 304 answers, for what the next one marks cacheable.
    "django.middleware.http.ConditionalGetMiddleware",
    "ldnsite.middleware.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a lockout into its "locked out" page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ldnsite.urls"
WSGI_APPLICATION = "ldnsite.wsgi.application"
ASGI_APPLICATION = "ldnsite.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "ldnsite.context_processors.site",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Select, checkbox and plain input widgets written in Python (same HTML as
# Django's templates, a template include less per option).
FORM_RENDERER = "ldnsite.forms_renderer.WidgetRenderer"

DATABASES = {
    "default": database_from_url("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# CACHE_URL (or REDIS_URL, as some hosts name it): Redis in production, shared
# by every app server; the local-memory default is one process's own.
CACHES = {
    "default": cache_from_url(
        "CACHE_URL" if os.environ.get("CACHE_URL") else "REDIS_URL", "locmem://"
    )
}

# Only staff have accounts: passwords of at least 12 characters (OWASP ASVS L2).
PASSWORD_MIN_LENGTH = 12
_VALIDATORS = "django.contrib.auth.password_validation"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"{_VALIDATORS}.UserAttributeSimilarityValidator"},
    {
        "NAME": f"{_VALIDATORS}.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": f"{_VALIDATORS}.CommonPasswordValidator"},
    {"NAME": f"{_VALIDATORS}.NumericPasswordValidator"},
]

# Django-axes checks every sign-in first: after ADMIN_LOGIN_FAILURE_LIMIT failures
# for one username (from any address) or from one address (for any username),
# sign-in is refused for ADMIN_LOGIN_COOLOFF_MINUTES. Attempts are kept in the
# database, so every app server counts together; staff lift a lockout by
# deleting its row under "Access attempts" in the admin (or `axes_reset`).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env_int("ADMIN_LOGIN_FAILURE_LIMIT", 10, minimum=1)
AXES_COOLOFF_TIME = datetime.timedelta(
    minutes=env_int("ADMIN_LOGIN_COOLOFF_MINUTES", 30, minimum=1)
)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# The address counted is the one the API throttle keys on (API_NUM_PROXIES).
AXES_CLIENT_IP_CALLABLE = "ldnsite.api_defaults.client_address"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False  # no start-up banner; lockouts are still logged as warnings

# Staff sessions end after SESSION_IDLE_MINUTES without a request.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 60, minimum=1) * 60
SESSION_SAVE_EVERY_REQUEST = True

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static files ------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [PROJECT_PACKAGE / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Security (production values apply whenever DEBUG is off) -----------------

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    # Only behind a proxy that sets (and strips) X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# Content-Security-Policy on every response: only this site's own scripts, styles,
# images and forms; no inline script or style, no plugins, no framing. There is
# no nonce, so a page's body (and its ETag) is the same for every reader.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# --- Pages -------------------------------------------------------------------

# Seconds browsers and shared caches may keep an anonymous page (sitemap, feed
# and robots.txt included) before asking again; a 304 makes asking cheap.
PAGE_CACHE_MAX_AGE = env_int("PAGE_CACHE_MAX_AGE", 300)
# Anonymous pages and API answers kept server-side in the default cache and
# served to every app server (`ldnsite.cache`); on by default with a shared
# cache (Redis) only, since a process's own memory would miss other servers'
# changes. Kept at most SHARED_PAGE_CACHE_SECONDS; any public change or
# scheduled moment makes them stale at once.
SHARED_PAGE_CACHE = env_bool(
    "SHARED_PAGE_CACHE",
    CACHES["default"]["BACKEND"] == REDIS_CACHE_BACKEND,
)
SHARED_PAGE_CACHE_SECONDS = env_int("SHARED_PAGE_CACHE_SECONDS", 3600, minimum=1)
# Figures read from many rows (list counts, filter counts, a condition's
# tallies, the rows of a deep page) kept in the shared cache per content
# generation, for every reader (`ldnsite.cache.remember`); on with Redis.
SHARED_FIGURE_CACHE = env_bool(
    "SHARED_FIGURE_CACHE",
    CACHES["default"]["BACKEND"] == REDIS_CACHE_BACKEND,
)

# --- API ---------------------------------------------------------------------

# Requests per client IP for anonymous API calls, counted in the default cache
# (CACHE_URL), so that several app servers share the count.
API_ANON_RATE = env_rate("API_ANON_RATE", "120/minute")
# Seconds shared caches may keep an anonymous API answer.
API_CACHE_MAX_AGE = env_int("API_CACHE_MAX_AGE", 60)
# Proxies in front of the app that append to X-Forwarded-For (0: use REMOTE_ADDR).
API_NUM_PROXIES = env_int("API_NUM_PROXIES", 0)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["ldnsite.api_defaults.ModelPermissionsOrReadOnly"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["ldnsite.api_defaults.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "ldnsite.api_defaults.Pagination",
    "DEFAULT_THROTTLE_CLASSES": ["ldnsite.api_defaults.AnonThrottle"],
    "DEFAULT_SCHEMA_CLASS": "ldnsite.rest.AutoSchema",
    "EXCEPTION_HANDLER": "ldnsite.rest.exception_handler",
    # 0 keys the throttle on the connecting address (REMOTE_ADDR); None would
    # trust whatever X-Forwarded-For a client sends.
    "NUM_PROXIES": API_NUM_PROXIES,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "LDN evidence API",
    "DESCRIPTION": (
        "Conditions, mechanisms, studies, findings, FAQ and glossary of the LDN "
        "evidence site: everything the public may see, read-only without a token. "
        "Unknown query parameters are ignored. Staff write with a token "
        "(`Authorization: Token <key>`) or their session and CSRF token."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "ldnsite.editorial.policy.Status",
        "OutcomeEnum": "conditions.models.Outcome",
        "FindingDirectionEnum": "studies.evidence.Direction",
        "EvidenceDirectionEnum": "studies.evidence.BodyDirection",
    },
}

# --- Editorial ----------------------------------------------------------------

# "Mark reviewed today" sets the next review this many months later.
REVIEW_INTERVAL_MONTHS = env_int("REVIEW_INTERVAL_MONTHS", 12, minimum=1)

# --- Citation import ------------------------------------------------------------

# "Add by DOI or PMID" in the admin fetches records from Crossref and PubMed; turn
# it off where the server has no network access (the admin then says so).
CITATION_LOOKUP_ENABLED = env_bool("CITATION_LOOKUP_ENABLED", True)
CROSSREF_API_URL = env_str("CROSSREF_API_URL", "https://api.crossref.org")
PUBMED_EUTILS_URL = env_str(
    "PUBMED_EUTILS_URL", "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
)
# The admin's import confirmation posts one checkbox per record (up to 2,000,
# `studies.citation_formats.MAX_RECORDS`); Django's default allows 1,000 fields.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2500
# Seconds to wait for a connection and for an answer.
CITATION_LOOKUP_TIMEOUT = env_int("CITATION_LOOKUP_TIMEOUT", 10, minimum=1)
# Crossref asks clients to name a contact address (its "polite pool").
CITATION_LOOKUP_MAILTO = env_str("CITATION_LOOKUP_MAILTO", "")

LOG_LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {
        "handlers": ["console"],
        "level": env_choice("LOG_LEVEL", "INFO", LOG_LEVELS),
    },
    # django-axes logs every failed sign-in at INFO; lockouts come as warnings.
    "loggers": {"axes": {"level": "WARNING"}},
}
