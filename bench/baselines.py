"""The benchmarks' two baselines inside the app that gunicorn serves (bench/wsgi_bench.py).

- `/_bench/ok` is answered with b"ok" by a tiny WSGI middleware before Flask sees the request: it measures
  gunicorn, the socket and the client, and nothing of the app (the ceiling of the page benchmarks).
- `POST /_bench/write` goes through Flask like a signature does and does the same kinds of work, only the
  least of each: it reads a JSON body, inserts one row and commits it in PostgreSQL, and queues one RQ job
  in Redis. Signature submissions are measured against it, like for like: between two runs minutes apart,
  the database's commits and the ceiling's plain Python calls changed speed by different amounts
  (docs/performance.md), so a ratio of submissions to the ceiling moved further than any spread one run
  could measure.

The write baseline's table lives only in the benchmark's own database (`Bench.setup` creates it).
"""
from typing import Any, Callable, Iterable

from flask import Flask, request

from petition_app.extensions import csrf, db
from petition_app.jobs.connection import get_queue

OK_PATH = "/_bench/ok"
WRITE_PATH = "/_bench/write"
WRITE_QUEUE = "bench"
CREATE_WRITE_TABLE = (
    "CREATE TABLE bench_writes (id bigserial PRIMARY KEY, name text NOT NULL, email text NOT NULL,"
    " created_at timestamptz NOT NULL DEFAULT now())"
)


def _write() -> tuple[dict[str, int], int]:
    """The write baseline (benchmarks only): one row committed and one job queued per request."""
    data = request.get_json(force=True)
    row_id = db.session.execute(
        db.text("INSERT INTO bench_writes (name, email) VALUES (:name, :email) RETURNING id"),
        {"name": str(data["name"]), "email": str(data["email"])},
    ).scalar_one()
    db.session.commit()
    # a job that nothing runs during the benchmark: the cost of queuing it is what counts
    get_queue(WRITE_QUEUE).enqueue("builtins.abs", row_id)
    return {"id": row_id}, 201


def install(app: Flask) -> Flask:
    """Add both baselines to an app made by create_app (the app itself is left as it is)."""
    # an endpoint of the API's blueprint, as the submissions' is: the same hooks run for both (and JSON
    # bodies are refused outside the API)
    app.add_url_rule(WRITE_PATH, "api.bench_write", csrf.exempt(_write), methods=["POST"])
    app_wsgi = app.wsgi_app

    def bench_wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == OK_PATH:
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
            return [b"ok"]
        return app_wsgi(environ, start_response)

    app.wsgi_app = bench_wsgi  # type: ignore[method-assign]
    return app
