"""Settings, all from the environment (see docs/configuration.md for every variable).

SQLite under var/ is the embedded default; DATABASE_URL switches to PostgreSQL.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from yanglao.modules import MODULES

PACKAGE_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = PACKAGE_DIR.parent


def env(name: str, default: str | None = None) -> str | None:
    """A variable, or the content of the file named by NAME_FILE (for secrets)."""
    if name in os.environ:
        return os.environ[name]
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text(encoding="utf-8").strip()
    return default


def envbool(name: str, default: bool) -> bool:
    value = env(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name: str, default: int) -> int:
    value = env(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from exc


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


DEMO = envbool("YANGLAO_DEMO", False)
DEBUG = envbool("DEBUG", False)

DEMO_SECRET_KEY = "yanglao-demo-secret-key-never-use-in-production"
SECRET_KEY = env("SECRET_KEY", DEMO_SECRET_KEY) or DEMO_SECRET_KEY
if SECRET_KEY == DEMO_SECRET_KEY and not (DEMO or DEBUG):
    raise ImproperlyConfigured(
        "SECRET_KEY 未设置：生产环境不能使用演示密钥。请设置 SECRET_KEY（或 SECRET_KEY_FILE），"
        "演示环境请设置 YANGLAO_DEMO=true。"
    )
# Key for encrypting sensitive fields and for their lookup hashes. Keep it apart from SECRET_KEY
# so that rotating sessions does not make the registry unreadable.
DATA_KEY = env("YANGLAO_DATA_KEY", "") or ""
if not DATA_KEY:
    if not (DEMO or DEBUG):
        raise ImproperlyConfigured("YANGLAO_DATA_KEY 未设置：生产环境必须提供敏感数据加密密钥。")
    DATA_KEY = "demo-data-key:" + SECRET_KEY
# Key rotation (docs/deployment.md, `yanglao rotate_data_key`): retired data keys, still able to decrypt
# what they sealed until the rotation has re-encrypted everything under DATA_KEY. Comma-separated, or a
# file with one key a line (YANGLAO_DATA_KEYS_OLD_FILE).
DATA_KEYS_OLD = [k.strip() for k in (env("YANGLAO_DATA_KEYS_OLD", "") or "").replace("\n", ",").split(",") if k.strip()]
# The keyed lookup hashes (exact search, uniqueness of ID numbers) stay under one key across rotations:
# the original data key unless YANGLAO_LOOKUP_KEY names it (required once a rotation has begun).
LOOKUP_KEY = env("YANGLAO_LOOKUP_KEY", "") or ""
if DATA_KEYS_OLD and not LOOKUP_KEY:
    raise ImproperlyConfigured(
        "YANGLAO_DATA_KEYS_OLD 已设置但 YANGLAO_LOOKUP_KEY 未设置：轮换数据密钥时，检索摘要仍须使用原数据密钥。"
        "请将 YANGLAO_LOOKUP_KEY 设为最初的数据密钥（见 docs/deployment.md）。"
    )
LOOKUP_KEY = LOOKUP_KEY or DATA_KEY

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "yanglao.core",
    "yanglao.ops",  # production: health, metrics, logs, workers, backups (docs/deployment.md)
    *(f"yanglao.{module}" for module in MODULES),  # yanglao/modules.py: one list of the platform's modules
]

MIDDLEWARE = [
    "yanglao.ops.middleware.RequestContextMiddleware",  # request id, metrics, one JSON log line per request
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files with hashed names, cached for a year
    "yanglao.core.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "yanglao.core.middleware.LanguageMiddleware",  # LANGUAGE_CODE unless switched; Accept-Language ignored
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "yanglao.core.middleware.RejectNulMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "yanglao.core.middleware.AuditContextMiddleware",
    "yanglao.core.middleware.StaffSecurityMiddleware",
    "yanglao.core.middleware.DomainErrorPageMiddleware",
    "yanglao.ops.middleware.DatabaseUnavailableMiddleware",  # database down: 503 with a clear message
]

ROOT_URLCONF = "yanglao.config.urls"
WSGI_APPLICATION = "yanglao.config.wsgi.application"

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
                "yanglao.core.context_processors.console",
                "yanglao.notices.context_processors.unread",
            ],
        },
    },
]

VAR_DIR = Path(env("YANGLAO_VAR_DIR", str(PROJECT_DIR / "var")) or "var")
DATABASE_URL = env("DATABASE_URL", "") or f"sqlite:///{VAR_DIR / 'yanglao.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=envint("DB_CONN_MAX_AGE", 60),
                                              conn_health_checks=True)}
# conn_health_checks: a persistent connection is checked before each request reuses it, so after the
# database restarts the next request gets a new connection instead of an error.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
# Reads off the primary (docs/deployment.md): a PostgreSQL streaming replica for reports, exports, dashboards
# and the public portal (yanglao/core/dbrouting.py); writes always go to the primary. Tests mirror it.
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=envint("DB_CONN_MAX_AGE", 60),
                                                conn_health_checks=True)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["yanglao.core.dbrouting.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]

# --- 等保2.0 三级 security baseline -------------------------------------------------------
PASSWORD_MIN_LENGTH = envint("YANGLAO_PASSWORD_MIN_LENGTH", 10)
PASSWORD_MIN_CLASSES = envint("YANGLAO_PASSWORD_MIN_CLASSES", 3)
PASSWORD_MAX_AGE_DAYS = envint("YANGLAO_PASSWORD_MAX_AGE_DAYS", 90)
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "yanglao.core.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "yanglao.core.passwords.CharacterClassValidator", "OPTIONS": {"min_classes": PASSWORD_MIN_CLASSES}},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Sign-in throttling (yanglao/core/services.py). After LOGIN_FREE_FAILURES failed sign-ins for a username,
# each further attempt is refused unchecked for 1 s, 2 s, 4 s … (at most LOGIN_DELAY_MAX_SECONDS);
# LOCKOUT_ATTEMPTS failures lock it for LOCKOUT_MINUTES, except from addresses where the account signed in
# (both factors) within LOGIN_KNOWN_ADDRESS_DAYS. An address with LOGIN_ADDRESS_FAILURES failures within
# LOGIN_ADDRESS_WINDOW_MINUTES is refused until the window ends. A lock never touches issued API tokens.
LOCKOUT_ATTEMPTS = envint("YANGLAO_LOCKOUT_ATTEMPTS", 10)
LOCKOUT_MINUTES = envint("YANGLAO_LOCKOUT_MINUTES", 15)
LOGIN_FREE_FAILURES = envint("YANGLAO_LOGIN_FREE_FAILURES", 3)
LOGIN_DELAY_MAX_SECONDS = envint("YANGLAO_LOGIN_DELAY_MAX_SECONDS", 60)
LOGIN_ADDRESS_FAILURES = envint("YANGLAO_LOGIN_ADDRESS_FAILURES", 20)
LOGIN_ADDRESS_WINDOW_MINUTES = envint("YANGLAO_LOGIN_ADDRESS_WINDOW_MINUTES", 10)
LOGIN_KNOWN_ADDRESS_DAYS = envint("YANGLAO_LOGIN_KNOWN_ADDRESS_DAYS", 90)
# Searches by a full ID number, phone or bank account: per account per hour, and the daily count
# at which the auditors are alerted (a security line in the audit log).
IDENTIFIER_SEARCH_PER_HOUR = envint("YANGLAO_IDENTIFIER_SEARCH_PER_HOUR", 60)
IDENTIFIER_SEARCH_FLAG_PER_DAY = envint("YANGLAO_IDENTIFIER_SEARCH_FLAG_PER_DAY", 100)
# Unmasked exports (full ID numbers and phones): rows one person may take alone; above it a
# second person with the same capability must approve the export.
UNMASKED_EXPORT_MAX_ROWS = envint("YANGLAO_UNMASKED_EXPORT_MAX_ROWS", 500)
REQUIRE_2FA = envbool("YANGLAO_REQUIRE_2FA", True)
SESSION_IDLE_MINUTES = envint("YANGLAO_SESSION_IDLE_MINUTES", 30)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
API_TOKEN_HOURS = envint("YANGLAO_API_TOKEN_HOURS", 12)
AUDIT_MIN_RETENTION_DAYS = 180

HTTPS = envbool("YANGLAO_HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if envbool("YANGLAO_BEHIND_PROXY", False) else None
# Reverse proxies whose X-Forwarded-For is believed (addresses or CIDRs): yanglao/core/clientip.py.
TRUSTED_PROXIES = envlist("YANGLAO_TRUSTED_PROXIES", "")
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as _exc:
        raise ImproperlyConfigured(f"YANGLAO_TRUSTED_PROXIES: {_proxy!r} is not an address or CIDR network") from _exc
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'; "
    "object-src 'none'"
)

# --- language, time ------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
FORMAT_MODULE_PATH = ["yanglao.formats"]  # ISO dates first in forms (yanglao/formats/zh_Hans/formats.py)
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(PROJECT_DIR / "staticfiles")) or "staticfiles")
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
MEDIA_ROOT = VAR_DIR / "media"
# Hashed names (app.3f2a9c.css) and compressed copies, served by whitenoise with a one-year immutable
# Cache-Control when nginx does not serve /static/ itself. Needs `yanglao collectstatic` after each
# upgrade; the demo and DEBUG use plain names so they run without it.
STATIC_MANIFEST = envbool("YANGLAO_STATIC_MANIFEST", not (DEMO or DEBUG))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "yanglao.ops.staticfiles.StaticStorage" if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}
WHITENOISE_MAX_AGE = 3600  # files without a hash in their name; hashed ones are cached for a year
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST  # demo and DEBUG: straight from the source, no collectstatic
if not STATIC_MANIFEST:
    import warnings

    warnings.filterwarnings("ignore", message="No directory at", module="whitenoise.base")
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024

# --- API -----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "yanglao.core.api.auth.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "yanglao.core.api.pagination.CountedPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "yanglao.core.api.errors.exception_handler",
    # JSON bodies must be objects; no body or query value may carry a NUL character (core/api/parsers.py)
    "DEFAULT_PARSER_CLASSES": [
        "yanglao.core.api.parsers.ObjectJSONParser",
        "yanglao.core.api.parsers.CheckedFormParser",
        "yanglao.core.api.parsers.CheckedMultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "养老服务平台 API",
    "DESCRIPTION": "阳江市养老服务体系平台接口。认证：POST /api/v1/auth/token 获取令牌，"
    "以 Authorization: Bearer <token> 调用。错误统一为 {\"error\": {code, message, details}}。",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "yanglao.core.api.schema.add_error_responses",
    ],
}

# --- modules -------------------------------------------------------------------------------
BULK_MAX_BEDS = envint("YANGLAO_BULK_MAX_BEDS", 500)  # beds one request may create (by range or list)
BULK_MAX_RECORDS = envint("YANGLAO_BULK_MAX_RECORDS", 5000)  # records one bulk action may select (core/bulkactions.py)
# The address the public reaches the platform at: printed documents carry a QR code to
# {PUBLIC_URL}/public/documents/verify/<number>?h=<hash> (docs/documents.md).
PUBLIC_URL = env("YANGLAO_PUBLIC_URL", "http://127.0.0.1:8000") or "http://127.0.0.1:8000"
ASSESSMENT_VALIDITY_MONTHS = envint("YANGLAO_ASSESSMENT_VALIDITY_MONTHS", 12)
ASSESSMENT_STACK_ADJUSTMENTS = envbool("YANGLAO_ASSESSMENT_STACK_ADJUSTMENTS", True)

# --- SMS to older people and families (yanglao/notices, docs/notices.md) ---------------------
# "log" writes each message to the yanglao.sms log (number masked) and sends nothing: the demo's
# and the tests' gateway. "http" posts JSON to the city's SMS provider (URL + API key).
SMS_GATEWAY = env("YANGLAO_SMS_GATEWAY", "log") or "log"
SMS_HTTP_URL = env("YANGLAO_SMS_HTTP_URL", "") or ""
SMS_HTTP_API_KEY = env("YANGLAO_SMS_HTTP_API_KEY", "") or ""
SMS_HTTP_TIMEOUT = envint("YANGLAO_SMS_HTTP_TIMEOUT", 5)  # seconds per request
SMS_SIGN = env("YANGLAO_SMS_SIGN", "阳江民政") or ""  # the signature (签名) registered with the provider
SMS_MAX_ATTEMPTS = envint("YANGLAO_SMS_MAX_ATTEMPTS", 5)  # tries before a message is marked failed
if SMS_GATEWAY not in ("log", "http"):
    raise ImproperlyConfigured("YANGLAO_SMS_GATEWAY must be log or http")
if SMS_GATEWAY == "http" and not (SMS_HTTP_URL and SMS_HTTP_API_KEY):
    raise ImproperlyConfigured("YANGLAO_SMS_GATEWAY=http needs YANGLAO_SMS_HTTP_URL and YANGLAO_SMS_HTTP_API_KEY")

# --- background work -----------------------------------------------------------------------
# Two queues: "default" (payment-run computation and other urgent work) and "imports" (large
# spreadsheet imports), each with its own worker, so an import never delays a payment run.
TASK_QUEUES = ["default", "imports"]
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": TASK_QUEUES}}
IMPORT_STALE_MINUTES = envint("YANGLAO_IMPORT_STALE_MINUTES", 15)  # a running import without progress this long has died
IMPORT_MAX_STORED_ERRORS = envint("YANGLAO_IMPORT_MAX_STORED_ERRORS", 1000)  # rejected rows listed per import
IMPORT_PROCESSES = envint("YANGLAO_IMPORT_PROCESSES", 0)  # worker processes checking rows; 0 = one per core
IMPORT_PARALLEL_MIN_ROWS = envint("YANGLAO_IMPORT_PARALLEL_MIN_ROWS", 5000)  # smaller files are checked in-process
IMPORT_CHUNK_ROWS = envint("YANGLAO_IMPORT_CHUNK_ROWS", 2000)  # rows per chunk sent to a worker process

# --- uploads -------------------------------------------------------------------------------
# Per kind of upload: the largest file in MB and the most data rows (yanglao/core/uploads.py).
# "people_cli" is `yanglao import_people FILE` on the server (a million-row roster as CSV).
UPLOAD_LIMITS = {
    "people": (envint("YANGLAO_UPLOAD_MAX_MB_PEOPLE", 30), envint("YANGLAO_UPLOAD_MAX_ROWS_PEOPLE", 200_000)),
    "people_cli": (envint("YANGLAO_UPLOAD_MAX_MB_PEOPLE_CLI", 2048),
                   envint("YANGLAO_UPLOAD_MAX_ROWS_PEOPLE_CLI", 2_000_000)),
    "assessments": (envint("YANGLAO_UPLOAD_MAX_MB_ASSESSMENTS", 10), envint("YANGLAO_UPLOAD_MAX_ROWS_ASSESSMENTS", 50_000)),
    "reconciliation": (envint("YANGLAO_UPLOAD_MAX_MB_RECONCILIATION", 20),
                       envint("YANGLAO_UPLOAD_MAX_ROWS_RECONCILIATION", 300_000)),
    "homeadapt_photo": (envint("YANGLAO_UPLOAD_MAX_MB_HOMEADAPT_PHOTO", 5), 0),  # one image per file
    "matching": (envint("YANGLAO_UPLOAD_MAX_MB_MATCHING", 40), envint("YANGLAO_UPLOAD_MAX_ROWS_MATCHING", 300_000)),
    "insurer_statement": (envint("YANGLAO_UPLOAD_MAX_MB_INSURER_STATEMENT", 30),
                          envint("YANGLAO_UPLOAD_MAX_ROWS_INSURER_STATEMENT", 300_000)),
    "planning_estates": (envint("YANGLAO_UPLOAD_MAX_MB_PLANNING_ESTATES", 10),
                         envint("YANGLAO_UPLOAD_MAX_ROWS_PLANNING_ESTATES", 20_000)),
    "custody_statement": (envint("YANGLAO_UPLOAD_MAX_MB_CUSTODY_STATEMENT", 10),
                          envint("YANGLAO_UPLOAD_MAX_ROWS_CUSTODY_STATEMENT", 50_000)),
    "policytasks_attachment": (envint("YANGLAO_UPLOAD_MAX_MB_POLICYTASKS_ATTACHMENT", 10), 0),  # one document per file
    "funding_spending": (envint("YANGLAO_UPLOAD_MAX_MB_FUNDING_SPENDING", 10),
                         envint("YANGLAO_UPLOAD_MAX_ROWS_FUNDING_SPENDING", 20_000)),
    "funding_attachment": (envint("YANGLAO_UPLOAD_MAX_MB_FUNDING_ATTACHMENT", 10), 0),  # one scan per file
}
# An OpenStreetMap extract uploaded through the planning console (larger files: `yanglao load_osm FILE`).
PLANNING_OSM_MAX_MB = envint("YANGLAO_PLANNING_OSM_MAX_MB", 200)
# Spreadsheets (yanglao/core/tabular.py): the used range a sheet may declare or fill, the
# decompressed size of an .xlsx's parts, and the memory and time of the child process that parses it.
SHEET_MAX_COLUMNS = envint("YANGLAO_SHEET_MAX_COLUMNS", 256)
SHEET_MAX_CELLS = envint("YANGLAO_SHEET_MAX_CELLS", 5_000_000)
SHEET_MAX_UNZIPPED_MB = envint("YANGLAO_SHEET_MAX_UNZIPPED_MB", 512)
SHEET_PARSE_MEMORY_MB = envint("YANGLAO_SHEET_PARSE_MEMORY_MB", 2048)
SHEET_PARSE_TIMEOUT_SECONDS = envint("YANGLAO_SHEET_PARSE_TIMEOUT_SECONDS", 300)

# --- operations (docs/deployment.md) -----------------------------------------------------------
# Logs: one JSON object per line (request id, user id, division; ID numbers and phone numbers masked)
# in production, plain lines in the demo. YANGLAO_LOG_FORMAT=json|plain overrides.
LOG_FORMAT = env("YANGLAO_LOG_FORMAT", "plain" if (DEMO or DEBUG) else "json") or "json"
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured(f"YANGLAO_LOG_FORMAT must be json or plain, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "yanglao.ops.logs.ContextFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "yanglao.ops.logs.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["context"]}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO") or "INFO"},
    "loggers": {"yanglao.security": {"level": "INFO"}},
}
# Worker heartbeat: each `yanglao worker` writes one every WORKER_HEARTBEAT_SECONDS; a worker silent for
# WORKER_STALE_SECONDS is dead: /health/ready says so and its running job is queued again.
WORKER_HEARTBEAT_SECONDS = envint("YANGLAO_WORKER_HEARTBEAT_SECONDS", 10)
WORKER_STALE_SECONDS = envint("YANGLAO_WORKER_STALE_SECONDS", 60)
WORKER_MAX_ATTEMPTS = envint("YANGLAO_WORKER_MAX_ATTEMPTS", 3)  # a job whose worker died this often is failed
# /health/ready needs a fresh worker heartbeat for every queue (false where no worker runs, e.g. a web-only node).
HEALTH_REQUIRE_WORKER = envbool("YANGLAO_HEALTH_REQUIRE_WORKER", not (DEMO or DEBUG))
# /metrics: allowed from these addresses (or CIDRs), or with "Authorization: Bearer <token>".
METRICS_ALLOWED = envlist("YANGLAO_METRICS_ALLOWED", "127.0.0.1,::1")
METRICS_TOKEN = env("YANGLAO_METRICS_TOKEN", "") or ""
METRICS_DIR = Path(env("YANGLAO_METRICS_DIR", str(VAR_DIR / "metrics")) or "metrics")
BACKUP_DIR = Path(env("YANGLAO_BACKUP_DIR", str(VAR_DIR / "backups")) or "backups")
BACKUP_KEEP = envint("YANGLAO_BACKUP_KEEP", 14)
