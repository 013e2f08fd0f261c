"""Planning a fan-out of bulk mail to signers (milestones, answers, organizers' updates): the signers
still to reach are cut, in id order, into ranges of FANOUT_BATCH_SIZE, and one batch job per range is
queued after the commit (an outbox row each, kept until the batch is done). Sending a batch is
fanout.py's, the one room that talks to SMTP and records as it goes (docs/architecture.md, "Exceptions")."""
from collections.abc import Sequence
from typing import Any

from flask import current_app

from ..jobs import Job, enqueue_after_commit, redis_connection
from ..rules import DeliveryKind
from .queries import fan_out_done, pending_ranges


def plan_fan_out(kind: DeliveryKind, ref_id: int, criteria: Sequence[Any], batch_job: Job, *job_args: Any) -> int:
    """Queue `batch_job(*job_args, first_id, last_id)` after the commit, once per range of the signers
    still to reach. Returns how many batches: 0 when everyone was reached already."""
    ranges = pending_ranges(kind, ref_id, criteria, current_app.config["FANOUT_BATCH_SIZE"])
    for first_id, last_id in ranges:
        enqueue_after_commit(batch_job, *job_args, first_id, last_id)
    if ranges and current_app.config.get("REDIS_URL"):
        redis_connection().set(_batches_left_key(kind, ref_id), len(ranges), ex=7 * 24 * 3600)
    return len(ranges)


def _batches_left_key(kind: DeliveryKind, ref_id: int) -> str:
    return f"{current_app.config['QUEUE_PREFIX']}fanout:{kind}:{ref_id}:batches-left"


def maybe_done(kind: DeliveryKind, ref_id: int, criteria: Sequence[Any]) -> bool:
    """Called by each batch once it is sent: True when nobody is left to reach. The exact check reads
    every signer of the fan-out, so with Redis it runs only once the planned batches are counted down
    (a batch run twice counts twice, which only makes the exact check come sooner)."""
    if current_app.config.get("REDIS_URL") and int(redis_connection().decr(_batches_left_key(kind, ref_id))) > 0:
        return False
    return fan_out_done(kind, ref_id, criteria)
