"""IntimacyHub settings, read from the environment (see .env.example).

SQLite when DATABASE_URL is unset (the embedded default for `make run`),
PostgreSQL through psycopg 3 when it is set. Production (DJANGO_DEBUG off)
refuses to start without a real secret key.
"""

import os
import re
import urllib.parse
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    value = value.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {value!r}.")


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", default=False)

# A development key is only ever used with DEBUG on; it is public and so worthless.
_DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production"
# Keys anyone can read in this repository: the development key and the
# placeholder .env.example ships (long enough to pass the length rule, so
# a copied .env.example would otherwise start in production with it).
_PUBLIC_SECRET_KEYS = {_DEV_SECRET_KEY, "replace-with-at-least-32-random-characters"}


def _is_public_key(key):
    # A process manager may keep the quotes of `KEY="value"`, or change case.
    return key.strip().strip("'\"").strip().casefold() in _PUBLIC_SECRET_KEYS


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Production refuses to start without a real secret key: "
            "generate one with `python -c 'import secrets; print(secrets.token_urlsafe(50))'`, "
            "or set DJANGO_DEBUG=1 for local development."
        )
    SECRET_KEY = _DEV_SECRET_KEY
elif not DEBUG and _is_public_key(SECRET_KEY):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is too weak for production: it is a placeholder published in this project "
        "(.env.example or the development key). Generate a real one with "
        "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
    )
elif not DEBUG and len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY is too weak for production: use at least 32 random characters.")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")

INSTALLED_APPS = [
    "core.admin_site.AdminConfig",  # django.contrib.admin, with IntimacyHub's site as the default
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "markdownx",
    "axes",
    "reversion",
    "images",
    "conditions",
    "articles",
    "search",
    "reader",
    "checks",
    "intimacyhub",
    "pagecache",
    "pages",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Above sessions, CSRF and CSP: it stores and replays the headers they add.
    "pagecache.cache.PageCacheMiddleware",
    # Below the page cache, so a cached hit never asks the replica anything.
    "pagecache.replica.ReadReplicaMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into a 429 page.
    "axes.middleware.AxesMiddleware",
]


def env_int(name, default, *, minimum=0):
    value = os.environ.get(name, "").strip() or str(default)
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or number < minimum:
        raise ImproperlyConfigured(f"{name} must be a whole number of at least {minimum}; got {value!r}.")
    return number


# Sign-in throttling (django-axes; core/signin.py explains it): after 5
# failed attempts for one username from one address, that pair is locked out
# for an hour (a success resets it); after 30 for one username from all
# addresses, addresses that never signed in as that user are refused too.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "core.signin.ThrottledHandler"
AXES_FAILURE_LIMIT = env_int("INTIMACYHUB_LOGIN_FAILURE_LIMIT", 5, minimum=1)
INTIMACYHUB_LOGIN_ACCOUNT_FAILURE_LIMIT = env_int("INTIMACYHUB_LOGIN_ACCOUNT_FAILURE_LIMIT", 30, minimum=1)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A refused attempt is not counted: the account-wide limit must not be kept
# closed by the very attempts it refuses, and a locked pair unlocks an hour
# after its last real failure.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "core.signin.lockout_response"
AXES_VERBOSE = False
# The client's address behind N reverse proxies of our own (nginx, a load
# balancer): 0 (the default) uses REMOTE_ADDR and ignores X-Forwarded-For,
# which anyone can write. Set it to the number of proxies that append to
# X-Forwarded-For in front of the application, and no more.
INTIMACYHUB_TRUSTED_PROXIES = env_int("INTIMACYHUB_TRUSTED_PROXIES", 0)
AXES_CLIENT_IP_CALLABLE = "core.signin.client_ip_address"

ROOT_URLCONF = "intimacyhub.urls"

TEMPLATES = [
    # The reader site: Jinja2 (see core/templating.py for why). First,
    # so a page's name finds its Jinja2 template; the admin's names miss here.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "core.templating.environment",
            "context_processors": ["core.context_processors.site", "pages.views.footer_links"],
        },
    },
    # The admin and its overrides in templates/admin/.
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "intimacyhub.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Fail fast when the server is unreachable instead of hanging a worker.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
else:
    # WAL lets readers and the single writer proceed together; the timeout
    # makes a busy writer wait instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

# A PostgreSQL streaming replica for anonymous readers (README "More than one
# machine"; pagecache/replica.py says which requests read from it): optional.
# Within INTIMACYHUB_READ_OWN_WRITES seconds of a signed-in write the same
# client reads from the primary; a replica that fails is left alone for
# INTIMACYHUB_REPLICA_RETRY_SECONDS.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "").strip()
if DATABASE_REPLICA_URL:
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs DATABASE_URL to be PostgreSQL (the replica's primary).")
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL,
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
    if DATABASES["replica"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URL must be a postgres:// URL.")
    # A replica that does not answer costs a reader two seconds once, then is left alone.
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    # Tests never create a database on it: it replicates the primary's.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["core.replica.ReplicaRouter"]
INTIMACYHUB_READ_OWN_WRITES = env_int("INTIMACYHUB_READ_OWN_WRITES", 5, minimum=1)
INTIMACYHUB_REPLICA_RETRY = env_int("INTIMACYHUB_REPLICA_RETRY_SECONDS", 5, minimum=1)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Full pages for anonymous readers (pagecache/cache.py says why they are
# never stale): on in production, local memory per worker, or one Redis shared
# by all workers when REDIS_URL is set (e.g. redis://127.0.0.1:6379/0).
INTIMACYHUB_PAGE_CACHE = env_bool("INTIMACYHUB_PAGE_CACHE", default=not DEBUG)
INTIMACYHUB_PAGE_CACHE_SECONDS = int(os.environ.get("INTIMACYHUB_PAGE_CACHE_SECONDS", "600"))
# A larger page is served but not stored. 512 KiB holds the biggest pages we
# serve (a 2,000-URL sitemap section, a few hundred KB; articles are 10 to 40 KB).
INTIMACYHUB_PAGE_CACHE_MAX_BYTES = int(os.environ.get("INTIMACYHUB_PAGE_CACHE_MAX_BYTES", str(512 * 1024)))
INTIMACYHUB_PAGE_CACHE_ALIAS = "default"
# Varnish in front (deploy/varnish/default.vcl; README "Scaling out"): the
# ban address of each Varnish, e.g. http://127.0.0.1:6089. When set, pages the
# page cache may store are shared with `public, max-age=0, s-maxage=N`, N at
# most INTIMACYHUB_SHARED_MAX_AGE seconds and never past the next scheduled
# publication; after every content write Django bans the other generations and
# waits at most INTIMACYHUB_VARNISH_TIMEOUT_MS (1000) for each answer. A Varnish
# that cannot be reached drops the pages within INTIMACYHUB_SHARED_MAX_AGE.
INTIMACYHUB_VARNISH_URLS = env_list("INTIMACYHUB_VARNISH_URLS")
INTIMACYHUB_SHARED_MAX_AGE = env_int("INTIMACYHUB_SHARED_MAX_AGE", 60, minimum=1)
INTIMACYHUB_VARNISH_TIMEOUT = env_int("INTIMACYHUB_VARNISH_TIMEOUT_MS", 1000, minimum=1) / 1000
# The same ban goes out again this long after the first (pagecache/varnish.py says why).
INTIMACYHUB_VARNISH_REBAN = env_int("INTIMACYHUB_VARNISH_REBAN_MS", 1000, minimum=1) / 1000
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # A Redis that stops answering must cost a worker half a second, not hang
    # it. Its memory bound is the server's: deploy/redis/redis.conf.
    _cache = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
else:
    # Per worker: at most ENTRIES pages; when full, the least recently used
    # third is dropped (Django's local-memory cache is LRU-ordered).
    _cache = {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "intimacyhub-pages",
        "OPTIONS": {
            "MAX_ENTRIES": int(os.environ.get("INTIMACYHUB_PAGE_CACHE_ENTRIES", "1000")),
            "CULL_FREQUENCY": 3,
        },
    }
CACHES = {"default": _cache}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
# /favicon.ico and /apple-touch-icon.png, which browsers ask for at the root
# (core/icons.py): WhiteNoise serves the icon folder there, before any other
# middleware (no page cache, no database). Those addresses carry no hash, so
# a week rather than WhiteNoise's year for hashed files: a replaced icon
# reaches returning readers within days.
WHITENOISE_ROOT = BASE_DIR / "static" / "img" / "icons"
INTIMACYHUB_ICON_MAX_AGE = 7 * 24 * 60 * 60


def _root_file_headers(headers, path, url):
    if url.count("/") == 1:  # a WHITENOISE_ROOT file; static files are under STATIC_URL
        headers["Cache-Control"] = f"max-age={INTIMACYHUB_ICON_MAX_AGE}, public"


WHITENOISE_ADD_HEADERS_FUNCTION = _root_file_headers
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
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


def object_storage(url):
    """django-storages' S3 options from MEDIA_STORAGE_URL (see below); returns (STORAGES entry, public origin)."""
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query))
    unknown = sorted(set(query) - {"endpoint_url", "region_name", "public_url"})
    if parts.scheme != "s3" or not parts.hostname or unknown or parts.username or parts.password:
        raise ImproperlyConfigured(
            "MEDIA_STORAGE_URL must look like s3://BUCKET[/PREFIX][?endpoint_url=URL&region_name=NAME&public_url=URL]"
            f" (credentials go in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY); got {url!r}."
        )
    bucket, endpoint = parts.netloc, query.get("endpoint_url", "").rstrip("/")
    public = urllib.parse.urlsplit(
        query.get("public_url") or (f"{endpoint}/{bucket}" if endpoint else f"https://{bucket}.s3.amazonaws.com")
    )
    if public.scheme not in ("http", "https") or not public.netloc:
        raise ImproperlyConfigured(f"MEDIA_STORAGE_URL's public_url must be an http(s) URL; got {url!r}.")
    options = {
        "bucket_name": bucket,
        "location": parts.path.strip("/"),
        "endpoint_url": endpoint or None,
        "region_name": query.get("region_name") or None,
        # Links in articles never expire: unsigned, at the public address.
        "custom_domain": public.netloc + public.path.rstrip("/"),
        "url_protocol": public.scheme + ":",
        "querystring_auth": False,
        # A random name is never reused; an existing object is never replaced.
        "file_overwrite": False,
    }
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}, f"{public.scheme}://{public.netloc}"


# Media on object storage, for several app servers: with
# MEDIA_STORAGE_URL=s3://BUCKET[/PREFIX][?endpoint_url=URL&region_name=NAME&public_url=URL]
# uploads go to that S3-compatible bucket through django-storages (credentials
# from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, never in the URL). Pages
# link to public_url (a CDN in front of the bucket; by default the bucket's
# address at the endpoint), whose objects must be publicly readable; its
# origin is allowed in the CSP's img-src.
MEDIA_STORAGE_URL = os.environ.get("MEDIA_STORAGE_URL", "").strip()
MEDIA_ORIGIN = None
if MEDIA_STORAGE_URL:
    STORAGES["default"], MEDIA_ORIGIN = object_storage(MEDIA_STORAGE_URL)

# Security headers. Behind a TLS-terminating proxy set DJANGO_SECURE_PROXY_SSL=1.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
if env_bool("DJANGO_SECURE_PROXY_SSL", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # The header alone enrols nobody: a site joins the preload list only when its owner submits it.
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", default=True)

# No inline script anywhere, no third-party origin: readers are not tracked.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *([MEDIA_ORIGIN] if MEDIA_ORIGIN else [])],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "manifest-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Where the admin lives: moving it off /admin/ spares it most drive-by login attempts.
ADMIN_URL = os.environ.get("DJANGO_ADMIN_URL", "admin/").strip("/") + "/"
if not re.fullmatch(r"[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*/", ADMIN_URL):
    raise ImproperlyConfigured(f"DJANGO_ADMIN_URL must be a path such as 'admin/' or 'staff/desk/'; got {ADMIN_URL!r}.")

# The one renderer also drives the editors' live preview.
MARKDOWNX_MARKDOWNIFY_FUNCTION = "core.rendering.markdownify_preview"
MARKDOWNX_MEDIA_PATH = "uploads/"
# Editor uploads (see core/uploads.py): raster images only, checked by decoding them.
MARKDOWNX_UPLOAD_MAX_SIZE = 5 * 1024 * 1024
MARKDOWNX_UPLOAD_CONTENT_TYPES = ["image/png", "image/jpeg", "image/webp", "image/gif"]
INTIMACYHUB_UPLOAD_MAX_PIXELS = int(os.environ.get("INTIMACYHUB_UPLOAD_MAX_PIXELS", str(40_000_000)))

# Editorial workflow: a clinical review stays current this long (12 months by
# default); a share-preview link for an outside reviewer works this long.
INTIMACYHUB_REVIEW_INTERVAL_DAYS = int(os.environ.get("INTIMACYHUB_REVIEW_INTERVAL_DAYS", "365"))
# Editorial checks (checks/): the rules file (a site's own may start with
# `extends = "default"`), rules switched off or given another severity
# ("rule-id=off,other-id=warn" in the environment), the target reading grade.
INTIMACYHUB_RULES_FILE = os.environ.get("INTIMACYHUB_RULES_FILE") or BASE_DIR / "checks" / "rules.toml"
INTIMACYHUB_CHECKS = dict(
    item.strip().split("=", 1) if "=" in item else (item.strip(), "")
    for item in os.environ.get("INTIMACYHUB_CHECKS", "").split(",")
    if item.strip()
)
INTIMACYHUB_READING_GRADE = float(os.environ.get("INTIMACYHUB_READING_GRADE", "8"))
INTIMACYHUB_SHARE_PREVIEW_MAX_AGE = 7 * 24 * 60 * 60
# An editor's unsaved text (articles.Autosave) is offered back for this many
# days; older autosaves are ignored and purged on the next autosave.
INTIMACYHUB_AUTOSAVE_DAYS = env_int("INTIMACYHUB_AUTOSAVE_DAYS", 7, minimum=1)
# Editors are shown reviewers whose licence was last verified longer ago than this.
INTIMACYHUB_LICENCE_VERIFY_MONTHS = int(os.environ.get("INTIMACYHUB_LICENCE_VERIFY_MONTHS", "12"))

# Shown in every page's footer; the first entry is the most prominent.
INTIMACYHUB_SITE_NAME = os.environ.get("INTIMACYHUB_SITE_NAME", "IntimacyHub")
INTIMACYHUB_CRISIS_RESOURCES = [
    {
        "name": "988 Suicide & Crisis Lifeline (US)",
        "contact": "Call or text 988",
        "url": "https://988lifeline.org/",
    },
    {
        "name": "Crisis Text Line (US)",
        "contact": "Text HOME to 741741",
        "url": "https://www.crisistextline.org/",
    },
    {
        "name": "Emergency services",
        "contact": "Call 911 or your local emergency number",
        "url": "",
    },
]

# A search for any of these (whole words, case and accents ignored) shows the
# crisis resources above the results. Extend with INTIMACYHUB_CRISIS_QUERY_TERMS
# (comma-separated) in the environment.
INTIMACYHUB_CRISIS_QUERY_TERMS = [
    "suicide",
    "suicidal",
    "kill myself",
    "killing myself",
    "want to die",
    "wanna die",
    "end my life",
    "ending my life",
    "take my life",
    "self harm",
    "selfharm",
    "hurt myself",
    "hurting myself",
    "cut myself",
    "cutting myself",
    "overdose",
    "no reason to live",
    "better off dead",
    "don't want to be here",
    "not want to live",
    "dont want to live",
    *env_list("INTIMACYHUB_CRISIS_QUERY_TERMS"),
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
    # Where each page came from (hit, miss, bypass) never goes in a response
    # (pagecache/cache.py); INTIMACYHUB_PAGE_CACHE_LOG_LEVEL=DEBUG logs it, path only.
    "loggers": {
        "pagecache.cache": {"level": os.environ.get("INTIMACYHUB_PAGE_CACHE_LOG_LEVEL", "WARNING")},
    },
}
