"""Liveness and database readiness.

/health (the API contract's), and the probe pair for orchestrators and load balancers:
/health/live answers while the process serves (no database work: a database outage must not get
healthy processes restarted); /health/ready answers 200 only while the database does (take the
instance out of rotation, do not restart it).
"""

import psycopg
from psycopg_pool import PoolTimeout

from service import db
from service.api.blueprint import Blueprint
from service.db import queries
from service.errors import retry_after_header
from service.schemas.health import LivenessSchema, PingSchema, ServiceHealthSchema

blp = Blueprint("health", __name__, description="Service status")


@blp.get("/ping")
@blp.response(200, PingSchema)
def ping():
    """Liveness: the process answers (no database work)."""
    return {"message": "pong"}


@blp.get("/health/live")
@blp.response(200, LivenessSchema)
def liveness():
    """Liveness: the process serves requests (no database work)."""
    return {"status": "ok"}


@blp.get("/health/ready")
@blp.response(200, ServiceHealthSchema)
@blp.alt_response(503, schema=ServiceHealthSchema, description="The database cannot be reached")
def readiness():
    """Readiness: the database answers a trivial query (the same answer as /health)."""
    return _database_status()


@blp.get("/health")
@blp.response(200, ServiceHealthSchema)
@blp.alt_response(503, schema=ServiceHealthSchema, description="The database cannot be reached")
def health():
    """Readiness: the database answers a trivial query."""
    return _database_status()


def _database_status():
    try:
        queries.health.ping_database()
    except (psycopg.Error, PoolTimeout):
        db.sweep_pool_after_failure()
        body = {"status": "unavailable", "database": "unavailable", "detail": "The database is unavailable"}
        return body, 503, retry_after_header()
    return {"status": "ok", "database": "ok"}
