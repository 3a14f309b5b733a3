"""Settings, all from the environment (django-environ).

DEBUG is off unless the environment turns it on, and with DEBUG off the process
refuses to start on a development SECRET_KEY or encryption key, so a deployment
that forgets a variable never runs with known keys or technical 500 pages.
"""

import sys
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# Real environment variables win over the file; ENV_FILE points elsewhere (or at /dev/null).
environ.Env.read_env(env.str("ENV_FILE", default=str(BASE_DIR / ".env")), overwrite=False)

# Development-only values: refused below when DEBUG is off.
DEV_SECRET_KEY = "dev-only-insecure-secret-key-change-me"
DEV_ENCRYPTION_KEY = "ZGV2LW9ubHktZW5jcnlwdGlvbi1rZXktMzItYnl0ZXM="

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY)
# Comma-separated Fernet keys; the first encrypts, all decrypt (for rotation).
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[DEV_ENCRYPTION_KEY])

if not DEBUG:
    if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 32:
        raise ImproperlyConfigured("Set SECRET_KEY to a long random value when DEBUG is off.")
    if not FIELD_ENCRYPTION_KEYS or DEV_ENCRYPTION_KEY in FIELD_ENCRYPTION_KEYS:
        raise ImproperlyConfigured(
            "Set FIELD_ENCRYPTION_KEYS to your own Fernet key(s) when DEBUG is off "
            "(python manage.py init_env --print-key makes one)."
        )

# Set when a reverse proxy (that overwrites X-Forwarded-Proto and appends X-Forwarded-For)
# is the only way in. Otherwise those headers are anyone's to forge, and are ignored.
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks_db",
    "axes",
    "providers",
    "dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # An API request's audit label ("via API token …") ends with the request.
    "dashboard.api.auth.audit_scope_middleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dashboard.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for the write lock instead of failing at once; IMMEDIATE makes
    # select_for_update-style sections take the lock up front.
    # WAL lets readers work during a write and makes commits cheap (no fsync per commit).
    # A 32 MB page cache per connection (the default is 2 MB) keeps the indexes a page or
    # a search walks in memory across requests on a persistent connection.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-32000;"
            ),
        }
    )
# Database connections: the budget of a deployment is in README ("Running in production").
# runserver answers each request on a new thread, and each thread opens a connection of its
# own: kept, they pile up until the database refuses more. There each request closes its own.
SERVING_WITH_RUNSERVER = sys.argv[1:2] == ["runserver"]
# Off (0) by default. N > 0: each process keeps a PostgreSQL connection pool of at most N,
# shared by its threads (Django requires CONN_MAX_AGE=0 with it: a request hands its
# connection back to the pool instead of keeping it).
DATABASE_POOL_MAX_SIZE = env.int("DATABASE_POOL_MAX_SIZE", default=0)
if DATABASE_POOL_MAX_SIZE > 0:
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_POOL_MAX_SIZE needs a PostgreSQL DATABASE_URL.")
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": min(env.int("DATABASE_POOL_MIN_SIZE", default=1), DATABASE_POOL_MAX_SIZE),
        "max_size": DATABASE_POOL_MAX_SIZE,
        # A request that waits longer than this for a free connection fails (a 500).
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif SERVING_WITH_RUNSERVER:
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    # Keep connections across requests (each new PostgreSQL connection costs ~10 ms).
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sessions live in the database every process shares, so a logout ends the session everywhere.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# A sign-in lasts this long (seconds; default a working day, Django's own is two weeks).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
# Login throttle (django-axes, keys and limits in dashboard/throttle.py). Over the last
# LOGIN_LOCKOUT_MINUTES, a login pauses for that long once any of these counts reaches its
# limit: wrong passwords for one username from one address (IPv6: one /64), from one
# address for any usernames (password spraying), or for one username from any addresses.
# Failures are logged and kept in admin → Axes by username and address; never what was
# typed as the password, and a username that names nobody only as a digest.
AUTHENTICATION_BACKENDS = [
    # Signs in only from the OpenID Connect callback, and only when OIDC_ISSUER is set.
    # First, so a sign-in through the provider never meets the password throttle (its
    # signature takes no password: Django skips it for a username and password).
    "dashboard.sso.backend.IdentityProviderBackend",
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "dashboard.login_throttle.LoginThrottleHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address", "username"]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_FAILURE_LIMIT_PER_ADDRESS = env.int("LOGIN_FAILURE_LIMIT_PER_ADDRESS", default=20)
LOGIN_FAILURE_LIMIT_PER_USERNAME = env.int("LOGIN_FAILURE_LIMIT_PER_USERNAME", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_RESET_ON_SUCCESS = True
# The username field too: people type their password there (POST data and log lines).
# And the OpenID Connect callback's code and state, should a callback ever be recorded.
AXES_SENSITIVE_PARAMETERS = ["username", "password", "code", "state"]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "dashboard.login_throttle.client_ip"
AXES_USERNAME_CALLABLE = "dashboard.login_throttle.username"
AXES_CLIENT_STR_CALLABLE = "dashboard.login_throttle.client_str"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:project_list"
LOGOUT_REDIRECT_URL = "login"
# A signed-in session ends this many seconds after the sign-in, however active it is
# (stored as the session's own expiry at sign-in). Default: SESSION_COOKIE_AGE, which then
# only governs sessions before a sign-in.
SESSION_MAX_AGE = env.int("SESSION_MAX_AGE", default=SESSION_COOKIE_AGE)
# False: the login page offers only the identity provider; a password signs in only a
# superuser (their way in when the provider is down or misconfigured).
PASSWORD_LOGIN = env.bool("PASSWORD_LOGIN", default=True)

# Single sign-on through the company's identity provider (OpenID Connect, README "Signing
# in"). Unset OIDC_ISSUER: no button, no request to any provider. The endpoints come from
# the issuer's /.well-known/openid-configuration, read once per process when first needed.
OIDC_ISSUER = env.str("OIDC_ISSUER", default="").rstrip("/")
if OIDC_ISSUER.startswith("http://") and not DEBUG:
    # The issuer's own host is let through the outbound guard, https or not: refuse to
    # start rather than send sign-in codes and the client secret in the clear.
    raise ImproperlyConfigured("OIDC_ISSUER must be https when DEBUG is off.")
OIDC_RP_CLIENT_ID = env.str("OIDC_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_CLIENT_SECRET", default="")
OIDC_RP_SCOPES = env.str("OIDC_SCOPES", default="openid email profile")
OIDC_GROUPS_CLAIM = env.str("OIDC_GROUPS_CLAIM", default="groups")
OIDC_BUTTON_LABEL = env.str("OIDC_BUTTON_LABEL", default="Sign in with your company account")
# Also sign out at the provider when it offers an end_session_endpoint.
OIDC_PROVIDER_LOGOUT = env.bool("OIDC_PROVIDER_LOGOUT", default=True)
# Each call to the provider (discovery, token, keys, userinfo) gives up after this long.
OIDC_TIMEOUT = env.float("OIDC_TIMEOUT", default=10.0)
# Private hosts, IPs or CIDRs the provider's endpoints may be on, beside the issuer's own.
OIDC_ALLOWED_HOSTS = env.list("OIDC_ALLOWED_HOSTS", default=[])
# Seconds of clock difference tolerated when reading an ID token's exp and iat.
OIDC_CLOCK_SKEW_SECONDS = env.int("OIDC_CLOCK_SKEW_SECONDS", default=60)
OIDC_USE_PKCE = True
# The client authenticates at the token endpoint with HTTP Basic (client_secret_basic, the
# specification's default), so the secret is in no request body a proxy might log.
OIDC_TOKEN_USE_BASIC_AUTH = True
OIDC_USE_NONCE = True
OIDC_CALLBACK_CLASS = "dashboard.sso.views.SignInCallbackView"
OIDC_AUTHENTICATE_CLASS = "dashboard.sso.views.SignInStartView"
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc_authentication_callback"
OIDC_REDIRECT_FIELD_NAME = "next"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
# whitenoise serves static files from the app server (gunicorn too). In development it reads
# them from the app directories as they change; in production it serves `collectstatic` output.
MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
if not DEBUG:
    # whitenoise serves `collectstatic` output with hashed names and far-future caching.
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

# django.tasks on django-tasks-db: a create request writes the row and a task, and a
# `db_worker` process makes the vendor call. Pages poll pending projects until they settle.
TASKS = {
    "default": {"BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend")}
}

# Outbound vendor HTTP (providers/http.py). Hosts, IPs or CIDRs the SSRF guard lets through
# although they are private or plain http. Development allows the loopback sandbox.
ALLOWED_VENDOR_HOSTS = env.list(
    "ALLOWED_VENDOR_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else []
)
VENDOR_HTTP_CONNECT_TIMEOUT = env.float("VENDOR_HTTP_CONNECT_TIMEOUT", default=5.0)
VENDOR_HTTP_READ_TIMEOUT = env.float("VENDOR_HTTP_READ_TIMEOUT", default=20.0)
# A whole vendor call (name lookup, connects, TLS, retries, the answer read in full) ends
# after this many seconds (a hard limit, give or take milliseconds), and an answer is read
# up to this many bytes: a server that trickles or floods must not hold a web process or
# a worker.
VENDOR_HTTP_TOTAL_TIMEOUT = env.float("VENDOR_HTTP_TOTAL_TIMEOUT", default=45.0)
VENDOR_HTTP_MAX_ANSWER_BYTES = env.int("VENDOR_HTTP_MAX_ANSWER_BYTES", default=5 * 1024 * 1024)

# A create attempted this long ago and still pending (its worker died mid-call) becomes
# "outcome unknown", to be reconciled. Counted from the attempt; must exceed the HTTP timeouts.
PROJECT_PENDING_TIMEOUT_SECONDS = env.int("PROJECT_PENDING_TIMEOUT_SECONDS", default=600)
# A pending create no worker has picked up this long after it was queued is queued again
# (the enqueue failed, or its task was lost). Sending stays at most once either way.
PROJECT_REQUEUE_AFTER_SECONDS = env.int("PROJECT_REQUEUE_AFTER_SECONDS", default=120)
# Bulk setup: the most rows one batch holds, and the most creates in flight at once per
# vendor account, across every worker (a batch's rows wait for their account's turn).
BATCH_MAX_ROWS = env.int("BATCH_MAX_ROWS", default=10_000)
VENDOR_MAX_IN_FLIGHT = env.int("VENDOR_MAX_IN_FLIGHT", default=4)
# After a 429 without Retry-After an account pauses 2^n seconds (n = 429s in a row), at
# most this long, with jitter; a Retry-After is followed up to the same ceiling.
VENDOR_BACKOFF_MAX_SECONDS = env.int("VENDOR_BACKOFF_MAX_SECONDS", default=300)
# A lost answer not listed at the vendor is concluded "not created" only this long after the
# attempt, so a slow vendor has finished first: by every check (scheduled, sync, a person's).
# Must exceed the longest vendor call (3 requests of VENDOR_HTTP_TOTAL_TIMEOUT: 135 s).
PROJECT_RECONCILE_AFTER_SECONDS = env.int("PROJECT_RECONCILE_AFTER_SECONDS", default=180)
# Periodic work, enqueued by `manage.py run_scheduler` and run by the workers (seconds).
SCHEDULE_SWEEP_SECONDS = env.int("SCHEDULE_SWEEP_SECONDS", default=30)
SCHEDULE_RECONCILE_SECONDS = env.int("SCHEDULE_RECONCILE_SECONDS", default=120)
SCHEDULE_SYNC_SECONDS = env.int("SCHEDULE_SYNC_SECONDS", default=3600)
SCHEDULE_PRUNE_SECONDS = env.int("SCHEDULE_PRUNE_SECONDS", default=86400)
SCHEDULE_DEVICE_LOGIN_SECONDS = env.int("SCHEDULE_DEVICE_LOGIN_SECONDS", default=30)
# Finished task rows older than this are deleted (failed ones are kept four times as long).
TASK_RESULTS_KEEP_DAYS = env.int("TASK_RESULTS_KEEP_DAYS", default=7)
# Up to this many rows a CSV export streams at once; more are built by a worker.
EXPORT_STREAM_MAX_ROWS = env.int("EXPORT_STREAM_MAX_ROWS", default=100_000)
EXPORT_KEEP_HOURS = env.int("EXPORT_KEEP_HOURS", default=24)

# The API: requests a minute per token (counted in the database, across every process),
# how long an Idempotency-Key is remembered (at least 24 hours), and how long a key whose
# first request never answered (its process died) stays "in progress" before a retry may take it.
API_RATE_LIMIT = env.int("API_RATE_LIMIT", default=600)
API_IDEMPOTENCY_KEY_HOURS = max(24, env.int("API_IDEMPOTENCY_KEY_HOURS", default=24))
API_IDEMPOTENCY_CLAIM_SECONDS = env.int("API_IDEMPOTENCY_CLAIM_SECONDS", default=60)

# Notifications (README "Notifications"). The dashboard's own address, for links in mail
# and Slack messages.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Mail: EMAIL_URL as django-environ reads it (smtp+tls://user:pass@host:587, consolemail://,
# memorymail://, filemail:///path, dummymail://), as Django 6.1's MAILERS. By default the
# console in development (`make run`), and the host's own mail server otherwise.
_EMAIL = env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
_EMAIL_OPTIONS = {
    "EMAIL_HOST": "host",
    "EMAIL_PORT": "port",
    "EMAIL_HOST_USER": "username",
    "EMAIL_HOST_PASSWORD": "password",
    "EMAIL_USE_TLS": "use_tls",
    "EMAIL_USE_SSL": "use_ssl",
    "EMAIL_TIMEOUT": "timeout",
    "EMAIL_FILE_PATH": "file_path",
}
MAILERS = {
    "default": {
        "BACKEND": _EMAIL["EMAIL_BACKEND"],
        "OPTIONS": {
            option: _EMAIL[name]
            for name, option in _EMAIL_OPTIONS.items()
            # Only what the URL gave, and only what its backend takes.
            if _EMAIL.get(name) not in (None, "", False)
            and (option == "file_path")
            == _EMAIL["EMAIL_BACKEND"].endswith("filebased.EmailBackend")
        },
    }
}
if _EMAIL["EMAIL_BACKEND"].endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"].setdefault("timeout", 20)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="dashboard@localhost")
# Webhook and Slack destinations are user-given URLs behind the same SSRF guard as vendor
# calls, with an allow-list of their own (hosts, IPs or CIDRs let through although private,
# loopback or plain http). Empty by default, in development too.
WEBHOOK_ALLOWED_HOSTS = env.list("WEBHOOK_ALLOWED_HOSTS", default=[])
# One delivery attempt ends after this many seconds (name lookup, connect, answer).
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
# Pauses after each failed attempt (s, m, h, d), each with up to 10 % jitter; then it fails.
WEBHOOK_RETRY_SCHEDULE = env.str("WEBHOOK_RETRY_SCHEDULE", default="5s,5m,30m,2h,5h,10h")
# Deliveries in flight at once per destination, across every worker: a slow destination
# holds this many workers at most.
WEBHOOK_MAX_IN_FLIGHT_PER_DESTINATION = env.int("WEBHOOK_MAX_IN_FLIGHT_PER_DESTINATION", default=2)
# A destination failing every attempt for this long, its last delivery's retries spent,
# is switched off (its team's admins are told by mail).
WEBHOOK_DISABLE_AFTER_HOURS = env.float("WEBHOOK_DISABLE_AFTER_HOURS", default=24)
# After a rotation the previous signing secret signs too, for this long.
WEBHOOK_SECRET_OVERLAP_HOURS = env.float("WEBHOOK_SECRET_OVERLAP_HOURS", default=24)
# Events, deliveries, attempts and mail notices older than this are pruned by the daily job.
NOTIFICATIONS_KEEP_DAYS = env.int("NOTIFICATIONS_KEEP_DAYS", default=30)
# How often deliveries and mail whose work was lost (a worker killed) are queued again, and
# how often daily digests that are due go out (seconds).
SCHEDULE_OUTBOX_SWEEP_SECONDS = env.int("SCHEDULE_OUTBOX_SWEEP_SECONDS", default=30)
SCHEDULE_DIGEST_SECONDS = env.int("SCHEDULE_DIGEST_SECONDS", default=3600)

# A create held for approval that nobody approved or rejected for this many days ends as
# expired; the job that expires them runs this often (seconds).
APPROVAL_EXPIRY_DAYS = env.int("APPROVAL_EXPIRY_DAYS", default=7)
SCHEDULE_APPROVAL_EXPIRY_SECONDS = env.int("SCHEDULE_APPROVAL_EXPIRY_SECONDS", default=3600)

# Browser-side security.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
if OIDC_ISSUER:
    # Signing out posts to /logout/, which may send the browser on to the provider's
    # end_session_endpoint: a form's redirect is held to form-action too.
    from urllib.parse import urlsplit

    _issuer = urlsplit(OIDC_ISSUER)
    SECURE_CSP["form-action"].append(f"{_issuer.scheme}://{_issuer.netloc}")
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # One handler for everything: Django's own console handler would print each line twice.
    "loggers": {
        "django": {"handlers": [], "propagate": True},
        # Its DEBUG lines hold each request's path, a credential for a Slack incoming webhook:
        # never logged, whatever LOG_LEVEL says (providers.http logs what may be shown).
        "urllib3": {"level": "INFO"},
    },
}
