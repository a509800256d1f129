"""The campaigns' ports on every adapter (memory, SQLite, PostgreSQL): runs, the dormant
selection with its exclusions, recipients unique by (run, client), claims, the funnel's
counts and the opt-out registry."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest
from tests.unit.campaigns.data import (
    LATELY,
    LONG_AGO,
    NOW,
    NewUow,
    a_client,
    an_inbound_message,
    an_order,
    contact_of,
)

from perla_adapters.memory import FixedClock, SequentialIds
from perla_core.campaigns.model import (
    CampaignConfig,
    CampaignRun,
    Exclusion,
    RecipientStatus,
    RunRecipient,
    RunStatus,
)
from perla_core.campaigns.ports import DormancyQuery
from perla_core.kernel.errors import AlreadyExists, NotFound, StaleVersion

QUERY = DormancyQuery(
    inactive_before=NOW - timedelta(days=240), surveyed_since=NOW - timedelta(days=90)
)


def a_run(new_uow: NewUow, ids: SequentialIds) -> CampaignRun:
    run = CampaignRun.schedule(ids.new_id(), CampaignConfig(), now=NOW, actor="test")
    with new_uow() as uow:
        uow.campaigns.add_run(run)
        uow.commit()
    return run


def test_a_run_is_stored_read_and_saved_optimistically(new_uow: NewUow, ids: SequentialIds) -> None:
    run = a_run(new_uow, ids)
    with new_uow() as uow, pytest.raises(AlreadyExists):
        uow.campaigns.add_run(CampaignRun.schedule(run.id, CampaignConfig(), now=NOW, actor="x"))
    with new_uow() as uow:
        stored = uow.campaigns.get_run(run.id)
        assert stored.status is RunStatus.SCHEDULED
        assert stored.config == CampaignConfig()
        assert stored.created_at == NOW
        stored.start(now=NOW, actor="test")
        uow.campaigns.save_run(stored)
        uow.commit()
    with new_uow() as uow:
        again = uow.campaigns.get_run(run.id)
        assert (again.status, again.started_at, again.version) == (RunStatus.RUNNING, NOW, 2)
        assert [r.id for r in uow.campaigns.open_runs()] == [run.id]
        run.cancel(now=NOW, actor="test")  # the stale copy, version 1
        with pytest.raises(StaleVersion):
            uow.campaigns.save_run(run)
    with new_uow() as uow, pytest.raises(NotFound):
        uow.campaigns.get_run(UUID(int=1))


def test_recent_runs_are_the_latest_of_any_status_newest_first(
    new_uow: NewUow, ids: SequentialIds
) -> None:
    older = a_run(new_uow, ids)
    newer = CampaignRun.schedule(
        ids.new_id(), CampaignConfig(), now=NOW + timedelta(days=1), actor="test"
    )
    newer.cancel(now=NOW + timedelta(days=1), actor="test")
    with new_uow() as uow:
        uow.campaigns.add_run(newer)
        uow.commit()
    with new_uow() as uow:
        assert [r.id for r in uow.campaigns.recent_runs(5)] == [newer.id, older.id]
        assert [r.id for r in uow.campaigns.recent_runs(1)] == [newer.id]
        assert [r.id for r in uow.campaigns.open_runs()] == [older.id]


def test_the_dormant_selection_reads_every_interaction_and_gives_the_first_exclusion(
    new_uow: NewUow, ids: SequentialIds
) -> None:
    eligible = a_client(new_uow, 1)
    a_client(new_uow, 2, last_contact_at=LATELY)  # in touch lately: not dormant
    ordered = a_client(new_uow, 3)
    an_order(new_uow, ordered, LATELY, ids)  # ordered lately: not dormant
    a_client(new_uow, 4)
    an_inbound_message(new_uow, 4, LATELY, ids)  # wrote lately: not dormant
    a_client(new_uow, 5, created_at=LATELY)  # new client: not dormant
    no_phone = a_client(new_uow, 6, phone=False)
    no_consent = a_client(new_uow, 7, consent=False)
    opted = a_client(new_uow, 8)
    old_order = a_client(new_uow, 9, last_contact_at=LONG_AGO)
    an_order(new_uow, old_order, LONG_AGO, ids)
    with new_uow() as uow:
        assert uow.opt_outs.add("+" + contact_of(8), NOW, "survey")
        uow.commit()
    with new_uow() as uow:
        found = uow.campaigns.dormant_candidates(QUERY, after=None, limit=100)
    assert [(c.client_id, c.contact, c.exclusion) for c in found] == [
        (eligible, contact_of(1), None),
        (no_phone, None, Exclusion.NO_WHATSAPP),
        (no_consent, contact_of(7), Exclusion.NO_CONSENT),
        (opted, contact_of(8), Exclusion.OPTED_OUT),
        (old_order, contact_of(9), None),
    ]


def test_the_selection_pages_by_client_id_and_skips_the_recently_surveyed(
    new_uow: NewUow, ids: SequentialIds
) -> None:
    clients = [a_client(new_uow, n) for n in range(1, 6)]
    with new_uow() as uow:
        first = uow.campaigns.dormant_candidates(QUERY, after=None, limit=2)
        second = uow.campaigns.dormant_candidates(QUERY, after=first[-1].client_id, limit=2)
        third = uow.campaigns.dormant_candidates(QUERY, after=second[-1].client_id, limit=2)
    assert [c.client_id for c in first + second + third] == clients
    run = a_run(new_uow, ids)
    sent = RunRecipient(run.id, clients[0], contact_of(1))
    with new_uow() as uow:
        uow.campaigns.add_recipients([sent])
        sent.mark_sent(NOW - timedelta(days=10), ids.new_id(), "ref-1")
        uow.campaigns.save_recipient(sent)
        uow.commit()
    with new_uow() as uow:
        found = uow.campaigns.dormant_candidates(QUERY, after=None, limit=1)
    assert found[0].exclusion is Exclusion.SURVEYED_RECENTLY


def test_recipients_are_unique_by_run_and_client_and_claimed_pending_first(
    new_uow: NewUow, ids: SequentialIds
) -> None:
    run = a_run(new_uow, ids)
    rows = [RunRecipient(run.id, UUID(int=n), f"549{n}") for n in (3, 1, 2)]
    excluded = RunRecipient(
        run.id, UUID(int=9), None, RecipientStatus.EXCLUDED, Exclusion.NO_WHATSAPP
    )
    with new_uow() as uow:
        assert uow.campaigns.add_recipients([*rows, excluded]) == 4
        uow.commit()
    with new_uow() as uow:
        assert uow.campaigns.add_recipients(rows[:2]) == 0  # a second selection: no-op
        claimed = uow.campaigns.claim_pending(run.id, 2)
        assert [r.client_id.int for r in claimed] == [1, 2]
        claimed[0].mark_sent(NOW, UUID(int=77), "msg-1")
        uow.campaigns.save_recipient(claimed[0])
        uow.commit()
    with new_uow() as uow:
        assert [r.client_id.int for r in uow.campaigns.claim_pending(run.id, 5)] == [2, 3]
        stored = uow.campaigns.recipient(run.id, UUID(int=1))
        assert stored is not None
        assert (stored.status, stored.sent_at, stored.sent_on) == (
            RecipientStatus.SENT,
            NOW,
            NOW.date(),
        )
        assert (stored.conversation_id, stored.message_ref) == (UUID(int=77), "msg-1")
        assert uow.campaigns.sent_on(NOW.date()) == 1
        assert uow.campaigns.sent_on(NOW.date() + timedelta(days=1)) == 0
        assert uow.campaigns.sent_count(run.id) == 1
        assert [
            r.client_id.int for r in uow.campaigns.sent_recipients(run.id, after=None, limit=5)
        ] == [1]
        assert uow.campaigns.counts(run.id) == {
            (RecipientStatus.PENDING, None): 2,
            (RecipientStatus.SENT, None): 1,
            (RecipientStatus.EXCLUDED, Exclusion.NO_WHATSAPP): 1,
        }
        assert uow.campaigns.recipient(run.id, UUID(int=55)) is None
        with pytest.raises(NotFound):
            uow.campaigns.save_recipient(RunRecipient(run.id, UUID(int=55), None))


def test_recovered_counts_an_order_after_the_answer_within_the_window(
    new_uow: NewUow, ids: SequentialIds
) -> None:
    quick, late, early, silent = (a_client(new_uow, n) for n in range(1, 5))
    run = a_run(new_uow, ids)
    answered = NOW - timedelta(days=60)
    with new_uow() as uow:
        rows = [RunRecipient(run.id, cid, None) for cid in (quick, late, early, silent)]
        uow.campaigns.add_recipients(rows)
        for r in rows[:3]:
            r.answered_at = answered
            r.answers = (("sigue_en_el_rubro", "si"),)
            uow.campaigns.save_recipient(r)
        uow.commit()
    an_order(new_uow, quick, answered + timedelta(days=3), ids)
    an_order(new_uow, late, answered + timedelta(days=45), ids)
    an_order(new_uow, early, answered - timedelta(days=1), ids)
    an_order(new_uow, silent, answered + timedelta(days=1), ids)
    with new_uow() as uow:
        assert uow.campaigns.recovered(run.id, timedelta(days=30)) == 1
        assert uow.campaigns.recovered(run.id, timedelta(days=50)) == 2
        stored = uow.campaigns.recipient(run.id, quick)
        assert stored is not None
        assert stored.answers == (("sigue_en_el_rubro", "si"),)


def test_opt_outs_are_kept_once_per_number(new_uow: NewUow) -> None:
    with new_uow() as uow:
        assert uow.opt_outs.add("+5491155500001", NOW, "survey")
        assert not uow.opt_outs.add("5491155500001", NOW, "bot")
        uow.commit()
    with new_uow() as uow:
        assert uow.opt_outs.is_opted_out("5491155500001")
        assert uow.opt_outs.is_opted_out("+5491155500001")
        assert not uow.opt_outs.is_opted_out("5491155500002")
        assert uow.opt_outs.count() == 1


def test_the_account_keeps_the_whatsapp_consent_and_the_survey_answers(
    new_uow: NewUow, clock: FixedClock
) -> None:
    cid = a_client(new_uow, 1, consent=False)
    with new_uow() as uow:
        account = uow.customer_accounts.get(cid)
        assert account is not None
        assert not account.whatsapp_consent
        account.record_whatsapp_consent(True, now=NOW)
        account.record_survey_answers((("motivo", "precio"),), now=NOW)
        uow.customer_accounts.save(account)
        uow.commit()
    with new_uow() as uow:
        stored = uow.customer_accounts.get(cid)
        assert stored is not None
        assert stored.whatsapp_consent
        assert stored.survey_answers == {"motivo": "precio"}
        assert stored.last_contact_at == NOW
