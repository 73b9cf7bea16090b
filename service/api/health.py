"""Liveness and database readiness."""

import psycopg
from psycopg_pool import PoolTimeout

from service import db
from service.api import Blueprint
from service.errors import retry_after_header
from service.schemas.health import PingSchema, ServiceHealthSchema

blp = Blueprint("health", __name__, description="Service status")


@blp.get("/ping")
@blp.response(200, PingSchema)
def ping():
    """Liveness: the process answers (no database work)."""
    return {"message": "pong"}


@blp.get("/health")
@blp.response(200, ServiceHealthSchema)
@blp.alt_response(503, schema=ServiceHealthSchema, description="The database cannot be reached")
def health():
    """Readiness: the database answers a trivial query."""
    try:
        db.queries().ping_database(db.connection())
    except (psycopg.Error, PoolTimeout):
        db.sweep_pool_after_failure()
        body = {"status": "unavailable", "database": "unavailable", "detail": "The database is unavailable"}
        return body, 503, retry_after_header()
    return {"status": "ok", "database": "ok"}
