"""Conversion + registration in Dome and PerlaHub through the HTTP adapters, against the
simulators on loopback, with PostgreSQL: p95 per client, and the share of that time spent
outside the network calls (perla's own work: units of work, outbox, mapping)."""

from __future__ import annotations

import threading
import time
from typing import Any

from dependency_injector import providers
from tests.support.servers import running_server

from bench.harness import Figure, p
from bench.postgres import scratch_database
from perla_adapters.dome import HttpDomeGateway
from perla_adapters.perlahub import HttpPerlaHubGateway
from perla_adapters.simulators import create_simulator
from perla_core.access.model import Actor, Role
from perla_core.onboarding import services
from perla_core.onboarding.commands import AddressInput, AdvanceLead, ConvertLead, RegisterLead
from perla_entrypoints.container import build_container
from perla_entrypoints.workers import drain_outbox

CLIENTS = 150
KEY = "bench-key"


class Timed:
    """Wraps a gateway and adds up the seconds spent inside its calls."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.seconds = 0.0
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._inner, name)
        if not callable(target):
            return target

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return target(*args, **kwargs)
            finally:
                with self._lock:
                    self.seconds += time.perf_counter() - start

        return timed


def _cif(n: int) -> str:
    from stdnum.es import cif  # noqa: PLC0415

    body = f"B{10_000_00 + n:07d}"
    return body + cif.calc_check_digits(body)[0]


def run() -> list[Figure]:
    with (
        scratch_database() as url,
        running_server(create_simulator("dome", api_key=KEY)) as dome_url,
        running_server(create_simulator("perlahub", api_key=KEY)) as hub_url,
    ):
        container = build_container(database_url=url, log_level="WARNING")
        container.storage().migrate()
        dome = Timed(HttpDomeGateway(dome_url, KEY))
        hub = Timed(HttpPerlaHubGateway(hub_url, KEY))
        container.dome.override(providers.Object(dome))
        container.perlahub.override(providers.Object(hub))
        agent = Actor("bench", Role.AGENT)
        clock, ids, uow = container.clock(), container.ids(), container.uow
        totals: list[float] = []
        network: list[float] = []
        for n in range(CLIENTS):
            lead = services.register_lead(
                RegisterLead(
                    trade_name=f"Agencia {n}",
                    country="ES",
                    legal_name=f"Agencia {n} S.L.",
                    tax_id=_cif(n),
                    email=f"a{n}@agencia.es",
                    business_type="travel_agency",
                    addresses=[
                        AddressInput("Calle Mayor 1", "Madrid", "28013", "ES", default_billing=True)
                    ],
                ),
                uow(),
                clock,
                ids,
                agent,
            )
            services.advance_lead(AdvanceLead(lead, "mark_contacted"), uow(), clock, agent)
            drain_outbox(container)
            before = dome.seconds + hub.seconds
            start = time.perf_counter()
            services.convert_lead(ConvertLead(lead), uow(), clock, agent)
            drain_outbox(container)
            totals.append(time.perf_counter() - start)
            network.append(dome.seconds + hub.seconds - before)
            assert services.get_client(lead, uow(), agent).status == "registered"
        container.storage().close()
    shares = [1 - net / total for net, total in zip(network, totals, strict=True)]
    return [
        Figure(
            "conversion + Dome + PerlaHub registration p95",
            "ms",
            p(totals, 0.95) * 1e3,
            goal="info",
            note=f"{CLIENTS} clients, HTTP adapters vs simulators, PostgreSQL",
        ),
        Figure(
            "  share of that time outside the network calls (median)",
            "%",
            sorted(shares)[len(shares) // 2] * 100,
            goal="info",
        ),
    ]
