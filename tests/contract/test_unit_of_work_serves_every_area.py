"""The one unit of work is the one every area's use cases take.

mypy checks the first half: :class:`UnitOfWork` is accepted wherever the policy, the
credential and the supplier use cases ask for their narrower ``PolicyUnitOfWork``,
``CredentialUnitOfWork`` and ``SupplierUnitOfWork``. The tests run those use cases on every
adapter.
"""

from __future__ import annotations

from uuid import UUID

from tests.contract.builders import NewUow, a_validated_client, complete_hotel, stored_clients

from perla_adapters.memory import FixedClock, SequentialIds, StaticSecrets
from perla_core.access.model import Actor, Role
from perla_core.credentials.commands import IssueCredential, RevokeCredential
from perla_core.credentials.model import CredentialStatus, PolicyCoverage
from perla_core.credentials.ports import CredentialUnitOfWork, PolicyLookup
from perla_core.credentials.services import issue_credential, list_credentials, revoke_credential
from perla_core.policies.commands import AddMarginRule, SetGlobalRules, SetPricedScope
from perla_core.policies.ports import PolicyUnitOfWork
from perla_core.policies.services import (
    add_margin_rule,
    get_global_rules,
    get_policy,
    set_global_rules,
    set_priced_scope,
)
from perla_core.suppliers.commands import (
    AcknowledgeSupplierRequest,
    CreateSupplierRequest,
    MarkSupplierRequestSent,
    SendSupplierRequest,
    UpdateSupplierRequest,
)
from perla_core.suppliers.model import SupplierRequestStatus
from perla_core.suppliers.ports import SupplierRequestQuery, SupplierUnitOfWork
from perla_core.suppliers.services import (
    acknowledge_supplier_request,
    create_supplier_request,
    get_supplier_request,
    list_supplier_requests,
    mark_supplier_request_sent,
    send_supplier_request,
    supplier_email_to_send,
    update_supplier_request,
)
from perla_core.uow import UnitOfWork

AGENT = Actor("ana.agent", Role.AGENT)
ADMIN = Actor("root", Role.ADMIN)


def as_policy_unit_of_work(uow: UnitOfWork) -> PolicyUnitOfWork:
    return uow


def as_credential_unit_of_work(uow: UnitOfWork) -> CredentialUnitOfWork:
    return uow


def as_supplier_unit_of_work(uow: UnitOfWork) -> SupplierUnitOfWork:
    return uow


def _policy_lookup(new_uow: NewUow) -> PolicyLookup:
    def lookup(client_id: UUID) -> PolicyCoverage | None:
        with new_uow() as uow:
            return uow.policies.get_for_client(client_id)

    return lookup


def _base_rule(client_id: UUID) -> AddMarginRule:
    return AddMarginRule(
        client_id=client_id,
        name="Base",
        kind="percent",
        value="12",
        booking_from="2026-01-01",
        booking_to="2026-12-31",
        reason="alta",
    )


class TestUnitOfWorkServesEveryArea:
    def test_policy_use_cases_run_on_the_unit_of_work(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        client = a_validated_client(clock, ids)
        stored_clients(new_uow, client)

        limits = set_global_rules(
            SetGlobalRules(min_margin_percent="1", max_margin_percent="40"),
            as_policy_unit_of_work(new_uow()),
            ADMIN,
        )
        receipt = add_margin_rule(
            _base_rule(client.id),
            new_uow(),
            clock,
            ids,
            AGENT,
        )

        assert get_global_rules(new_uow(), AGENT) == limits
        policy = get_policy(client.id, new_uow(), AGENT)
        assert (policy.version, policy.revision) == (receipt.version, receipt.revision) == (1, 1)
        assert policy.rules[0].name == "Base"

    def test_credential_use_cases_run_on_the_unit_of_work(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        client = a_validated_client(clock, ids)
        stored_clients(new_uow, client)
        add_margin_rule(
            _base_rule(client.id),
            new_uow(),
            clock,
            ids,
            AGENT,
        )
        set_priced_scope(
            SetPricedScope(client.id, "alta", currencies=["EUR"], products=["hotels"]),
            new_uow(),
            clock,
            AGENT,
        )

        issued = issue_credential(
            IssueCredential(client.id, "test", products=["hotels"], currencies=["EUR"]),
            as_credential_unit_of_work(new_uow()),
            clock,
            ids,
            StaticSecrets(),
            _policy_lookup(new_uow),
            AGENT,
        )
        revoke_credential(
            RevokeCredential(issued.credential_id, reason="fin"), new_uow(), clock, AGENT
        )

        [credential] = list_credentials(client.id, new_uow(), AGENT)
        assert (credential.id, credential.status) == (
            issued.credential_id,
            CredentialStatus.REVOKED,
        )
        with new_uow() as uow:
            topics = [m.topic for m in uow.outbox.for_aggregate(issued.credential_id)]
        assert topics == ["credentials.credential_issued", "credentials.credential_revoked"]

    def test_supplier_use_cases_run_on_the_unit_of_work(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        hotel = complete_hotel()
        stars = hotel.pop("stars")
        request_id = create_supplier_request(
            CreateSupplierRequest(**hotel, matched_hotel_ref="H-CADIZ-1"),
            as_supplier_unit_of_work(new_uow()),
            clock,
            ids,
            AGENT,
        )
        assert get_supplier_request(request_id, new_uow(), AGENT).status is (
            SupplierRequestStatus.DRAFT
        )
        update_supplier_request(
            UpdateSupplierRequest(request_id, expected_version=1, stars=stars),
            new_uow(),
            clock,
            AGENT,
        )
        send_supplier_request(SendSupplierRequest(request_id), new_uow(), clock, AGENT)
        email = supplier_email_to_send(request_id, new_uow(), AGENT)
        assert email is not None
        mark_supplier_request_sent(MarkSupplierRequestSent(request_id, 1), new_uow(), clock, AGENT)
        version = acknowledge_supplier_request(
            AcknowledgeSupplierRequest(request_id, "PRV-1"), new_uow(), clock, AGENT
        )

        page = list_supplier_requests(
            SupplierRequestQuery(status=SupplierRequestStatus.ACKNOWLEDGED), new_uow(), AGENT
        )
        [request] = page.items
        assert (request.id, request.version, request.dome_supplier_code) == (
            request_id,
            version,
            "PRV-1",
        )
        assert email.message_id == request.message_id
        with new_uow() as uow:
            topics = [m.topic for m in uow.outbox.for_aggregate(request_id)]
        assert topics == [
            "suppliers.supplier_request_created",
            "suppliers.supplier_request_updated",
            "suppliers.supplier_request_send_requested",
            "suppliers.supplier_request_sent",
            "suppliers.supplier_request_acknowledged",
        ]
