"""gunicorn's settings for production (deploy/petitions-web.service starts `gunicorn -c deploy/gunicorn.conf.py wsgi:app`).

Behind nginx (deploy/nginx.conf) on the loopback interface; the app runs with PROXY_COUNT=1. Sync workers:
on this kind of machine they measured faster than threads (docs/performance.md, "Server"), and nginx buffers
slow clients so that a sync worker is never held by one. Override with GUNICORN_* variables.
"""
import multiprocessing
import os

from prometheus_client import multiprocess

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# One worker per core (the pages are CPU-bound; PostgreSQL and Redis answer in well under a millisecond).
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count()))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# A stop or restart waits this long for requests under way (a page takes milliseconds, a scan upload
# arrives whole from nginx); the listening socket is closed meanwhile, so the wait is the gap in which
# nginx answers from its copies (deploy/nginx.conf). Below TimeoutStopSec of petitions-web.service.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "10"))
# Restart a worker now and then, so that memory cannot creep up over weeks.
max_requests = 20000
max_requests_jitter = 2000
# Only nginx on this machine talks to gunicorn; it may say the request came over https.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# No access log: paths carry private tokens (nginx keeps none either). Errors go to the journal.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")
proc_name = "petitions-web"


def child_exit(server, worker):
    """With PROMETHEUS_MULTIPROC_DIR set (deploy/petitions-web.service sets it), a worker that ends leaves
    its request counters to the sum but no longer counts as live (docs/architecture.md, "Watching it")."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
