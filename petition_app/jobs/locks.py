"""A lock that one job holds at a time across every worker (fan-out batches use it)."""
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import current_app

from .connection import redis_connection

_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"
_EXTEND = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"


class Hold:
    """What `exclusive` yields: true for the holder of the lock. A holder that works longer than the
    lock lasts calls `keep()` now and then: it extends the lock by its time again and says whether this
    job still holds it (False once the lock ran out and another job may have taken it: stop then)."""

    def __init__(self, held: bool, extend: Callable[[], bool] | None = None) -> None:
        self.held = held
        self._extend = extend

    def __bool__(self) -> bool:
        return self.held

    def keep(self) -> bool:
        if self.held and self._extend is not None:
            self.held = self._extend()
        return self.held


@contextmanager
def exclusive(name: str, seconds: float) -> Iterator[Hold]:
    """A lock that one job holds at a time across every worker: yields a true Hold to the holder, a false
    one to anyone else meanwhile. `SET NX PX` in Redis, released at the end, or after `seconds` if the
    holder died (or did not call `keep()` in time). Without Redis jobs run one at a time in the process
    that queued them, so it always holds."""
    if not current_app.config.get("REDIS_URL"):
        yield Hold(True)
        return
    connection = redis_connection()
    key = f"{current_app.config['QUEUE_PREFIX']}lock:{name}"
    token = uuid.uuid4().hex
    milliseconds = max(1, int(seconds * 1000))
    held = bool(connection.set(key, token, nx=True, px=milliseconds))

    def extend() -> bool:
        return bool(connection.eval(_EXTEND, 1, key, token, milliseconds))

    try:
        yield Hold(held, extend)
    finally:
        if held:
            connection.eval(_RELEASE, 1, key, token)
