"""The connection pool, the request's connection and transaction, and its named queries.

A view reads `queries.users.get_user_by_id(id=5)`: the query `get_user_by_id` of sql/users.sql,
run on this request's pooled connection. Inside `with transaction():` the same calls run in one
transaction.
"""

import logging
import select
from contextlib import contextmanager, suppress
from time import monotonic, perf_counter
from types import GeneratorType

import psycopg
from flask import Response, current_app, g, stream_with_context
from psycopg import IsolationLevel
from psycopg.rows import dict_row, tuple_row
from psycopg_pool import ConnectionPool

from service import metrics
from service.config import libpq_url
from service.queries import load_queries

log = logging.getLogger(__name__)


def create_pool(config):
    """A pool opened without waiting, so a worker starts even while the database is down."""
    if not config.DATABASE_URL:
        raise RuntimeError("DATABASE_URL is not set: point it at PostgreSQL (see README)")
    settings = {"connect_timeout": config.DB_CONNECT_TIMEOUT, "application_name": "urtraining"}
    if config.DB_STATEMENT_TIMEOUT_MS:  # 0: not sent (PgBouncer may refuse the options parameter)
        settings["options"] = f"-c statement_timeout={config.DB_STATEMENT_TIMEOUT_MS}"
    conninfo = psycopg.conninfo.make_conninfo(libpq_url(config.DATABASE_URL), **settings)
    pool = ConnectionPool(
        conninfo,
        min_size=config.DB_POOL_MIN_SIZE,
        max_size=config.DB_POOL_MAX_SIZE,
        timeout=config.DB_POOL_TIMEOUT,
        kwargs={
            "row_factory": dict_row,
            "autocommit": True,
            "prepare_threshold": config.DB_PREPARE_THRESHOLD,
        },
        # No `check=`: the pool's own check loop backs off 1 s, 2 s… per dead idle connection, so
        # the first request after a database restart timed out. checked_connection() sweeps instead.
        reconnect_timeout=0,
        open=False,
        name="urtraining",
    )
    pool.open(wait=False)
    return pool


class _BoundFile:
    __slots__ = ("_name",)

    def __init__(self, name):
        self._name = name

    def __getattr__(self, query):
        function = getattr(getattr(current_app.extensions["queries"], self._name), query)
        return _TimedQuery(f"{self._name}.{query}", function, connection())


class _TimedQuery:
    """A named query bound to a connection; each call's time goes to the query's metrics.

    A plain select runs lazily, row by row, as its generator is read: only the time spent
    inside the generator counts, not what the caller does between rows.
    """

    __slots__ = ("_conn", "_function", "_name")

    def __init__(self, name, function, conn):
        self._name = name
        self._function = function
        self._conn = conn

    def __call__(self, **params):
        started = perf_counter()
        try:
            result = self._function(self._conn, **params)
        except psycopg.Error:
            metrics.observe_query(self._name, perf_counter() - started, failed=True)
            raise
        if isinstance(result, GeneratorType):
            return _timed_rows(self._name, result, perf_counter() - started)
        metrics.observe_query(self._name, perf_counter() - started)
        return result


def _timed_rows(name, rows, elapsed):
    failed = False
    try:
        while True:
            started = perf_counter()
            try:
                row = next(rows)
            except StopIteration:
                return
            except psycopg.Error:
                failed = True
                raise
            finally:
                elapsed += perf_counter() - started
            yield row
    finally:
        rows.close()
        metrics.observe_query(name, elapsed, failed=failed)


class _BoundQueries:
    """`queries.<file>.<query>(**params)`: a named query on this request's connection."""

    def __getattr__(self, file_name):
        return _BoundFile(file_name)


queries = _BoundQueries()


def has_unread_input(conn):
    """Whether anything arrived on an idle pooled connection, checked without a round trip.

    A server that shuts down, restarts or terminates the backend sends an error and closes the
    socket, which makes it readable. A healthy idle connection has nothing to read, so it is
    used as it is: checking it with a query would cost every request a round trip (bench/).
    """
    try:
        poller = select.poll()
        poller.register(conn.fileno(), select.POLLIN)
    except (psycopg.Error, OSError, ValueError):
        return True
    return bool(poller.poll(0))


def checked_connection(pool):
    """A pooled connection that answers; dead idle ones (after a database restart) are swept.

    One failed check makes the pool test every idle connection at once (pool.check()) and
    replace the dead ones, so the next attempt gets a fresh connection without the pool's
    1 s, 2 s, 4 s… backoff. Bounded by the pool timeout: past it, PoolTimeout (a 503).
    """
    deadline = monotonic() + pool.timeout
    while True:
        conn = pool.getconn(timeout=max(deadline - monotonic(), 0.001))
        try:
            if has_unread_input(conn):  # the server wrote to an idle connection: it ended it
                ConnectionPool.check_connection(conn)  # an empty query: one round trip
        except psycopg.OperationalError:
            pool.putconn(conn)  # broken: the pool discards it and schedules a replacement
            with suppress(psycopg.Error):
                pool.check()
            continue
        return conn


def connection():
    """This request's pooled connection (autocommit), taken on first use, returned at teardown."""
    if "db_conn" not in g:
        pool = current_app.extensions["pool"]
        g.db_conn = checked_connection(pool)
        g.db_pool = pool
    return g.db_conn


@contextmanager
def transaction():
    """Run the statements of a block in one transaction on this request's connection."""
    conn = connection()
    with conn.transaction():
        yield conn


@contextmanager
def snapshot_transaction():
    """A read-only REPEATABLE READ transaction on this request's connection: every statement in
    it reads the same snapshot (an export and its total agree). The pooled connection is set
    back to the server's defaults afterwards."""
    conn = connection()
    conn.isolation_level = IsolationLevel.REPEATABLE_READ
    conn.read_only = True
    try:
        with conn.transaction():
            yield conn
    finally:
        with suppress(psycopg.Error):
            conn.isolation_level = None
            conn.read_only = None


def stream_rows(qualified_name, chunk_rows, **params):
    """The rows of a named query, chunk_rows at a time (lists of tuples), from a server-side cursor.

    Must run inside a transaction (a cursor lives as long as its transaction; this also keeps
    PgBouncer's transaction pooling on one server connection). Memory holds one chunk at a
    time, however many rows the query returns; each FETCH is a short statement. The cursor is
    named after the query, so pg_stat_activity's "FETCH FORWARD ... FROM" names it too. Yields
    the cursor's column names first.
    """
    function = current_app.extensions["queries"].get(qualified_name)
    conn = connection()
    started = perf_counter()
    failed = False
    try:
        with conn.cursor(name=qualified_name, row_factory=tuple_row) as cursor:
            cursor.execute(function.sql, params or None)
            rows = cursor.fetchmany(chunk_rows)
            yield [column.name for column in cursor.description]
            while rows:
                yield rows
                rows = cursor.fetchmany(chunk_rows)
    except psycopg.Error:
        failed = True
        raise
    finally:
        metrics.observe_query(qualified_name, perf_counter() - started, failed=failed)


def streamed_response(make_chunks, **response_options):
    """A streamed Response whose body make_chunks() (a generator) makes on this request's
    connection, which stays checked out until the response is closed.

    Flask ends a request, and its teardown gives the connection back to the pool, before a
    streamed body is sent. So the connection is taken out of the request's hands here; while
    the generator runs it is the request's connection again (named queries use it), and when
    the body ends (sent completely, failed, or closed because the client went away) the
    generator is closed (its transaction ends) and the connection goes back to the pool.

    The generator runs up to its first chunk at once, while the view can still answer an
    error (a database outage is a 503, not a 200 cut short). The connection goes back when the
    server closes the response, also when the body was never read (a HEAD request).
    """
    conn = connection()
    pool = g.pop("db_pool")
    g.pop("db_conn")
    chunks = make_chunks()

    def step():
        g.db_conn, g.db_pool = conn, pool
        try:
            return next(chunks)
        finally:
            g.pop("db_conn", None)
            g.pop("db_pool", None)

    given_back = []

    def give_back():
        if given_back:
            return
        given_back.append(True)
        try:
            chunks.close()
        finally:
            try:
                pool.putconn(conn)
            except psycopg.Error:
                log.warning("connection could not be returned cleanly to the pool")

    try:
        first = step()
    except BaseException:
        give_back()
        raise

    def body():
        try:
            yield first
            while True:
                try:
                    chunk = step()
                except StopIteration:
                    return
                yield chunk
        finally:
            give_back()

    response = Response(stream_with_context(body()), **response_options)
    response.call_on_close(give_back)
    return response


def release_connection(exc=None):
    conn = g.pop("db_conn", None)
    pool = g.pop("db_pool", None)
    if conn is not None:
        try:
            pool.putconn(conn)
        except psycopg.Error:
            log.warning("connection could not be returned cleanly to the pool")


def release_idle_connection():
    """Give this request's connection back to the pool if no transaction is open on it.

    For slow work between queries (a password hash takes half a second): the next
    connection() takes one again, so a burst of logins cannot hold every pooled connection.
    """
    conn = g.get("db_conn")
    if conn is not None and conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
        release_connection()


def sweep_pool_after_failure():
    """After a lost connection, check every idle connection at once instead of one by one."""
    pool = current_app.extensions.get("pool")
    if pool is not None:
        with suppress(psycopg.Error):
            pool.check()


def init_app(app, config):
    # Under gunicorn, the master's last validated copy of SQL_DIR (service/sqlfiles.py).
    app.extensions["queries"] = load_queries(config.SQL_SNAPSHOT_DIR or config.SQL_DIR)
    app.extensions["pool"] = create_pool(config)
    app.teardown_appcontext(release_connection)
