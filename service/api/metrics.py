"""GET /metrics: Prometheus text format, for the operators' scraper (not part of the JSON API,
so not in the OpenAPI document).

With METRICS_TOKEN set it needs `Authorization: Bearer <token>`; without one it is open in
development and a 404 in production, so it is never public by accident (docs/OPERATIONS.md).
"""

import hmac

from flask import Response, request

from service import metrics
from service.config import settings
from service.errors import abort


def metrics_view():
    """Every worker's metrics (requests, pool, named queries, logins, cleanup)."""
    config = settings()
    if config.METRICS_TOKEN:
        sent = request.headers.get("Authorization", "").encode()
        if not hmac.compare_digest(sent, f"Bearer {config.METRICS_TOKEN}".encode()):
            abort(401, "Metrics need the metrics token", headers={"WWW-Authenticate": "Bearer"})
    elif config.PRODUCTION:
        abort(404)
    body, content_type = metrics.exposition()
    return Response(body, content_type=content_type)


def init_app(app):
    app.add_url_rule("/metrics", "metrics", metrics_view, methods=["GET"])
