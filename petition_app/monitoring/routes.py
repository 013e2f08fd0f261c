"""`/metrics` for Prometheus and `/healthz` for load balancers. Neither holds anything personal; both
answer `Cache-Control: no-store` (a stale health answer or figure misleads)."""
import hmac

from flask import Response, abort, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from ..security import private
from . import bp
from .collectors import StateCollector, redis_answers
from .counters import exposition
from .queries import database_answers

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _authorized() -> None:
    """The bearer token of METRICS_TOKEN: none configured is a 404 (nothing to see here), no token a 401,
    a wrong one a 403."""
    token = current_app.config.get("METRICS_TOKEN")
    if not token:
        abort(404)
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        abort(Response(status=401, headers={"WWW-Authenticate": 'Bearer realm="metrics"'}))  # for machines: no text
    if not hmac.compare_digest(given.strip().encode("utf-8", "replace"), token.encode("utf-8")):
        abort(Response(status=403))


@bp.route("/metrics")
@private
def metrics() -> ResponseReturnValue:
    """The figures to watch, in Prometheus' text format: requests and latency per endpoint, sign requests
    and confirmations, queue depths, the outbox, mails sent and failed, the periodic work. For the
    holder of METRICS_TOKEN only (an `Authorization: Bearer` header)."""
    _authorized()
    return Response(exposition(StateCollector()), content_type=CONTENT_TYPE)


@bp.route("/healthz")
@private
def healthz() -> ResponseReturnValue:
    """For load balancers, anyone: 200 with {"status": "ok"} when the database and Redis answer, 503 and
    which one is down otherwise."""
    checks = {"database": "ok" if database_answers() else "down", "redis": "ok" if redis_answers() else "down"}
    healthy = all(state == "ok" for state in checks.values())
    return jsonify(status="ok" if healthy else "down", checks=checks), 200 if healthy else 503
