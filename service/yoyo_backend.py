"""yoyo's backend for this project: the guide's plain `postgresql://` URL, psycopg 3, a lock_timeout.

yoyo chooses a backend by the URL's scheme among the `yoyo.backends` entry points, and its own
`postgresql` entry means psycopg2, which this project does not install. Registering a second
`postgresql` entry would not settle it: yoyo takes the first entry of that name that
importlib-metadata finds, and the order of packages inside site-packages is the order the file
system lists them in, which differs between machines. So yoyo.ini puts `urtraining+` in front
of DATABASE_URL, and this package (pyproject.toml) registers the schemes `urtraining+postgresql`,
`urtraining+postgres` and `urtraining+postgresql+psycopg` for the backend below. DATABASE_URL
itself stays the plain URL that psql, pg_dump and the service read.

Every migration connection carries `lock_timeout` (MIGRATION_LOCK_TIMEOUT_MS, default 5 s) as
a connection option: a migration that waits for a lock held by the running service gives up
instead of queueing every request behind it (migrations/README.md). The yoyo CLI and the
service's own migrations (service/migrations.py) both connect through this class.
"""

from yoyo import default_migration_table
from yoyo.backends.core.postgresql import PostgresqlPsycopgBackend
from yoyo.connections import parse_uri

from service.config import libpq_url

SCHEME_PREFIX = "urtraining+"


def lock_timeout_ms():
    """MIGRATION_LOCK_TIMEOUT_MS from the environment (service.config reads the same variable)."""
    from service.config import Config  # late: the yoyo CLI imports this module on its own

    return Config().MIGRATION_LOCK_TIMEOUT_MS


class UrTrainingBackend(PostgresqlPsycopgBackend):
    """yoyo's psycopg 3 backend, with lock_timeout set on its connection."""

    def connect(self, dburi):
        timeout = lock_timeout_ms()
        if timeout:
            args = dict(dburi.args)
            options = " ".join(filter(None, [args.get("options"), f"-c lock_timeout={timeout}"]))
            dburi = dburi._replace(args={**args, "options": options})
        return super().connect(dburi)


def backend_for(database_url, migration_table=default_migration_table):
    """A connected yoyo backend for DATABASE_URL in any accepted spelling (what yoyo's
    get_backend does, without looking the scheme up among installed entry points)."""
    backend = UrTrainingBackend(parse_uri(libpq_url(database_url)), migration_table)
    backend.init_database()
    return backend
