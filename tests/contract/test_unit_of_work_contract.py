"""The unit of work's promises, kept by every adapter (memory, SQLite, PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import pytest
from tests.contract.builders import LIMITS, a_credential, a_validated_client

from perla_adapters.memory import FixedClock, SequentialIds
from perla_core.access.model import ApiKey, Role
from perla_core.credentials.events import CredentialRevoked
from perla_core.kernel.errors import NotFound, StaleVersion
from perla_core.kernel.values import Email
from perla_core.onboarding.events import DetailsChanged, LeadRegistered
from perla_core.onboarding.model import Client
from perla_core.outbox import OutboxStatus
from perla_core.policies.events import PolicyPricedScopeChanged
from perla_core.policies.model import CommercialPolicy
from perla_core.uow import UnitOfWork

NewUow = Callable[[], UnitOfWork]


def _lead(clock: FixedClock, ids: SequentialIds, name: str = "Viajes Ñandú") -> Client:
    return Client.register_lead(
        client_id=ids.new_id(),
        trade_name=name,
        country="ES",
        now=clock.now(),
        actor="ana",
        email=Email.parse("hola@nandu.es"),
    )


def _stored(new_uow: NewUow, client_id: UUID) -> Client | None:
    with new_uow() as uow:
        try:
            return uow.clients.get(client_id)
        except NotFound:
            return None


class TestUnitOfWorkContract:
    def test_a_committed_lead_is_there_for_the_next_unit_of_work(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        lead = _lead(clock, ids)
        with new_uow() as uow:
            uow.clients.add(lead)
            uow.commit()

        stored = _stored(new_uow, lead.id)
        assert stored is not None
        assert stored.trade_name == "Viajes Ñandú"
        assert stored.version == 1

    def test_nothing_persists_when_the_block_ends_without_a_commit(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        lead = _lead(clock, ids)
        with new_uow() as uow:
            uow.clients.add(lead)

        assert _stored(new_uow, lead.id) is None

    def test_an_error_inside_the_block_rolls_everything_back(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        lead = _lead(clock, ids)

        def add_then_fail() -> None:
            with new_uow() as uow:
                uow.clients.add(lead)
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError, match="boom"):
            add_then_fail()

        assert _stored(new_uow, lead.id) is None

    def test_after_a_commit_the_block_goes_on_in_a_new_transaction(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        first, second = _lead(clock, ids, "Primero"), _lead(clock, ids, "Segundo")
        with new_uow() as uow:
            uow.clients.add(first)
            uow.commit()
            uow.clients.add(second)

        assert _stored(new_uow, first.id) is not None
        assert _stored(new_uow, second.id) is None

    def test_an_explicit_rollback_discards_the_writes_and_the_block_goes_on(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        discarded, kept = _lead(clock, ids, "Descartado"), _lead(clock, ids, "Guardado")
        with new_uow() as uow:
            uow.clients.add(discarded)
            uow.rollback()
            uow.clients.add(kept)
            uow.commit()

        assert _stored(new_uow, discarded.id) is None
        assert _stored(new_uow, kept.id) is not None
        with new_uow() as uow:
            assert [m.event.trade_name for m in uow.outbox.for_aggregate(kept.id)] == ["Guardado"]
            assert uow.outbox.for_aggregate(discarded.id) == []

    def test_writes_to_every_repository_commit_or_roll_back_together(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        for commit in (False, True):
            lead = _lead(clock, ids)
            key = ApiKey.issue(
                key_id=ids.new_id(),
                name="ops",
                role=Role.AGENT,
                prefix=f"p{commit}",
                secret="s",
                now=clock.now(),
            )
            message_id = ids.new_id()
            with new_uow() as uow:
                uow.clients.add(lead)
                uow.api_keys.add(key)
                uow.processed.record(message_id, "mailer", clock.now())
                if commit:
                    uow.commit()

            with new_uow() as uow:
                assert (_stored(new_uow, lead.id) is not None) is commit
                assert (uow.api_keys.by_prefix(key.prefix) is not None) is commit
                assert uow.processed.seen(message_id, "mailer") is commit
                assert (len(uow.outbox.for_aggregate(lead.id)) == 1) is commit

    def test_when_two_units_of_work_edit_one_client_the_second_save_is_stale(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        lead = _lead(clock, ids)
        with new_uow() as uow:
            uow.clients.add(lead)
            uow.commit()

        with new_uow() as first, new_uow() as second:
            mine = first.clients.get(lead.id)
            theirs = second.clients.get(lead.id)
            mine.change_details({"notes": "mine"}, now=clock.now(), actor="ana")
            theirs.change_details({"notes": "theirs"}, now=clock.now(), actor="bea")
            first.clients.save(mine)
            first.commit()
            with pytest.raises(StaleVersion) as stale:
                second.clients.save(theirs)

        assert stale.value.details == {"expected": 1, "actual": 2}
        stored = _stored(new_uow, lead.id)
        assert stored is not None
        assert (stored.notes, stored.version) == ("mine", 2)

    def test_events_reach_the_outbox_on_commit_with_their_topic_and_payload(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        lead = _lead(clock, ids)
        registered = lead.events[0]
        assert isinstance(registered, LeadRegistered)
        with new_uow() as uow:
            uow.clients.add(lead)
            uow.commit()

        assert lead.events == []
        with new_uow() as uow:
            [message] = uow.outbox.for_aggregate(lead.id)
        assert message.topic == "onboarding.lead_registered"
        assert message.aggregate_id == lead.id
        assert message.event == registered
        assert message.status is OutboxStatus.PENDING
        assert message.created_at == clock.now()
        assert message.available_at == clock.now()

    def test_events_of_a_loaded_and_edited_client_reach_the_outbox_on_commit(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        lead = _lead(clock, ids)
        with new_uow() as uow:
            uow.clients.add(lead)
            uow.commit()

        with new_uow() as uow:
            loaded = uow.clients.get(lead.id)
            loaded.change_details(
                {"notes": "llamar el lunes", "website": "https://nandu.es"},
                now=clock.now(),
                actor="ana",
            )
            uow.clients.save(loaded)
            uow.commit()

        with new_uow() as uow:
            topics = [m.topic for m in uow.outbox.for_aggregate(lead.id)]
            last = uow.outbox.for_aggregate(lead.id)[-1].event
        assert topics == ["onboarding.lead_registered", "onboarding.details_changed"]
        assert last == DetailsChanged(lead.id, clock.now(), "ana", ("website", "notes"))

    def test_events_of_a_rolled_back_unit_of_work_never_reach_the_outbox(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        lead = _lead(clock, ids)
        with new_uow() as uow:
            uow.clients.add(lead)
            uow.rollback()
            uow.commit()

        assert lead.events == []
        with new_uow() as uow:
            assert uow.outbox.for_aggregate(lead.id) == []
            assert sum(uow.outbox.count_by_status().values()) == 0

    def test_events_of_every_aggregate_reach_the_outbox_in_the_order_they_were_touched(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        client = a_validated_client(clock, ids)
        credential = a_credential(clock, ids, client)
        with new_uow() as uow:
            uow.clients.add(client)
            uow.credentials.add(credential)
            uow.commit()

        policy = CommercialPolicy.open(client_id=client.id, now=clock.now(), actor="ana")
        with new_uow() as uow:
            uow.policies.add(policy)
            loaded_credential = uow.credentials.get(credential.id)
            loaded_credential.revoke(now=clock.now(), actor="ana", reason="baja")
            uow.credentials.save(loaded_credential)
            loaded_client = uow.clients.get(client.id)
            loaded_client.record_technical_validation("xml", True, now=clock.now(), actor="bea")
            uow.clients.save(loaded_client)
            policy.set_priced(
                currencies=["EUR"], global_rules=LIMITS, actor="ana", now=clock.now(),
                reason="tarifas en euros",
            )  # fmt: skip
            uow.policies.save(policy)
            uow.commit()

        assert policy.events == loaded_credential.events == loaded_client.events == []
        with new_uow() as uow:
            messages = uow.outbox.claim_pending(clock.now(), 100)
        assert [(m.topic, m.aggregate_id) for m in messages] == [
            ("policies.policy_created", client.id),
            ("policies.priced_scope_changed", client.id),
            ("credentials.credential_revoked", credential.id),
            ("onboarding.technical_validation_recorded", client.id),
        ]
        assert isinstance(messages[2].event, CredentialRevoked)
        assert messages[2].event.reason == "baja"
        assert messages[1].event == PolicyPricedScopeChanged(
            client.id, clock.now(), "ana", 1, "tarifas en euros", ("EUR",), ()
        )

    def test_events_of_credentials_and_policies_never_reach_the_outbox_without_a_commit(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        client = a_validated_client(clock, ids)
        credential = a_credential(clock, ids, client)
        with new_uow() as uow:
            uow.clients.add(client)
            uow.credentials.add(credential)
            uow.commit()

        policy = CommercialPolicy.open(client_id=client.id, now=clock.now(), actor="ana")
        with new_uow() as uow:
            uow.policies.add(policy)
            loaded = uow.credentials.get(credential.id)
            loaded.revoke(now=clock.now(), actor="ana")
            uow.credentials.save(loaded)

        assert policy.events == loaded.events == []
        with new_uow() as uow:
            assert sum(uow.outbox.count_by_status().values()) == 0
            assert uow.policies.get_for_client(client.id) is None
            assert uow.credentials.get(credential.id).status.value == "suspended"
