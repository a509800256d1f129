"""The load generator of ``python -m bench load``: a process of its own (asyncio + httpx).

``python -m bench.load_client`` reads a :class:`Plan` as JSON on stdin, opens ``connections``
keep-alive connections to ``base_url`` and runs that many tasks, each looping through the same
weighted cycle of operations (:data:`MIX`) until ``seconds`` have passed after a
``warmup_seconds`` warm-up that is not measured. It prints a :class:`Result` as JSON on stdout.

The operations, the same paths on perla and on the bare baseline:

- ``webhook``: ``POST /webhooks/zenvia``, an inbound WhatsApp MESSAGE event (Zenvia's wire
  format, :func:`event`) from one of the task's own contacts, "hola" and
  "gracias" in turn, with the shared-secret header; 202 expected;
- ``get_client``: ``GET /api/v1/clients/{id}`` of a seeded client; 200;
- ``list_clients``: ``GET /api/v1/clients?limit=20&offset=...``; 200;
- ``catalogue``: ``GET /api/v1/catalogue/products?limit=20&offset=...``; 200;
- ``register_lead``: ``POST /api/v1/leads`` with a new trade name and e-mail; 201;
- ``update_lead``: ``PATCH /api/v1/leads/{id}`` of a lead this task registered, with the
  version its last answer carried (so the optimistic lock never refuses it); 200.

Anything else (another status, a transport error or a timeout) is an error; the first few are
kept as examples. Webhooks answered ``accepted`` are counted (warm-up included) for the bot
replies' count check.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any, Final

import attrs
import cattrs
import httpx

MIX: Final = (
    ("webhook", 6),
    ("get_client", 4),
    ("list_clients", 3),
    ("catalogue", 3),
    ("register_lead", 2),
    ("update_lead", 2),
)
"""Operations and their weight in every task's cycle of 20 requests."""
API_KINDS: Final = frozenset(kind for kind, _ in MIX if kind != "webhook")
EXPECTED: Final = {
    "webhook": 202,
    "get_client": 200,
    "list_clients": 200,
    "catalogue": 200,
    "register_lead": 201,
    "update_lead": 200,
}
TIMEOUT_SECONDS: Final = 30.0
EXAMPLES: Final = 5


@attrs.frozen
class Plan:
    """What to load and how (the JSON this process reads on stdin)."""

    base_url: str
    seconds: float
    connections: int
    client_ids: list[str]
    clients_total: int
    products_total: int
    warmup_seconds: float = 2.0
    api_key: str | None = None
    webhook_secret: str | None = None
    webhook_header: str = "X-Perla-Webhook-Secret"
    run_tag: str = "load"
    """Makes this run's trade names, e-mails and contacts unique in the database."""


@attrs.frozen
class Result:
    """What one run measured (warm-up excluded): latencies in ms and errors per operation,
    plus the webhooks accepted (warm-up included). :meth:`merged` adds runs up."""

    seconds: float
    latencies: dict[str, list[float]]
    errors: dict[str, int]
    webhooks_accepted: int
    error_examples: list[str]
    cpu_seconds: float
    """This process's CPU time over the measured window (near ``seconds``: the client was the
    bottleneck)."""

    @classmethod
    def merged(cls, runs: list[Result]) -> Result:
        latencies: dict[str, list[float]] = {}
        errors: dict[str, int] = {}
        for run in runs:
            for kind, samples in run.latencies.items():
                latencies.setdefault(kind, []).extend(samples)
            for kind, count in run.errors.items():
                errors[kind] = errors.get(kind, 0) + count
        return cls(
            seconds=sum(r.seconds for r in runs),
            latencies=latencies,
            errors=errors,
            webhooks_accepted=sum(r.webhooks_accepted for r in runs),
            error_examples=[e for r in runs for e in r.error_examples][:EXAMPLES],
            cpu_seconds=sum(r.cpu_seconds for r in runs),
        )

    def samples(self, *, api_only: bool = False) -> list[float]:
        return [
            x
            for kind, samples in self.latencies.items()
            if kind in API_KINDS or not api_only
            for x in samples
        ]

    @property
    def requests(self) -> int:
        return len(self.samples())

    @property
    def api_requests(self) -> int:
        return len(self.samples(api_only=True))

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def event(text: str, contact: str) -> bytes:
    """An inbound WhatsApp MESSAGE event in Zenvia's wire format (as ``bench.webhooks``
    builds it; copied so this process imports no perla module)."""
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    message = {
        "id": str(uuid.uuid4()),
        "from": contact,
        "to": "5491100000000",
        "direction": "IN",
        "channel": "whatsapp",
        "timestamp": now,
        "contents": [{"type": "text", "text": text}],
        "visitor": {"name": "Martín"},
    }
    body = {
        "id": str(uuid.uuid4()),
        "timestamp": now,
        "type": "MESSAGE",
        "subscriptionId": str(uuid.uuid4()),
        "channel": "whatsapp",
        "direction": "IN",
        "message": message,
    }
    return json.dumps(body).encode()


def quantile(samples: list[float], q: float) -> float:
    if not samples:
        return 0.0
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


@attrs.define
class Recorder:
    """Latencies and errors per operation while ``measuring``; accepted webhooks always."""

    measuring: bool = False
    latencies: dict[str, list[float]] = attrs.field(factory=dict)
    errors: dict[str, int] = attrs.field(factory=dict)
    examples: list[str] = attrs.field(factory=list)
    accepted: int = 0

    def record(self, kind: str, seconds: float, error: str | None) -> None:
        if error is not None and len(self.examples) < EXAMPLES:
            self.examples.append(f"{kind}: {error}")
        if not self.measuring:
            return
        self.latencies.setdefault(kind, []).append(seconds * 1000)
        if error is not None:
            self.errors[kind] = self.errors.get(kind, 0) + 1

    def result(self, seconds: float, cpu_seconds: float) -> Result:
        return Result(
            seconds=seconds,
            latencies={k: [round(x, 3) for x in v] for k, v in self.latencies.items()},
            errors=dict(self.errors),
            webhooks_accepted=self.accepted,
            error_examples=self.examples,
            cpu_seconds=cpu_seconds,
        )


@attrs.define
class Task:
    """One connection's loop: its contacts, its leads and their versions."""

    number: int
    plan: Plan
    http: httpx.AsyncClient
    recorder: Recorder
    leads: dict[str, int] = attrs.field(factory=dict)
    counter: itertools.count[int] = attrs.field(factory=itertools.count)

    def _n(self) -> int:
        return next(self.counter)

    async def one(self, kind: str) -> None:
        if kind == "update_lead" and not self.leads:
            kind = "register_lead"  # nothing of its own to edit yet
        began = time.perf_counter()
        error: str | None = None
        try:
            response = await self._request(kind)
            if response.status_code != EXPECTED[kind]:
                error = f"{response.status_code} {response.text[:300]}"
            else:
                self._after(kind, response)
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        self.recorder.record(kind, time.perf_counter() - began, error)

    async def _request(self, kind: str) -> httpx.Response:
        n, plan = self._n(), self.plan
        if kind == "webhook":
            contact = f"54911{self.number:04d}{n % 50:04d}"
            body = event("hola" if (n // 50) % 2 == 0 else "gracias", contact)
            headers = {"Content-Type": "application/json"}
            if plan.webhook_secret is not None:
                headers[plan.webhook_header] = plan.webhook_secret
            return await self.http.post("/webhooks/zenvia", content=body, headers=headers)
        if kind == "get_client":
            client_id = plan.client_ids[(self.number * 7919 + n) % len(plan.client_ids)]
            return await self.http.get(f"/api/v1/clients/{client_id}")
        if kind == "list_clients":
            offset = (self.number * 31 + n) * 20 % max(1, plan.clients_total - 20)
            return await self.http.get("/api/v1/clients", params={"limit": 20, "offset": offset})
        if kind == "catalogue":
            offset = (self.number * 37 + n) * 20 % max(1, plan.products_total - 20)
            return await self.http.get(
                "/api/v1/catalogue/products", params={"limit": 20, "offset": offset}
            )
        if kind == "update_lead" and self.leads:
            lead_id, version = next(iter(self.leads.items()))
            self.leads.pop(lead_id)  # round robin over this task's leads
            self.leads[lead_id] = version
            changes = {"version": version, "notes": f"Seguimiento {n}: llamar el martes"}
            return await self.http.patch(f"/api/v1/leads/{lead_id}", json=changes)
        tag = f"{plan.run_tag}-{self.number}-{n}"
        lead = {
            "trade_name": f"Seguridad {tag} SRL",
            "country": "AR",
            "email": f"compras-{tag}@ejemplo.com.ar",
            "phone": "+54 11 4321-0000",
            "business_type": "travel_agency",
        }
        return await self.http.post("/api/v1/leads", json=lead)

    def _after(self, kind: str, response: httpx.Response) -> None:
        if kind == "webhook":
            if response.json().get("status") == "accepted":
                self.recorder.accepted += 1
        elif kind in ("register_lead", "update_lead"):
            body = response.json()
            self.leads[str(body["id"])] = int(body["version"])

    async def loop(self, until: float) -> None:
        cycle = [kind for kind, weight in MIX for _ in range(weight)]
        # every task starts elsewhere in the cycle, so the mix holds at any moment
        start = self.number * 7 % len(cycle)
        for kind in itertools.cycle(cycle[start:] + cycle[:start]):
            if time.monotonic() >= until:
                return
            await self.one(kind)


async def run(plan: Plan) -> Result:
    headers = {} if plan.api_key is None else {"Authorization": f"Bearer {plan.api_key}"}
    limits = httpx.Limits(
        max_connections=plan.connections, max_keepalive_connections=plan.connections
    )
    recorder = Recorder()
    async with httpx.AsyncClient(
        base_url=plan.base_url, headers=headers, limits=limits, timeout=TIMEOUT_SECONDS
    ) as http:
        tasks = [Task(n, plan, http, recorder) for n in range(plan.connections)]
        warm_until = time.monotonic() + plan.warmup_seconds
        warm = [asyncio.create_task(t.loop(warm_until)) for t in tasks]
        await asyncio.gather(*warm)
        recorder.measuring = True
        began, cpu = time.monotonic(), time.process_time()
        until = began + plan.seconds
        await asyncio.gather(*(t.loop(until) for t in tasks))
        elapsed, cpu_seconds = time.monotonic() - began, time.process_time() - cpu
    return recorder.result(elapsed, cpu_seconds)


def main() -> int:
    plan = cattrs.structure(json.load(sys.stdin), Plan)
    result = asyncio.run(run(plan))
    json.dump(cattrs.unstructure(result), sys.stdout)
    return 0


def read_result(text: str) -> Result:
    """The :class:`Result` a client process printed."""
    data: dict[str, Any] = json.loads(text)
    return cattrs.structure(data, Result)


if __name__ == "__main__":
    raise SystemExit(main())
