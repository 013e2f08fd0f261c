"""The app as gunicorn serves it in the benchmarks (`gunicorn bench.wsgi_bench:app`), plus the two
baselines of bench/baselines.py: `/_bench/ok` (the ceiling) and `POST /_bench/write` (one row committed
and one job queued, the baseline of signature submissions).

The app itself is unchanged: `create_app(Config, instance_path=..., **overrides)` with the environment of a production run.
BENCH_INSTANCE_PATH keeps the benchmark's instance folder out of the project's; BENCH_POOL_SIZE sizes
SQLAlchemy's connection pool for threaded workers (the default of 5 + 10 is too small for 16 threads).
"""
import os

from bench.baselines import install
from petition_app import create_app
from petition_app.config import Config

_overrides: dict[str, object] = {}
if os.environ.get("BENCH_POOL_SIZE"):
    size = int(os.environ["BENCH_POOL_SIZE"])
    _overrides["SQLALCHEMY_ENGINE_OPTIONS"] = {**Config.SQLALCHEMY_ENGINE_OPTIONS, "pool_size": size, "max_overflow": 2}
app = install(create_app(Config, instance_path=os.environ.get("BENCH_INSTANCE_PATH") or None, **_overrides))
