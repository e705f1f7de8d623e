"""Linli settings: one file, everything that varies read from the environment.

Embedded default (no environment): SQLite in the project folder, local-memory cache, Celery
tasks run eagerly in-process. ``DATABASE_URL`` switches to PostgreSQL, ``REDIS_URL`` turns on the
Redis cache and the Celery broker.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", True)
DEVELOPMENT_SECRET_KEY = "linli-insecure-development-key-change-me-in-production"  # noqa: S105 (refused when DEBUG is off)
SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    # Sessions, sign-in codes and the ID-number key all derive from it: never run production on the default.
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("Set SECRET_KEY (and FIELD_ENCRYPTION_KEY) in the environment when DEBUG is off.")
# Key for field-level encryption of ID numbers (PIPL Art 28, 51). Derived from SECRET_KEY unless set.
FIELD_ENCRYPTION_KEY = os.environ.get("FIELD_ENCRYPTION_KEY", "")
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "people.apps.LinliAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "core",
    "places",
    "people",
    "cases",
    "deliberation",
    "meetings",
    "votes",
    "venues",
    "books",
    "events",
    "competitions",
    "stats",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

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
                "django.template.context_processors.i18n",
                "core.context_processors.site_urls",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'linli.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the dev server and in-process tasks share the file safely.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Web requests are short: starting parallel workers costs more than it saves (measured by make bench).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c max_parallel_workers_per_gather=0"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "people.Person"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The page frame's fixed parts (templates/base.html), rendered once per language in each process. Kept in
# process memory: the same few kilobytes for everyone, cheaper to keep than to fetch from Redis. Not kept
# while developing, so that an edited template shows at once.
CACHES["frame"] = {
    "BACKEND": "django.core.cache.backends.dummy.DummyCache" if DEBUG else "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "linli-frame",
    "TIMEOUT": None,
}

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "people.auth.MobilePasswordBackend",
    "people.auth.OneTimeCodeBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "people:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Lockout (django-axes): after AXES_FAILURE_LIMIT failures for one mobile number the account
# is locked for AXES_COOLOFF_TIME hours. Counted per username so an attacker cannot rotate IPs.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "people.views.locked_out"
AXES_VERBOSE = False
AXES_ENABLED = env_bool("AXES_ENABLED", True)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "media/"

# Sessions are read on every request: from Redis where there is one, written through to the database. Only a
# shared cache will do: a per-process cache would keep a signed-out session alive in the other gunicorn workers.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db" if REDIS_URL else "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Celery: Redis as broker where REDIS_URL is set; otherwise tasks run eagerly in-process.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "purge-expired-one-time-codes": {"task": "people.tasks.purge_expired_codes", "schedule": 3600.0},
    "escalate-due-cases": {"task": "cases.tasks.escalate_due_cases", "schedule": 300.0},
    "deliver-due-messages": {"task": "core.tasks.deliver_due_messages", "schedule": 60.0},
    "sweep-action-items": {"task": "meetings.tasks.sweep_action_items", "schedule": 3600.0},
    "open-and-close-votes": {"task": "votes.tasks.open_and_close_due", "schedule": 60.0},
    "send-event-reminders": {"task": "events.tasks.send_event_reminders", "schedule": 900.0},
    "record-event-encounters": {"task": "events.tasks.record_event_encounters", "schedule": 3600.0},
    # Book reminders go by SMS: once a day, in the morning.
    "remind-overdue-book-loans": {"task": "books.tasks.remind_overdue_loans", "schedule": crontab(hour=9, minute=30)},
    "expire-stale-room-requests": {"task": "venues.tasks.expire_stale_requests", "schedule": 3600.0},
}
# ``make run`` (no broker, eager tasks) runs Celery's beat service in a thread of the web process.
EMBEDDED_BEAT = os.environ.get("LINLI_EMBEDDED_BEAT") == "1" and CELERY_TASK_ALWAYS_EAGER
CELERY_BEAT_SCHEDULE_FILENAME = os.environ.get("CELERY_BEAT_SCHEDULE_FILENAME", str(BASE_DIR / ".celerybeat-schedule"))
CASE_PHOTO_MAX_BYTES = int(os.environ.get("CASE_PHOTO_MAX_BYTES", 8 * 1024 * 1024))
CASE_OVERDUE_STEP_WORKING_DAYS = 2
# Open311 GeoReport v2: the jurisdiction this server answers for (clients may send jurisdiction_id).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
OPEN311_JURISDICTION = os.environ.get("OPEN311_JURISDICTION", "guicheng.foshan.gd.cn")

# SMS: a pluggable backend. The console backend writes messages (and one-time codes) to the log.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "core.sms.ConsoleBackend")
ONE_TIME_CODE_TTL_SECONDS = 300
ONE_TIME_CODE_MAX_ATTEMPTS = 5
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "linli@localhost")

# Version of the privacy notice residents consent to (PIPL Art 14, 17: re-consent on change).
PRIVACY_NOTICE_VERSION = "2026-11"

NINJA_PAGINATION_PER_PAGE = 50

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "linli": {"handlers": ["console"], "level": os.environ.get("LINLI_LOG_LEVEL", "INFO")},
        "django.request": {"handlers": ["console"], "level": "ERROR"},
    },
}

if not DEBUG:
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"


# The benchmark's floor view (a minimal page of 20 rows): only mounted when asked for.
BENCH_FLOOR = env_bool("LINLI_BENCH_FLOOR", False)
SILENCED_SYSTEM_CHECKS = ["axes.W006"]  # lockout is per mobile number on purpose (people rotate IPs on phones)
