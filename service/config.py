"""One configuration object, read from the environment (and `.env`).

environs parses each variable with its type; a value that does not parse stops the start with
a message naming the variable (all bad variables at once). `HOST`, `PORT`, `WEB_CONCURRENCY` and
`GUNICORN_THREADS` are gunicorn's (gunicorn.conf.py reads them); `ALGORITHM` from the guide's
`.env` is accepted and ignored: tokens are itsdangerous-signed, not JWTs.
"""

import os
from pathlib import Path

from dotenv import load_dotenv
from environs import Env, EnvValidationError
from flask import current_app
from marshmallow import ValidationError

DEFAULT_SECRET_KEY = "dev-secret-key-change-me"  # noqa: S105 - the documented development default
# Keys printed in public examples (.env.example, the database guide): anyone can sign tokens with
# them, so production refuses them as SECRET_KEY and as PREVIOUS_SECRET_KEYS alike.
EXAMPLE_SECRET_KEYS = frozenset(
    {
        DEFAULT_SECRET_KEY,
        "your-super-secret-key-change-in-production-please",
    }
)
PROJECT_DIR = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message names the variable."""


class _Environment(Env):
    """environs reading from a given mapping (the process environment, or a test's dict)."""

    def __init__(self, source):
        super().__init__(eager=False)
        self._source = source
        self.add_parser("int_or_none", _int_or_none)

    def _get_value(self, env_key, default):
        return self._source.get(env_key, default)


def _int_or_none(value):
    """An integer, or None for "none" / empty: a setting that can be switched off."""
    text = str(value).strip().lower()
    if text in {"", "none"}:
        return None
    try:
        return int(text)
    except ValueError:
        raise ValidationError("Not a valid integer (or none).") from None


class Config:
    """Settings of one app instance. Every field has an environment variable of the same name."""

    def __init__(self, environ=None, load_env_file=True):
        if load_env_file and environ is None:
            load_dotenv()  # existing environment variables win
        env = _Environment(os.environ if environ is None else environ)

        self.ENV = env.str("APP_ENV", "development").lower()
        self.PRODUCTION = self.ENV == "production"
        self.DEBUG = env.bool("DEBUG", False)
        self.TESTING = env.bool("TESTING", False)

        self.DATABASE_URL = env.str("DATABASE_URL", "")
        self.SQL_DIR = env.path("SQL_DIR", PROJECT_DIR / "sql")
        # Set by gunicorn's master to the last good copy of SQL_DIR (service/sqlfiles.py): workers
        # load their queries from it, so an edit reaches them only through a validated reload.
        self.SQL_SNAPSHOT_DIR = env.path("SQL_SNAPSHOT_DIR", None)
        self.DB_POOL_MIN_SIZE = env.int("DB_POOL_MIN_SIZE", 1)
        self.DB_POOL_MAX_SIZE = env.int("DB_POOL_MAX_SIZE", 4)
        self.DB_POOL_TIMEOUT = env.float("DB_POOL_TIMEOUT", 3.0)
        self.DB_CONNECT_TIMEOUT = env.int("DB_CONNECT_TIMEOUT", 3)
        self.DB_STATEMENT_TIMEOUT_MS = env.int("DB_STATEMENT_TIMEOUT_MS", 10_000)
        self.RETRY_AFTER_SECONDS = env.int("RETRY_AFTER_SECONDS", 5)
        # psycopg prepares a query server-side at its Nth use (5). PgBouncer in transaction mode
        # before 1.21 cannot keep prepared statements: set "none" there (docs/OPERATIONS.md).
        self.DB_PREPARE_THRESHOLD = env.int_or_none("DB_PREPARE_THRESHOLD", 5)
        # How many proxies (load balancers) in front of the service set X-Forwarded-For/-Proto:
        # with 0 those headers are ignored and the client address is the peer's.
        self.TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", 0)

        self.AUTO_MIGRATE = env.bool("AUTO_MIGRATE", True)
        # A migration waiting longer than this for a table lock fails instead of queueing every
        # request behind it (migrations/README.md); 0: wait for ever.
        self.MIGRATION_LOCK_TIMEOUT_MS = env.int("MIGRATION_LOCK_TIMEOUT_MS", 5000)
        self.SEED_SAMPLE_DATA = env.bool("SEED_SAMPLE_DATA", not self.PRODUCTION)
        self.ALLOW_SAMPLE_DATA_IN_PRODUCTION = env.bool("ALLOW_SAMPLE_DATA_IN_PRODUCTION", False)

        self.SECRET_KEY = env.str("SECRET_KEY", DEFAULT_SECRET_KEY)
        self.PREVIOUS_SECRET_KEYS = [
            key.strip() for key in env.list("PREVIOUS_SECRET_KEYS", []) if key.strip()
        ]
        self.ACCESS_TOKEN_EXPIRE_MINUTES = env.int("ACCESS_TOKEN_EXPIRE_MINUTES", 30)
        self.SESSION_ABSOLUTE_LIFETIME_HOURS = env.float("SESSION_ABSOLUTE_LIFETIME_HOURS", 12.0)
        self.PASSWORD_HASH_METHOD = env.str("PASSWORD_HASH_METHOD", "scrypt:131072:8:1")
        # Hash threads per worker process (none: one per core this process may use), and how
        # many more requests of a worker may wait for one before the next is answered 503.
        self.PASSWORD_HASH_THREADS = env.int_or_none("PASSWORD_HASH_THREADS", None)
        self.PASSWORD_HASH_QUEUE_LIMIT = env.int("PASSWORD_HASH_QUEUE_LIMIT", 4)

        # Password checks counted per sign-in name and address, per name (all addresses; not at
        # an address where that name signed in within LOGIN_KNOWN_ADDRESS_DAYS), per address.
        self.LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS = env.int(
            "LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS", 5
        )
        self.LOGIN_MAX_FAILURES_PER_ACCOUNT = env.int("LOGIN_MAX_FAILURES_PER_ACCOUNT", 20)
        self.LOGIN_MAX_FAILURES_PER_ADDRESS = env.int("LOGIN_MAX_FAILURES_PER_ADDRESS", 50)
        self.LOGIN_KNOWN_ADDRESS_DAYS = env.int("LOGIN_KNOWN_ADDRESS_DAYS", 30)
        # Registrations from one address before the same locks as failed sign-ins apply.
        self.REGISTRATIONS_PER_ADDRESS = env.int("REGISTRATIONS_PER_ADDRESS", 20)
        self.LOGIN_LOCKOUT_SECONDS = env.int("LOGIN_LOCKOUT_SECONDS", 60)
        # Each failure past the limit doubles the lockout, up to this cap; a real user is never
        # locked out for longer than the cap after the last failure.
        self.LOGIN_MAX_LOCKOUT_SECONDS = env.int("LOGIN_MAX_LOCKOUT_SECONDS", 900)
        # Failures are forgotten once the last one is older than this.
        self.LOGIN_FAILURE_WINDOW_SECONDS = env.int("LOGIN_FAILURE_WINDOW_SECONDS", 3600)
        # Expired rows: one bounded batch deleted on login, at most once per interval per worker.
        # The scheduled cleanup (service/housekeeping.py): each gunicorn worker wakes every
        # interval (0: never; then run `flask cleanup` from cron) and one process at a time
        # deletes at most CLEANUP_MAX_BATCHES batches of CLEANUP_BATCH_SIZE rows of each kind.
        self.CLEANUP_INTERVAL_SECONDS = env.float("CLEANUP_INTERVAL_SECONDS", 60.0)
        self.CLEANUP_BATCH_SIZE = env.int("CLEANUP_BATCH_SIZE", 1000)
        self.CLEANUP_MAX_BATCHES = env.int("CLEANUP_MAX_BATCHES", 10)
        # How long an expired session row is kept before cleanup deletes it (0: at once).
        self.SESSION_RETENTION_SECONDS = env.int("SESSION_RETENTION_SECONDS", 0)

        # GET /metrics (Prometheus). With a token, only `Authorization: Bearer <token>` may read
        # it; without one it is open in development and answers 404 in production.
        self.METRICS_TOKEN = env.str("METRICS_TOKEN", "")

        self.MAX_CONTENT_LENGTH = env.int("MAX_CONTENT_LENGTH", 64 * 1024)
        self.CORS_ORIGINS = [
            origin.strip()
            for origin in env.list("CORS_ORIGINS", [] if self.PRODUCTION else ["*"])
            if origin.strip()
        ]
        try:
            env.seal()
        except EnvValidationError as error:
            raise ConfigError(_describe(error.error_messages)) from None

    def check_production_safety(self):
        """Refuse settings that must never reach production."""
        if not self.PRODUCTION:
            return
        if self.SECRET_KEY in EXAMPLE_SECRET_KEYS or len(self.SECRET_KEY) < 32:
            raise RuntimeError(
                "APP_ENV=production needs a SECRET_KEY of at least 32 random characters "
                "(not the default, nor the example from .env.example or the guide)"
            )
        if any(key in EXAMPLE_SECRET_KEYS or len(key) < 32 for key in self.PREVIOUS_SECRET_KEYS):
            raise RuntimeError(
                "APP_ENV=production refuses PREVIOUS_SECRET_KEYS that are examples or shorter "
                "than 32 characters: tokens signed with them could be forged"
            )
        if self.SEED_SAMPLE_DATA and not self.ALLOW_SAMPLE_DATA_IN_PRODUCTION:
            raise RuntimeError(
                "APP_ENV=production with SEED_SAMPLE_DATA=true creates admin/123: "
                "set SEED_SAMPLE_DATA=false, or ALLOW_SAMPLE_DATA_IN_PRODUCTION=true to insist"
            )

    def flask_settings(self):
        """The subset Flask and flask-smorest read from app.config."""
        return {
            "DEBUG": self.DEBUG,
            "TESTING": self.TESTING,
            "SECRET_KEY": self.SECRET_KEY,
            "MAX_CONTENT_LENGTH": self.MAX_CONTENT_LENGTH,
            "PROPAGATE_EXCEPTIONS": False,
            "API_TITLE": "UrTraining API",
            "API_VERSION": "1.0.0",
            "OPENAPI_VERSION": "3.1.0",
            "OPENAPI_URL_PREFIX": "/",
            "OPENAPI_JSON_PATH": "openapi.json",
            "OPENAPI_SWAGGER_UI_PATH": "docs",
            "OPENAPI_SWAGGER_UI_URL": "/docs/assets/",
        }


def _describe(messages):
    problems = "; ".join(f"{name}: {' '.join(map(str, errors))}" for name, errors in messages.items())
    return f"invalid settings (environment or .env): {problems}"


def settings():
    """The Config of the app serving this request."""
    return current_app.config["SERVICE_CONFIG"]


# DATABASE_URL may be spelt for libpq (postgresql://, as the guide writes it) or for yoyo
# (postgresql+psycopg://); each user of it asks for the spelling it needs.
_DATABASE_URL_PREFIXES = ("postgresql+psycopg://", "postgres+psycopg://", "postgresql://", "postgres://")


def _after_scheme(url):
    for prefix in _DATABASE_URL_PREFIXES:
        if url.startswith(prefix):
            return url[len(prefix) :]
    raise ValueError("DATABASE_URL must start with postgresql:// (or postgresql+psycopg://)")


def libpq_url(url):
    """DATABASE_URL spelt for psycopg (libpq)."""
    return "postgresql://" + _after_scheme(url)


def yoyo_url(url):
    """DATABASE_URL spelt for yoyo, whose plain postgresql:// would mean psycopg2."""
    return "postgresql+psycopg://" + _after_scheme(url)
