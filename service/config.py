"""One configuration object, read from the environment (and `.env`)."""

import os

from dotenv import load_dotenv

DEFAULT_SECRET_KEY = "dev-secret-key-change-me"  # noqa: S105 - the documented development default


def _bool(value, default=False):
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(value):
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def _int_or_none(value):
    """An integer, or None for "none" / empty (a setting that can be switched off)."""
    value = (value or "").strip().lower()
    return None if value in {"", "none"} else int(value)


class Config:
    """Settings of one app instance. Every field has an environment variable of the same name."""

    def __init__(self, environ=None, load_env_file=True):
        if load_env_file and environ is None:
            load_dotenv()
        env = os.environ if environ is None else environ

        self.ENV = env.get("APP_ENV", "development").lower()
        self.PRODUCTION = self.ENV == "production"
        self.DEBUG = _bool(env.get("DEBUG"))
        self.HOST = env.get("HOST", "127.0.0.1")
        self.PORT = int(env.get("PORT", "8000"))

        self.DATABASE_URL = env.get("DATABASE_URL", "")
        self.DB_POOL_MIN_SIZE = int(env.get("DB_POOL_MIN_SIZE", "1"))
        self.DB_POOL_MAX_SIZE = int(env.get("DB_POOL_MAX_SIZE", "4"))
        self.DB_POOL_TIMEOUT = float(env.get("DB_POOL_TIMEOUT", "3"))
        self.DB_CONNECT_TIMEOUT = int(env.get("DB_CONNECT_TIMEOUT", "3"))
        self.DB_STATEMENT_TIMEOUT_MS = int(env.get("DB_STATEMENT_TIMEOUT_MS", "10000"))
        self.RETRY_AFTER_SECONDS = int(env.get("RETRY_AFTER_SECONDS", "5"))
        # psycopg prepares a query server-side at its Nth use (5). PgBouncer in transaction mode
        # before 1.21 cannot keep prepared statements: set "none" there (docs/OPERATIONS.md).
        self.DB_PREPARE_THRESHOLD = _int_or_none(env.get("DB_PREPARE_THRESHOLD", "5"))
        # How many proxies (load balancers) in front of the service set X-Forwarded-For/-Proto:
        # with 0 those headers are ignored and the client address is the peer's.
        self.TRUSTED_PROXY_COUNT = int(env.get("TRUSTED_PROXY_COUNT", "0"))

        self.AUTO_MIGRATE = _bool(env.get("AUTO_MIGRATE"), default=True)
        self.SEED_SAMPLE_DATA = _bool(env.get("SEED_SAMPLE_DATA"), default=not self.PRODUCTION)
        self.ALLOW_SAMPLE_DATA_IN_PRODUCTION = _bool(env.get("ALLOW_SAMPLE_DATA_IN_PRODUCTION"))

        self.SECRET_KEY = env.get("SECRET_KEY", DEFAULT_SECRET_KEY)
        self.PREVIOUS_SECRET_KEYS = _list(env.get("PREVIOUS_SECRET_KEYS"))
        # Accepted for compatibility with the guide's .env; tokens are itsdangerous, not JWT.
        self.ALGORITHM = env.get("ALGORITHM", "HS256")
        self.ACCESS_TOKEN_EXPIRE_MINUTES = int(env.get("ACCESS_TOKEN_EXPIRE_MINUTES", "30"))
        self.SESSION_ABSOLUTE_LIFETIME_HOURS = float(env.get("SESSION_ABSOLUTE_LIFETIME_HOURS", "12"))
        self.PASSWORD_HASH_METHOD = env.get("PASSWORD_HASH_METHOD", "scrypt:131072:8:1")

        self.LOGIN_MAX_FAILURES_PER_ACCOUNT = int(env.get("LOGIN_MAX_FAILURES_PER_ACCOUNT", "5"))
        self.LOGIN_MAX_FAILURES_PER_ADDRESS = int(env.get("LOGIN_MAX_FAILURES_PER_ADDRESS", "50"))
        self.LOGIN_LOCKOUT_SECONDS = int(env.get("LOGIN_LOCKOUT_SECONDS", "60"))
        # Each failure past the limit doubles the lockout, up to this cap; a real user is never
        # locked out for longer than the cap after the last failure.
        self.LOGIN_MAX_LOCKOUT_SECONDS = int(env.get("LOGIN_MAX_LOCKOUT_SECONDS", "900"))
        # Failures are forgotten once the last one is older than this.
        self.LOGIN_FAILURE_WINDOW_SECONDS = int(env.get("LOGIN_FAILURE_WINDOW_SECONDS", "3600"))
        # Expired sessions: one bounded batch deleted on login, at most once per interval per worker.
        self.SESSION_CLEANUP_INTERVAL_SECONDS = float(env.get("SESSION_CLEANUP_INTERVAL_SECONDS", "60"))
        self.SESSION_CLEANUP_BATCH_SIZE = int(env.get("SESSION_CLEANUP_BATCH_SIZE", "1000"))

        self.MAX_CONTENT_LENGTH = int(env.get("MAX_CONTENT_LENGTH", str(64 * 1024)))
        default_origins = "" if self.PRODUCTION else "*"
        self.CORS_ORIGINS = _list(env.get("CORS_ORIGINS", default_origins))
        self.TESTING = _bool(env.get("TESTING"))

    def check_production_safety(self):
        """Refuse settings that must never reach production."""
        if not self.PRODUCTION:
            return
        if self.SECRET_KEY == DEFAULT_SECRET_KEY or len(self.SECRET_KEY) < 32:
            raise RuntimeError(
                "APP_ENV=production needs a SECRET_KEY of at least 32 characters (not the default)"
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
