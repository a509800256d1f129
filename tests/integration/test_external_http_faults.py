"""An external system answering 500, 429, slowly, with garbage, or not at all: the HTTP
adapters retry what is safe to retry, never what is not, create nothing twice, and end in a
typed error naming the problem. Real sockets: the simulators run under uvicorn on loopback.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import attrs
import pytest
import structlog
from tests.contract.test_dome_gateway import a_customer, a_key
from tests.contract.test_perlahub_gateway import a_credential, an_agency
from tests.support.servers import SimulatorControl, running_server

from perla_adapters.dome import HttpDomeGateway
from perla_adapters.dome.simulator import create_dome_simulator
from perla_adapters.http_support import retry_after_seconds
from perla_adapters.perlahub import HttpPerlaHubGateway
from perla_adapters.perlahub.simulator import create_perlahub_simulator
from perla_core.gateways.errors import (
    ExternalAuthenticationFailed,
    ExternalConflict,
    ExternalProtocolError,
    ExternalRejected,
    ExternalUnavailable,
)
from perla_core.gateways.perlahub import CredentialStatus, Environment

API_KEY = "fault-test-key-7f3a9c"
CUSTOMERS = "/api/v1/customers"


@pytest.fixture(scope="module")
def dome_url() -> Iterator[str]:
    with running_server(create_dome_simulator(api_key=API_KEY)) as url:
        yield url


@pytest.fixture(scope="module")
def perlahub_url() -> Iterator[str]:
    with running_server(create_perlahub_simulator(api_key=API_KEY)) as url:
        yield url


@pytest.fixture
def dome_sim(dome_url: str) -> SimulatorControl:
    control = SimulatorControl(dome_url)
    control.reset()
    return control


@pytest.fixture
def perlahub_sim(perlahub_url: str) -> SimulatorControl:
    control = SimulatorControl(perlahub_url)
    control.reset()
    return control


@pytest.fixture
def waits() -> list[float]:
    """The adapters' sleeps between attempts, recorded instead of slept."""
    return []


def dome_adapter(
    url: str, waits: list[float], *, timeout: float = 5, retries: int = 3, key: str = API_KEY
) -> HttpDomeGateway:
    return HttpDomeGateway(
        url, key, timeout=timeout, retries=retries, backoff=0.01, sleep=waits.append
    )


def eventually(check: object, within: float = 3.0) -> None:
    """Wait until ``check()`` is true: delayed requests finish after the client gave up."""
    assert callable(check)
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            pytest.fail("the simulator did not settle in time")
        time.sleep(0.02)


@pytest.mark.parametrize("after_processing", [False, True], ids=["before", "after the work"])
def test_a_create_answered_500_twice_is_retried_and_exactly_one_customer_exists(
    dome_sim: SimulatorControl, waits: list[float], after_processing: bool
) -> None:
    dome = dome_adapter(dome_sim.base_url, waits)
    dome_sim.fault(status=500, count=2, after_processing=after_processing)
    request, key = a_customer(), a_key()

    customer = dome.create_customer(request, key)

    sent = dome_sim.requests("POST", CUSTOMERS)
    assert [r["status"] for r in sent] == [500, 500, 201]
    assert {r["idempotency_key"] for r in sent} == {key}
    assert [c["code"] for c in dome_sim.records("customers")] == [customer.code]
    assert len(waits) == 2


def test_a_get_answered_503_then_ok_is_retried(
    dome_sim: SimulatorControl, waits: list[float]
) -> None:
    dome = dome_adapter(dome_sim.base_url, waits)
    customer = dome.create_customer(a_customer(), a_key())
    dome_sim.fault(status=503, method="GET")

    assert dome.get_customer(customer.code) == customer
    assert [r["status"] for r in dome_sim.requests("GET")] == [503, 200]


def test_a_429_with_retry_after_is_waited_out_before_the_retry(
    dome_sim: SimulatorControl, waits: list[float]
) -> None:
    dome = dome_adapter(dome_sim.base_url, waits)
    dome_sim.fault(status=429, retry_after=2)

    dome.create_customer(a_customer(), a_key())

    assert waits == [2.0]
    assert [r["status"] for r in dome_sim.requests("POST", CUSTOMERS)] == [429, 201]


def test_a_retry_after_longer_than_the_adapter_may_wait_is_reported_at_once(
    dome_sim: SimulatorControl, waits: list[float]
) -> None:
    dome = dome_adapter(dome_sim.base_url, waits)
    dome_sim.fault(status=503, retry_after=120)

    with pytest.raises(ExternalUnavailable) as caught:
        dome.create_customer(a_customer(), a_key())

    assert caught.value.retry_after == 120
    assert caught.value.attempts == 1
    assert waits == []
    assert len(dome_sim.requests("POST", CUSTOMERS)) == 1


def test_a_create_that_keeps_timing_out_is_retried_then_reported_unavailable_and_done_once(
    dome_sim: SimulatorControl, waits: list[float]
) -> None:
    dome = dome_adapter(dome_sim.base_url, waits, timeout=0.1, retries=2)
    dome_sim.fault(delay_ms=400, count=3)
    request = a_customer()

    with pytest.raises(ExternalUnavailable, match=r"did not answer within 0\.1s") as caught:
        dome.create_customer(request, a_key())

    assert caught.value.attempts == 3
    assert caught.value.retryable
    assert len(dome_sim.requests("POST", CUSTOMERS)) == 3
    # the slow system still did the work: once, whatever the number of attempts
    eventually(lambda: all(r["status"] for r in dome_sim.requests("POST", CUSTOMERS)))
    assert [c["external_ref"] for c in dome_sim.records("customers")] == [request.external_ref]


def test_a_timeout_then_an_answer_gives_the_customer_created_once(
    dome_sim: SimulatorControl, waits: list[float]
) -> None:
    dome = dome_adapter(dome_sim.base_url, waits, timeout=0.25)
    dome_sim.fault(delay_ms=600)
    request = a_customer()

    customer = dome.create_customer(request, a_key())

    eventually(lambda: all(r["status"] for r in dome_sim.requests("POST", CUSTOMERS)))
    assert [c["code"] for c in dome_sim.records("customers")] == [customer.code]


def test_an_html_page_instead_of_json_is_a_protocol_error(
    dome_sim: SimulatorControl, waits: list[float]
) -> None:
    dome = dome_adapter(dome_sim.base_url, waits)
    dome_sim.fault(garbage=True)

    with pytest.raises(ExternalProtocolError, match="text/html, not JSON"):
        dome.create_customer(a_customer(), a_key())

    assert len(dome_sim.requests("POST", CUSTOMERS)) == 1


def test_json_of_the_wrong_shape_is_a_protocol_error_naming_what_is_wrong(
    dome_sim: SimulatorControl, waits: list[float]
) -> None:
    dome = dome_adapter(dome_sim.base_url, waits)
    dome_sim.fault(status=201, body={"code": 42, "status": "active"})

    with pytest.raises(ExternalProtocolError) as caught:
        dome.create_customer(a_customer(), a_key())

    assert "code must be a string" in caught.value.message
    assert "external_ref is required" in caught.value.message


def test_a_400_is_never_retried(dome_sim: SimulatorControl, waits: list[float]) -> None:
    dome = dome_adapter(dome_sim.base_url, waits)

    with pytest.raises(ExternalRejected) as caught:
        dome.create_customer(a_customer(email="nobody"), a_key())

    assert caught.value.fields == ["email"]
    assert caught.value.remote_status == 400
    assert len(dome_sim.requests("POST", CUSTOMERS)) == 1
    assert waits == []


def test_a_conflict_is_never_retried(dome_sim: SimulatorControl, waits: list[float]) -> None:
    dome = dome_adapter(dome_sim.base_url, waits)
    key = a_key()
    dome.create_customer(a_customer(), key)

    with pytest.raises(ExternalConflict):
        dome.create_customer(a_customer(), key)

    assert len(dome_sim.requests("POST", CUSTOMERS)) == 2
    assert waits == []


def test_an_unreachable_system_is_unavailable_after_every_retry(waits: list[float]) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    dome = dome_adapter(f"http://127.0.0.1:{closed_port}", waits, retries=2)

    with pytest.raises(ExternalUnavailable, match="could not reach dome") as caught:
        dome.get_customer("C000001")

    assert caught.value.attempts == 3
    assert len(waits) == 2


def test_a_call_that_is_not_idempotent_is_not_retried(
    perlahub_sim: SimulatorControl, waits: list[float]
) -> None:
    hub = HttpPerlaHubGateway(perlahub_sim.base_url, API_KEY, backoff=0.01, sleep=waits.append)
    agency = hub.create_agency(an_agency(), a_key())
    perlahub_sim.fault(status=500, path_prefix="/api/v1/agencies/", method="POST")

    with pytest.raises(ExternalUnavailable) as caught:
        hub.test_connection(agency.agency_id, "nandu", Environment.TEST)

    assert caught.value.attempts == 1
    assert len(perlahub_sim.requests("POST", f"/api/v1/agencies/{agency.agency_id}/")) == 1
    assert waits == []


def test_a_credential_push_whose_answer_was_lost_is_applied_once(
    perlahub_sim: SimulatorControl, waits: list[float]
) -> None:
    hub = HttpPerlaHubGateway(perlahub_sim.base_url, API_KEY, backoff=0.01, sleep=waits.append)
    agency = hub.create_agency(an_agency(), a_key())
    credential = a_credential(agency, status=CredentialStatus.SUSPENDED)
    perlahub_sim.fault(status=502, after_processing=True, method="PUT")

    pushed = hub.upsert_credential(credential, a_key())

    assert pushed.status == CredentialStatus.SUSPENDED
    assert [r["status"] for r in perlahub_sim.requests("PUT")] == [502, 200]
    assert [c["credential_id"] for c in perlahub_sim.records("credentials")] == [
        credential.credential_id
    ]


def test_a_refused_api_key_is_an_authentication_failure_that_never_shows_the_key(
    dome_sim: SimulatorControl, waits: list[float]
) -> None:
    wrong = "wrong-key-d41d8cd98f"
    dome = dome_adapter(dome_sim.base_url, waits, key=wrong)
    dome_sim.fault(status=503)

    with (
        structlog.testing.capture_logs() as logs,
        pytest.raises(ExternalAuthenticationFailed) as caught,
    ):
        dome.create_customer(a_customer(), a_key())

    assert caught.value.remote_status == 401
    assert not caught.value.retryable
    assert logs, "the retry after the 503 is logged"
    for text in (str(caught.value), repr(caught.value), str(logs), repr(dome)):
        assert wrong not in text
        assert API_KEY not in text


def test_a_retry_after_given_as_an_http_date_counts_from_now() -> None:
    now = datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)

    assert retry_after_seconds("Mon, 02 Mar 2026 10:00:30 GMT", now) == 30.0
    assert retry_after_seconds("5", now) == 5.0
    assert retry_after_seconds("soon", now) is None
    assert (
        retry_after_seconds((now - timedelta(seconds=5)).strftime("%a, %d %b %Y %H:%M:%S GMT"), now)
        == 0.0
    )


def test_the_simulators_refuse_a_create_without_an_idempotency_key(
    dome_sim: SimulatorControl,
) -> None:
    import httpx  # noqa: PLC0415 - a raw call, below the adapter

    body = attrs.asdict(a_customer(), recurse=True)
    body["contacts"] = list(body["contacts"])
    response = httpx.post(
        f"{dome_sim.base_url}{CUSTOMERS}",
        json=body,
        headers={"Authorization": f"Bearer {API_KEY}"},
    )

    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"] == [{"field": "Idempotency-Key", "message": "is required"}]
    assert dome_sim.records("customers") == []
