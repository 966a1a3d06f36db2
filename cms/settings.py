"""Settings for the CMS, read from the environment.

DATABASE_URL (default: SQLite file db.sqlite3 in the project folder), SECRET_KEY (required
unless DEBUG), DEBUG, ALLOWED_HOSTS, TIME_ZONE. See README.md for the table.
"""

import os
import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_rate(name: str, default: str) -> str:
    """A request rate such as 60/minute (second, minute, hour or day)."""
    value = os.environ.get(name, default).strip()
    if not re.fullmatch(r"[0-9]+/(s|sec|second|m|min|minute|h|hour|d|day)", value):
        raise ImproperlyConfigured(f"{name} must read like 60/minute (second/minute/hour/day).")
    return value


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-used-with-DEBUG-on"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

# A post's page on the frontend, e.g. https://blog.example/{lang}/{slug}/ (feeds, sitemap);
# empty: the post's API URL.
FRONTEND_POST_URL = os.environ.get("FRONTEND_POST_URL", "").strip()
if FRONTEND_POST_URL:
    try:
        FRONTEND_POST_URL.format(lang="en", slug="slug")
    except (KeyError, IndexError, ValueError) as error:
        raise ImproperlyConfigured(
            "FRONTEND_POST_URL may use only {lang} and {slug} as placeholders."
        ) from error
    if "{slug}" not in FRONTEND_POST_URL or not FRONTEND_POST_URL.startswith("http"):
        raise ImproperlyConfigured("FRONTEND_POST_URL must be an http(s) URL containing {slug}.")

# Webhooks: attempt each delivery right after the commit in a background thread; off, only
# `manage.py deliver_webhooks` (cron or --loop) sends them. Retries always need that command.
WEBHOOKS_DELIVER_IMMEDIATELY = env_bool("WEBHOOKS_DELIVER_IMMEDIATELY", True)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "corsheaders",
    "rest_framework",
    "django_filters",
    "simple_history",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc files, served locally
    "posts",
    "api",
]

MIDDLEWARE = [
    "corsheaders.middleware.CorsMiddleware",  # first: it answers preflight requests itself
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Revisions record the request's user (DRF sets token users on the same request).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "cms.urls"

# Frontends on other origins may call the API (and only the API) from a browser.
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
CORS_ALLOW_CREDENTIALS = env_bool("CORS_ALLOW_CREDENTIALS", False)
CORS_URLS_REGEX = r"^/api/.*$"

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
            ],
        },
    },
]

WSGI_APPLICATION = "cms.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "api.permissions.ContentPermission",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "api.throttling.AnonRateThrottle",
        "api.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_rate("API_THROTTLE_ANON", "60/minute"),
        "user": env_rate("API_THROTTLE_USER", "600/minute"),
    },
    "DEFAULT_FILTER_BACKENDS": ["api.filters.StrictFilterBackend"],
    # DRF's JSON parser answers deeply nested JSON with a 500; this one refuses it with 400.
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PostPagination",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "EXCEPTION_HANDLER": "api.errors.json_exception_handler",
    "PAGE_SIZE": 20,
    "UNICODE_JSON": True,
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",
}

# The OpenAPI schema (/api/schema/) and its browsable docs (/api/docs/, /api/redoc/), whose
# JavaScript and CSS come from drf-spectacular-sidecar's static files, not from a CDN.
SPECTACULAR_SETTINGS = {
    "TITLE": "Bilingual CMS API",
    "DESCRIPTION": (
        "Posts, tags, categories, authors and places of a bilingual (Simplified Chinese / "
        "English) Markdown blog. Responses are in the language asked for with `?lang=` or "
        "`Accept-Language` (else each post's own); writes take per-language fields as "
        '`{"zh-hans": ..., "en": ...}` or a plain value in the request\'s language. '
        "Anonymous readers see published posts only; writing needs an API token "
        "(`Authorization: Token <token>`) or a staff session with its CSRF token."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "Language": "posts.models.Language",
        "PostStatus": "api.schema.POST_STATUSES",
        "ImportStatus": "api.schema.IMPORT_STATUSES",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},  # no outside calls
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
