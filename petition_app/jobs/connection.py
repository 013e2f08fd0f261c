"""The Redis connection and the named queues, shared by the job machinery, the locks and the worker."""
from flask import current_app
from redis import Redis
from rq import Queue


def redis_connection() -> Redis:
    """One Redis client per app, shared by the queues of that app."""
    app = current_app
    conn = app.extensions.get("petition_redis")
    if conn is None:
        conn = Redis.from_url(app.config["REDIS_URL"])
        app.extensions["petition_redis"] = conn
    return conn


def get_queue(name: str) -> Queue:
    """A named queue; QUEUE_PREFIX lets several installations (or test runs) share one Redis."""
    return Queue(current_app.config["QUEUE_PREFIX"] + name, connection=redis_connection())
