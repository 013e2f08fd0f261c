"""Something to watch: `/metrics` in Prometheus format (behind METRICS_TOKEN) and `/healthz` for load
balancers. Requests are counted in the web processes (prometheus_client, multiprocess mode under
gunicorn when PROMETHEUS_MULTIPROC_DIR is set); mails are counted in Redis, because the workers that
send them are other processes, maybe on other hosts; the rest (queues, outbox, periodic work, counts) is
read when Prometheus asks. An entry point like the API: it reads every layer below and nothing imports it."""
from flask import Blueprint

bp = Blueprint("monitoring", __name__)

from . import routes  # noqa: E402,F401
from .counters import init_app  # noqa: E402,F401
