"""Spellings of DATABASE_URL: libpq for psycopg, `postgresql+psycopg://` for yoyo."""

_PREFIXES = ("postgresql+psycopg://", "postgres+psycopg://", "postgresql://", "postgres://")


def _rest(url):
    for prefix in _PREFIXES:
        if url.startswith(prefix):
            return url[len(prefix) :]
    raise ValueError("DATABASE_URL must start with postgresql:// (or postgresql+psycopg://)")


def libpq_url(url):
    return "postgresql://" + _rest(url)


def yoyo_url(url):
    """yoyo needs the psycopg 3 scheme: its plain postgresql:// would mean psycopg2."""
    return "postgresql+psycopg://" + _rest(url)
