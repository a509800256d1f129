"""The go-live checklist: what a client needs before it sells live through PerlaHub.

A validated record, the client registered in Dome and in PerlaHub, at least one active live
credential, a recent passing connection test with one of them, and the technical validations
passed. :func:`golive_checklist` is pure: the caller passes what it read; go-live is refused
with :class:`GoLiveRefused`, which lists everything still missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from uuid import UUID

import attrs

from perla_core.credentials.model import (
    VALIDATED_RECORD_STATUSES,
    ConnectionTest,
    Credential,
    Environment,
)
from perla_core.kernel.errors import PreconditionFailed
from perla_core.onboarding.model import Client

DEFAULT_MAX_TEST_AGE = timedelta(days=7)


@attrs.frozen
class ChecklistItem:
    """One condition of go-live: ``key`` is stable, ``label`` and ``detail`` are for people."""

    key: str
    label: str
    passed: bool
    detail: str


@attrs.frozen
class Checklist:
    """The go-live conditions of a client as they stood at ``checked_at``."""

    client_id: UUID
    checked_at: datetime
    items: tuple[ChecklistItem, ...]

    @property
    def ready(self) -> bool:
        return all(item.passed for item in self.items)

    @property
    def blocking(self) -> list[ChecklistItem]:
        return [item for item in self.items if not item.passed]

    @property
    def missing(self) -> list[str]:
        """The keys of what blocks go-live, in checklist order."""
        return [item.key for item in self.blocking]

    def require_ready(self) -> None:
        """Raise :class:`GoLiveRefused` unless every item passed."""
        if not self.ready:
            raise GoLiveRefused(self)


class GoLiveRefused(PreconditionFailed):
    """The client cannot go live yet; ``missing`` holds the keys of the failing items and
    ``blocking`` the items themselves."""

    code = "go_live_refused"
    title = "Go-live refused"

    def __init__(self, checklist: Checklist) -> None:
        self.checklist = checklist
        self.blocking = checklist.blocking
        super().__init__(
            "the client cannot go live yet: "
            + "; ".join(f"{i.label.lower()} ({i.detail})" for i in self.blocking),
            missing=checklist.missing,
        )
        self.details["blocking"] = [
            {"key": i.key, "label": i.label, "detail": i.detail} for i in self.blocking
        ]


def golive_checklist(
    client: Client,
    credentials: Iterable[Credential],
    technical_validations: Mapping[str, bool],
    *,
    dome_customer_id: str | None,
    perlahub_agency_id: str | None,
    now: datetime,
    max_test_age: timedelta = DEFAULT_MAX_TEST_AGE,
) -> Checklist:
    """Check every go-live condition of ``client``.

    ``credentials`` are the client's (others are ignored); ``technical_validations`` maps each
    validation PerlaHub ran to whether it passed, and an empty mapping does not pass; the ids
    are those Dome and PerlaHub returned when the client was registered (``None`` if not yet).
    """
    live = [
        c
        for c in credentials
        if c.client_id == client.id and c.environment is Environment.LIVE and c.is_active
    ]
    return Checklist(
        client_id=client.id,
        checked_at=now,
        items=(
            _validated_record(client),
            _registered("registered_in_dome", "Registered in Dome", "customer", dome_customer_id),
            _registered(
                "registered_in_perlahub", "Registered in PerlaHub", "agency", perlahub_agency_id
            ),
            _live_credential(live),
            _connection_test(live, now, max_test_age),
            _technical_validations(technical_validations),
        ),
    )


def _validated_record(client: Client) -> ChecklistItem:
    label = "Client record validated"
    if client.is_lead:
        return ChecklistItem("validated_record", label, False, f"still a lead ({client.status})")
    passed = client.client_status in VALIDATED_RECORD_STATUSES
    detail = f"status {client.status}" + ("" if passed else ": an agent must validate the record")
    return ChecklistItem("validated_record", label, passed, detail)


def _registered(key: str, label: str, kind: str, external_id: str | None) -> ChecklistItem:
    system = label.removeprefix("Registered in ")
    if external_id and external_id.strip():
        return ChecklistItem(key, label, True, f"{system} {kind} {external_id.strip()}")
    return ChecklistItem(key, label, False, f"no {system} {kind} id recorded")


def _live_credential(live: list[Credential]) -> ChecklistItem:
    label = "Active live credential"
    if not live:
        return ChecklistItem("live_credential", label, False, "no active live credential")
    names = ", ".join(c.username for c in live)
    return ChecklistItem("live_credential", label, True, names)


def _connection_test(live: list[Credential], now: datetime, max_age: timedelta) -> ChecklistItem:
    key, label = "connection_test", "Connection test passed with a live credential"
    cutoff = now - max_age
    tested = [(c, c.last_connection_test) for c in live if c.last_connection_test is not None]
    passing = [(c, t) for c, t in tested if t.passed_since(cutoff)]
    if passing:
        credential, test = max(passing, key=lambda pair: pair[1].at)
        detail = f"{credential.username} passed at {_when(test)} in {test.latency_ms} ms"
        return ChecklistItem(key, label, True, detail)
    if not live:
        return ChecklistItem(key, label, False, "no active live credential to test")
    if not tested:
        return ChecklistItem(key, label, False, "no live credential has been tested")
    credential, test = max(tested, key=lambda pair: pair[1].at)
    if not test.ok:
        detail = f"the last test, with {credential.username} at {_when(test)}, failed: "
        return ChecklistItem(key, label, False, detail + (test.message or "no reason given"))
    days = max_age.total_seconds() / 86_400
    detail = f"the last passing test ({_when(test)}) is older than {days:g} days"
    return ChecklistItem(key, label, False, detail)


def _technical_validations(results: Mapping[str, bool]) -> ChecklistItem:
    key, label = "technical_validations", "Technical validations passed"
    if not results:
        return ChecklistItem(key, label, False, "no technical validation recorded")
    failed = sorted(name for name, passed in results.items() if not passed)
    if failed:
        return ChecklistItem(key, label, False, "failed: " + ", ".join(failed))
    return ChecklistItem(key, label, True, "passed: " + ", ".join(sorted(results)))


def _when(test: ConnectionTest) -> str:
    return test.at.strftime("%Y-%m-%d %H:%M %Z").strip()
