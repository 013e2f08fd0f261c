"""The state of things, read each time Prometheus asks: queue depths per RQ queue, the outbox, mails
sent and failed, the periodic work's last runs, the confirmed signatures, and whether the database and
Redis answer. A part that cannot be read (Redis down) is left out and `petition_up` says which."""
from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from flask import current_app
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from redis import Redis
from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

from ..jobs import QUEUES, get_queue
from ..jobs.schedule import SCHEDULE, stats
from . import queries
from .counters import mails_counted

log = logging.getLogger(__name__)


def redis_answers() -> bool:
    """True when Redis answers a PING within a second (a client of its own, with short timeouts, so that
    a load balancer's check never hangs); True without REDIS_URL, where nothing needs Redis."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return True
    client = Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        return bool(client.ping())
    except Exception:  # noqa: BLE001 - any failure means "down"
        return False
    finally:
        client.close()


class StateCollector:
    """A prometheus_client collector; works inside the request's app context."""

    def collect(self) -> Iterator[Any]:
        up = GaugeMetricFamily("petition_up", "1 when the service answers", labels=["service"])
        database = queries.database_answers()
        redis_up = redis_answers()
        up.add_metric(["database"], 1.0 if database else 0.0)
        up.add_metric(["redis"], 1.0 if redis_up else 0.0)
        yield up
        parts = {
            "database": self._database if database else None,
            "mails": self._mails if redis_up else None,
            "queues": self._queues if redis_up and current_app.config.get("REDIS_URL") else None,
            "periodic": self._periodic if redis_up and current_app.config.get("REDIS_URL") else None,
        }
        read = GaugeMetricFamily("petition_metrics_read", "1 when this part of /metrics could be read", labels=["part"])
        for name, part in parts.items():
            families: list[Any] = []
            if part is not None:
                try:
                    families = list(part())
                except Exception:  # noqa: BLE001 - one unreadable part must not hide the others
                    log.warning("metrics: could not read %s", name, exc_info=True)
                    part = None
            read.add_metric([name], 1.0 if part is not None else 0.0)
            yield from families
        yield read

    def _database(self) -> Iterator[Any]:
        size, age = queries.outbox_state()
        yield GaugeMetricFamily("petition_outbox_jobs", "Jobs the outbox still owes (not done, not given up)", value=size)
        yield GaugeMetricFamily(
            "petition_outbox_oldest_age_seconds", "Age of the oldest job the outbox still owes (0 when none)", value=age
        )
        yield GaugeMetricFamily(
            "petition_jobs_given_up", "Jobs whose every try failed, listed for the moderators", value=queries.given_up_jobs()
        )
        yield GaugeMetricFamily(
            "petition_confirmed_signatures", "Confirmed signatures that count, all campaigns together",
            value=queries.confirmed_signatures(),
        )

    def _mails(self) -> Iterator[Any]:
        counted = mails_counted()
        yield CounterMetricFamily("petition_mails_sent", "Mails the SMTP server accepted", value=counted["sent"])
        yield CounterMetricFamily(
            "petition_mails_failed", "Failed attempts to send (a refused recipient, an SMTP error)", value=counted["failed"]
        )

    def _queues(self) -> Iterator[Any]:
        depth = GaugeMetricFamily("petition_queue_jobs", "Jobs per RQ queue and state", labels=["queue", "state"])
        for name in QUEUES:
            queue = get_queue(name)
            depth.add_metric([name, "queued"], queue.count)
            depth.add_metric([name, "started"], StartedJobRegistry(queue=queue).count)
            depth.add_metric([name, "scheduled"], ScheduledJobRegistry(queue=queue).count)  # retries waiting
            depth.add_metric([name, "failed"], FailedJobRegistry(queue=queue).count)
        yield depth

    def _periodic(self) -> Iterator[Any]:
        last = GaugeMetricFamily(
            "petition_periodic_last_run_timestamp_seconds", "When the entry was last handed to its queue (Unix time)",
            labels=["name"],
        )
        runs = CounterMetricFamily("petition_periodic_runs", "Times the entry was handed to its queue", labels=["name"])
        skipped = CounterMetricFamily(
            "petition_periodic_skipped", "Slots skipped because the previous run still waited", labels=["name"]
        )
        for entry in SCHEDULE:
            recorded = stats(entry.name)
            last.add_metric([entry.name], float(recorded.get("last_run_at", 0)))
            runs.add_metric([entry.name], float(recorded.get("runs", 0)))
            skipped.add_metric([entry.name], float(recorded.get("skipped", 0)))
        yield last
        yield runs
        yield skipped
