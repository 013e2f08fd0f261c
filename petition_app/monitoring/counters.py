"""What is counted as it happens: requests and their latency per endpoint (in each web process), sign
requests and confirmations (from the answers of their endpoints), and mails sent and failed (in Redis,
shared by every worker on every host).

prometheus_client picks its storage when it is imported: with PROMETHEUS_MULTIPROC_DIR set in the
environment (gunicorn runs several processes), every process writes its counters to files in that
directory and `/metrics` adds them all up (`exposition`); the directory must be emptied before gunicorn
starts (docs/architecture.md, "Watching it")."""
from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

from flask import Flask, Response, current_app, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from ..jobs import redis_connection

log = logging.getLogger(__name__)

REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter(
    "petition_http_requests", "HTTP requests answered, by endpoint, method and status",
    ["endpoint", "method", "status"], registry=REGISTRY,
)
LATENCY = Histogram(
    "petition_http_request_duration_seconds", "Time to answer a request, by endpoint", ["endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0), registry=REGISTRY,
)
SIGN_REQUESTS = Counter(
    "petition_sign_requests", "Sign requests accepted (the form's 303, the API's 202), by way in", ["via"],
    registry=REGISTRY,
)
CONFIRMATIONS = Counter(
    "petition_confirmation_posts", "Confirmation links pressed and sent on to the thank-you page (new or already confirmed)",
    registry=REGISTRY,
)

#: (endpoint, method, status) of an accepted sign request, and its label
SIGN_ANSWERS = {("signing.sign_campaign", "POST", 303): "form", ("api.create_signature", "POST", 202): "api"}
CONFIRM_ANSWER = ("signing.verify", "POST", 303)

# Without Redis (a demo, the tests) mails are counted in this process.
_local_mails = {"sent": 0, "failed": 0}
_local_lock = threading.Lock()


def mails_key() -> str:
    return f"{current_app.config['QUEUE_PREFIX']}metrics:mails"


def count_mails(sent: int, failed: int) -> None:
    """The mail counter (`mail.count_sent` calls it): in Redis when there is one. Never raises: a metric
    must not fail the job that sent a mail (it would send it again)."""
    try:
        if current_app.config.get("REDIS_URL"):
            with redis_connection().pipeline() as pipeline:
                pipeline.hincrby(mails_key(), "sent", sent)
                pipeline.hincrby(mails_key(), "failed", failed)
                pipeline.execute()
        else:
            with _local_lock:
                _local_mails["sent"] += sent
                _local_mails["failed"] += failed
    except Exception:  # noqa: BLE001
        log.warning("could not count %s sent and %s failed mails", sent, failed, exc_info=True)


def mails_counted() -> dict[str, int]:
    """Mails sent and failed attempts, all processes together (Redis) or this process (no Redis)."""
    if not current_app.config.get("REDIS_URL"):
        return dict(_local_mails)
    raw: Any = redis_connection().hgetall(mails_key())
    return {"sent": int(raw.get(b"sent", 0)), "failed": int(raw.get(b"failed", 0))}


def _started() -> None:
    g.monitoring_started = time.perf_counter()


#: The methods counted by name; any other (a client may send any word) is counted as "other", so a
#: scan with made-up methods cannot grow /metrics by a series per word.
COUNTED_METHODS = frozenset({"GET", "HEAD", "POST"})


def request_labels(endpoint: str | None, method: str, status: int) -> tuple[str, str, str]:
    """The labels of a request, from bounded sets only: an endpoint of the app (else "unmatched": no
    route matched, a 404 or 405), GET/HEAD/POST (else "other"), a status of three digits (else "other")."""
    known = endpoint if endpoint is not None and endpoint in current_app.view_functions else "unmatched"
    return known, method if method in COUNTED_METHODS else "other", str(status) if 100 <= status <= 599 else "other"


def _answered(response: Response) -> Response:
    started = g.pop("monitoring_started", None)
    endpoint, method, status = request_labels(request.endpoint, request.method, response.status_code)
    key = (endpoint, method, response.status_code)
    try:
        REQUESTS.labels(endpoint, method, status).inc()
        if started is not None:
            LATENCY.labels(endpoint).observe(time.perf_counter() - started)
        if key in SIGN_ANSWERS:
            SIGN_REQUESTS.labels(SIGN_ANSWERS[key]).inc()
        elif key == CONFIRM_ANSWER:
            CONFIRMATIONS.inc()
    except Exception:  # noqa: BLE001 - a metric never turns an answer into an error
        log.warning("could not count a request", exc_info=True)
    return response


def init_app(app: Flask) -> None:
    """Count every request of this app, and every mail its jobs send."""
    app.before_request(_started)
    app.after_request(_answered)
    app.extensions["petition_mail_counter"] = count_mails


def exposition(*collectors: Any) -> bytes:
    """The text Prometheus reads: the counters of every web process (multiprocess mode) or of this one,
    and `collectors`, which read the state of the queues, the outbox and the rest when asked."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(REGISTRY)
    for collector in collectors:
        registry.register(collector)
    return generate_latest(registry)
