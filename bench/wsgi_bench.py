"""The app as gunicorn serves it in the benchmarks (`gunicorn bench.wsgi_bench:app`), plus one static
route for the ceiling: `/_bench/ok` is answered with b"ok" by a tiny WSGI middleware before Flask sees
the request, so it measures gunicorn, the socket and the client, and nothing of the app.

The app itself is unchanged: `create_app(Config, instance_path=..., **overrides)` with the environment of a production run.
BENCH_INSTANCE_PATH keeps the benchmark's instance folder out of the project's; BENCH_POOL_SIZE sizes
SQLAlchemy's connection pool for threaded workers (the default of 5 + 10 is too small for 16 threads).
"""
import os

from petition_app import create_app
from petition_app.config import Config

OK_PATH = "/_bench/ok"

_overrides: dict[str, object] = {}
if os.environ.get("BENCH_POOL_SIZE"):
    size = int(os.environ["BENCH_POOL_SIZE"])
    _overrides["SQLALCHEMY_ENGINE_OPTIONS"] = {**Config.SQLALCHEMY_ENGINE_OPTIONS, "pool_size": size, "max_overflow": 2}
app = create_app(Config, instance_path=os.environ.get("BENCH_INSTANCE_PATH") or None, **_overrides)
_app_wsgi = app.wsgi_app


def _bench_wsgi(environ, start_response):
    if environ.get("PATH_INFO") == OK_PATH:
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [b"ok"]
    return _app_wsgi(environ, start_response)


app.wsgi_app = _bench_wsgi
