"""Prometheus metrics: one registry per HTTP app, scraped at ``GET /metrics``.

Two kinds of figures:

- **This process's HTTP traffic**: ``perla_http_requests_total`` (method, route template,
  status) and ``perla_http_request_duration_seconds`` (a histogram by method and route
  template), counted by the request middleware (``http/observability.py``). Each API instance
  reports its own; Prometheus adds them up.
- **What the database holds, read at scrape time** (so they are right whichever process did
  the work — API, workers or scheduler): the outbox's messages by status
  (``perla_outbox_messages``: the queue depth), the age of the oldest message still waiting
  for delivery (``perla_outbox_lag_seconds``), the WhatsApp messages perla sent by delivery
  status (``perla_whatsapp_messages``: ``queued``, ``accepted``, ``sent``, ``delivered``,
  ``read``, ``failed``) and the e-mails sent and failed (``perla_emails``: ``sent`` counts the
  e-mail handlers' recorded runs, ``failed`` the outbox messages an e-mail handler gave up
  on). If the database does not answer, ``perla_stored_figures_up`` is 0 and the other
  stored figures are left out of that scrape.

The route is unauthenticated: keep it off the public internet (bind the scrape to an internal
network or block ``/metrics`` at the proxy), or turn it off with ``PERLA_METRICS_ENABLED=false``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Final

import attrs
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from perla_core.inquiries.delivery import EMAIL_HANDLER as INQUIRY_EMAIL_HANDLER
from perla_core.metrics.stored import StoredFigures
from perla_entrypoints.billing_wiring import EMAIL_EXECUTIVES

SUPPLIER_EMAIL_HANDLER: Final = "mail.supplier_request"
EMAIL_HANDLERS: Final = (SUPPLIER_EMAIL_HANDLER, INQUIRY_EMAIL_HANDLER, EMAIL_EXECUTIVES)
"""The outbox handlers that each send one e-mail per run."""
LATENCY_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class StoredFiguresCollector(Collector):
    """Reads :class:`StoredFigures` on every scrape (``read``) and reports them as gauges."""

    def __init__(self, read: Callable[[], StoredFigures], now: Callable[[], datetime]) -> None:
        self._read = read
        self._now = now

    def collect(self) -> Iterable[GaugeMetricFamily]:
        up = GaugeMetricFamily(
            "perla_stored_figures_up", "1 when the database answered this scrape's queries"
        )
        try:
            figures = self._read()
        except Exception:  # noqa: BLE001 - a scrape reports the outage instead of failing
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        depth = GaugeMetricFamily(
            "perla_outbox_messages",
            "Outbox messages by status (the queue depth)",
            labels=["status"],
        )
        for status, count in figures.outbox.items():
            depth.add_metric([status], count)
        yield depth
        lag = GaugeMetricFamily(
            "perla_outbox_lag_seconds",
            "Age of the oldest outbox message waiting for delivery (0 when none waits)",
        )
        oldest = figures.oldest_waiting_at
        lag.add_metric([], max((self._now() - oldest).total_seconds(), 0.0) if oldest else 0.0)
        yield lag
        whatsapp = GaugeMetricFamily(
            "perla_whatsapp_messages",
            "WhatsApp messages perla sent, by delivery status (queued: not sent yet)",
            labels=["status"],
        )
        for status, count in figures.whatsapp.items():
            whatsapp.add_metric([status], count)
        yield whatsapp
        emails = GaugeMetricFamily(
            "perla_emails", "E-mails sent and failed (given up on)", labels=["result"]
        )
        emails.add_metric(["sent"], figures.emails_sent)
        emails.add_metric(["failed"], figures.emails_failed)
        yield emails


@attrs.frozen
class HttpMetrics:
    """The request counter and latency histogram of one app (on its own registry)."""

    registry: CollectorRegistry
    requests: Counter
    latency: Histogram

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)


def build_metrics(
    read: Callable[[], StoredFigures] | None, now: Callable[[], datetime]
) -> HttpMetrics:
    """A fresh registry with the HTTP metrics and, given ``read``, the stored figures."""
    registry = CollectorRegistry(auto_describe=True)
    requests = Counter(
        "perla_http_requests",
        "HTTP requests by method, route template and status",
        ["method", "route", "status"],
        registry=registry,
    )
    latency = Histogram(
        "perla_http_request_duration_seconds",
        "HTTP request latency by method and route template",
        ["method", "route"],
        buckets=LATENCY_BUCKETS,
        registry=registry,
    )
    if read is not None:
        registry.register(StoredFiguresCollector(read, now))
    return HttpMetrics(registry, requests, latency)
