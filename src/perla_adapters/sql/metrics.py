"""Conversation metrics computed by the database (SQLite or PostgreSQL), never by loading the
conversations: the messages and handoffs are read out of each conversation's JSON ``body``
with the database's own JSON functions (``json_each`` on SQLite, ``json_array_elements`` on
PostgreSQL) into a common shape, and every figure is one SQL query over it, with window
functions only (the turns, what follows each message, the nearest-rank percentiles): one sort
per conversation, no self-join, so the cost grows with the messages, not their square. Only
the conversations active since the period began are read (``last_activity_at``). Times are
whole milliseconds since the epoch, days their integer division by a day's milliseconds (UTC
days). Definitions:
``docs/metrics.md``; the memory adapter is the reference computation.
"""

# Every SQL text below interpolates only this module's constants and the dialect's fixed
# fragments; every value is a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Final
from uuid import UUID

from sqlalchemy import Connection, Uuid, bindparam, text

from perla_adapters.sql.tables import UtcDateTime
from perla_core.billing.services import WHATSAPP_ACTOR_PREFIX
from perla_core.metrics.model import (
    CampaignFigures,
    ConversationMetrics,
    MetricsQuery,
    Percentiles,
    ResponseTimes,
    day_of,
    millis,
)

_DAY_MS: Final = 86_400_000
_TOTAL: Final = -1


def _ms_sqlite(iso: str) -> str:
    return f"CAST(ROUND((julianday({iso}) - 2440587.5) * 86400000.0) AS INTEGER)"


def _ms_postgres(timestamp: str) -> str:
    return f"CAST(ROUND(EXTRACT(EPOCH FROM {timestamp}) * 1000) AS BIGINT)"


# The contacts a campaign run sent its template to (``:run``).
_RUN_CONTACTS = """
    SELECT r.contact FROM campaign_recipients r
    WHERE r.run_id = :run AND r.sent_at IS NOT NULL AND r.contact IS NOT NULL"""


def _sources(dialect: str, campaign: bool) -> tuple[str, str, str]:
    """The dialect's messages (``m0``) and handoffs (``h``) selects, and an order's time;
    with ``campaign``, only the conversations of the run's contacts."""
    where = "WHERE c.last_activity_at >= :since AND c.created_at < :until"
    if campaign:
        where += f" AND c.contact IN ({_RUN_CONTACTS})"
    if dialect == "postgresql":
        at = "CAST(j.v->>'at' AS timestamptz)"
        messages = f"""
            SELECT c.id AS conv, j.ord AS idx, j.v->>'direction' AS direction,
                   j.v->>'author' AS author, j.v->>'status' AS status,
                   j.v->>'payload' AS payload, j.v->>'text' AS mtext, {_ms_postgres(at)} AS ms
            FROM conversations c
            CROSS JOIN LATERAL json_array_elements(c.body->'messages') WITH ORDINALITY AS j(v, ord)
            {where}"""
        handoffs = f"""
            SELECT c.id AS conv, j.v->>'reason' AS reason, {_ms_postgres(at)} AS ms
            FROM conversations c
            CROSS JOIN LATERAL json_array_elements(c.body->'handoffs') WITH ORDINALITY AS j(v, ord)
            {where}"""
        return messages, handoffs, _ms_postgres("o.created_at")
    at = "json_extract(j.value, '$.at')"
    messages = f"""
        SELECT c.id AS conv, CAST(j.key AS INTEGER) AS idx,
               json_extract(j.value, '$.direction') AS direction,
               json_extract(j.value, '$.author') AS author,
               json_extract(j.value, '$.status') AS status,
               json_extract(j.value, '$.payload') AS payload,
               json_extract(j.value, '$.text') AS mtext, {_ms_sqlite(at)} AS ms
        FROM conversations c, json_each(c.body, '$.messages') AS j
        {where}"""
    handoffs = f"""
        SELECT c.id AS conv, json_extract(j.value, '$.reason') AS reason, {_ms_sqlite(at)} AS ms
        FROM conversations c, json_each(c.body, '$.handoffs') AS j
        {where}"""
    return messages, handoffs, _ms_sqlite("o.created_at")


# The messages as sent (failed outgoing ones left out), numbered in conversation order; then,
# per message, ``g`` the number of outgoing messages before it (the rows sharing ``conv, g``
# are one customer turn and its answer: inbound*, then at most one outbound), and
# ``next_in_ms`` the earliest time of an inbound message after it. Window functions only:
# one sort per conversation, no self-join, no correlated subquery.
_E = """
    m AS (
        SELECT conv, direction, author, status, payload, mtext, ms,
               ROW_NUMBER() OVER (PARTITION BY conv ORDER BY idx) AS seq,
               CASE WHEN direction = 'outbound' THEN 1 ELSE 0 END AS outb
        FROM m0
        WHERE NOT (direction = 'outbound' AND status IS NOT NULL AND status = 'failed')
    ), e AS (
        SELECT conv, direction, author, status, payload, mtext, ms, seq,
               SUM(outb) OVER (PARTITION BY conv ORDER BY seq ROWS UNBOUNDED PRECEDING) - outb
                   AS g,
               MIN(CASE WHEN direction = 'inbound' THEN ms END) OVER (
                   PARTITION BY conv ORDER BY seq
                   ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING
               ) AS next_in_ms
        FROM m
    )"""

_IN_PERIOD = "ms >= :since_ms AND ms < :until_ms"

_COUNTS = f"""
    SELECT ms / {_DAY_MS} AS dayn,
           SUM(CASE WHEN direction = 'inbound' THEN 1 ELSE 0 END) AS msg_in,
           SUM(CASE WHEN direction = 'outbound' AND author = 'bot' THEN 1 ELSE 0 END) AS out_bot,
           SUM(CASE WHEN direction = 'outbound' AND author <> 'bot' THEN 1 ELSE 0 END)
               AS out_human,
           SUM(CASE WHEN direction = 'outbound' AND status = 'read'
                         AND ms + :window_ms <= :now_ms
                         AND (next_in_ms IS NULL OR next_in_ms > ms + :window_ms)
                    THEN 1 ELSE 0 END) AS seen_unanswered
    FROM e WHERE {_IN_PERIOD}
    GROUP BY ms / {_DAY_MS}"""

_DISTINCT = f"""
    , marked AS (
        SELECT conv, ms / {_DAY_MS} AS dayn,
               CASE WHEN g > 0 THEN 1 ELSE 0 END AS responding
        FROM e
        WHERE direction = 'inbound' AND {_IN_PERIOD}
    )
    SELECT dayn, COUNT(DISTINCT CASE WHEN responding = 1 THEN conv END) AS responding
    FROM marked GROUP BY dayn
    UNION ALL
    SELECT {_TOTAL}, COUNT(DISTINCT CASE WHEN responding = 1 THEN conv END)
    FROM marked"""

_TIMES = f"""
    , started AS (
        SELECT conv, g, direction, author, ms,
               FIRST_VALUE(ms) OVER (PARTITION BY conv, g ORDER BY seq) AS start_ms
        FROM e
    ), turns AS (
        SELECT conv, g, MAX(start_ms) AS start_ms,
               MAX(CASE WHEN direction = 'outbound' THEN ms END) AS answer_ms,
               MAX(CASE WHEN direction = 'outbound' THEN author END) AS answer_author
        FROM started
        GROUP BY conv, g
        HAVING SUM(CASE WHEN direction = 'inbound' THEN 1 ELSE 0 END) > 0
    ), numbered AS (
        SELECT start_ms / {_DAY_MS} AS dayn, answer_ms, answer_ms - start_ms AS wait,
               CASE WHEN answer_author = 'bot' THEN 'bot' ELSE 'human' END AS who,
               ROW_NUMBER() OVER (PARTITION BY conv, start_ms / {_DAY_MS} ORDER BY g) AS nth
        FROM turns
        WHERE start_ms >= :since_ms AND start_ms < :until_ms
    ), samples AS (
        SELECT 'response' AS kind, who, dayn, wait FROM numbered WHERE answer_ms IS NOT NULL
        UNION ALL
        SELECT 'first', who, dayn, wait FROM numbered WHERE answer_ms IS NOT NULL AND nth = 1
    ), every AS (
        SELECT kind, who, dayn, wait FROM samples
        UNION ALL SELECT kind, who, {_TOTAL}, wait FROM samples
    ), ranked AS (
        SELECT kind, who, dayn, wait,
               ROW_NUMBER() OVER (PARTITION BY kind, who, dayn ORDER BY wait) AS rn,
               COUNT(*) OVER (PARTITION BY kind, who, dayn) AS n
        FROM every
    )
    SELECT kind, who, dayn, n, wait,
           CASE WHEN rn = (n * 50 + 99) / 100 THEN 1 ELSE 0 END AS is_p50,
           CASE WHEN rn = (n * 95 + 99) / 100 THEN 1 ELSE 0 END AS is_p95
    FROM ranked
    WHERE rn = (n * 50 + 99) / 100 OR rn = (n * 95 + 99) / 100"""


class SqlAlchemyMetricsReader:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def _rows(self, sql: str, params: Mapping[str, Any]) -> Sequence[Any]:
        binds: list[Any] = [
            bindparam(n, type_=UtcDateTime()) for n in ("since", "until") if f":{n}" in sql
        ]
        if ":run" in sql:
            binds.append(bindparam("run", type_=Uuid()))
        statement = text(sql).bindparams(*binds)
        return self._conn.execute(statement, dict(params)).all()

    def conversation_metrics(
        self, query: MetricsQuery, as_of: datetime
    ) -> Sequence[ConversationMetrics]:
        run = query.run_id
        messages, handoff_rows, order_ms = _sources(self._conn.dialect.name, run is not None)
        params: dict[str, Any] = {
            "since": query.since,
            "until": query.until,
            "since_ms": query.since_ms,
            "until_ms": query.until_ms,
            "window_ms": query.window_ms,
            "now_ms": millis(as_of),
        }
        if run is not None:
            params["run"] = run
        with_m = f"WITH m0 AS ({messages}),{_E}"

        counts: dict[int, Counter[str]] = defaultdict(Counter)
        for dayn, msg_in, out_bot, out_human, unanswered in self._rows(with_m + _COUNTS, params):
            for key in (int(dayn), _TOTAL):
                counts[key].update(
                    in_=int(msg_in),
                    bot=int(out_bot),
                    human=int(out_human),
                    unanswered=int(unanswered),
                )
        for dayn, responding in self._rows(with_m + _DISTINCT, params):
            counts[int(dayn)].update(responding=int(responding))
        opt_out_sql = f"""
            SELECT {order_ms.replace("o.created_at", "x.opted_out_at")} / {_DAY_MS}, COUNT(*)
            FROM campaign_opt_outs x
            WHERE x.opted_out_at >= :since AND x.opted_out_at < :until
            {"" if run is None else f"AND x.contact IN ({_RUN_CONTACTS})"}
            GROUP BY 1"""
        for dayn, opt_outs in self._rows(opt_out_sql, params):
            for key in (int(dayn), _TOTAL):
                counts[key].update(opt_outs=int(opt_outs))

        percentiles: dict[tuple[str, str, int], list[int | None]] = {}
        for kind, who, dayn, n, wait, is_p50, is_p95 in self._rows(with_m + _TIMES, params):
            entry = percentiles.setdefault((kind, who, int(dayn)), [int(n), None, None])
            if is_p50:
                entry[1] = int(wait)
            if is_p95:
                entry[2] = int(wait)

        handoffs: dict[int, Counter[str]] = defaultdict(Counter)
        handoff_sql = f"""
            WITH h AS ({handoff_rows})
            SELECT ms / {_DAY_MS} AS dayn, reason, COUNT(*) FROM h
            WHERE {_IN_PERIOD} GROUP BY ms / {_DAY_MS}, reason"""
        for dayn, reason, count in self._rows(handoff_sql, params):
            for key in (int(dayn), _TOTAL):
                handoffs[key][str(reason)] += int(count)

        conversions_sql = f"""
            WITH won AS (
                SELECT c.id AS conv, {order_ms} / {_DAY_MS} AS dayn
                FROM orders o JOIN conversations c ON o.created_by = :prefix || c.contact
                WHERE o.created_at >= :since AND o.created_at < :until
                {"" if run is None else f"AND c.contact IN ({_RUN_CONTACTS})"}
            )
            SELECT dayn, COUNT(DISTINCT conv) FROM won GROUP BY dayn
            UNION ALL SELECT {_TOTAL}, COUNT(DISTINCT conv) FROM won"""
        conversions = {
            int(dayn): int(count)
            for dayn, count in self._rows(
                conversions_sql, {**params, "prefix": WHATSAPP_ACTOR_PREFIX}
            )
        }

        keys = (
            set(counts)
            | {key for _, _, key in percentiles}
            | set(handoffs)
            | {k for k, v in conversions.items() if v}
        )
        keys.add(_TOTAL)

        def times(kind: str, key: int) -> ResponseTimes:
            def one(who: str) -> Percentiles:
                found = percentiles.get((kind, who, key))
                if found is None:
                    return Percentiles()
                n, p50, p95 = found
                return Percentiles.of_millis(n or 0, p50, p95)

            return ResponseTimes(one("bot"), one("human"))

        return [
            ConversationMetrics(
                day=None if key == _TOTAL else day_of(key),
                messages_in=counts[key]["in_"],
                messages_out_bot=counts[key]["bot"],
                messages_out_human=counts[key]["human"],
                conversations_responding=counts[key]["responding"],
                first_response=times("first", key),
                response=times("response", key),
                seen_unanswered=counts[key]["unanswered"],
                handoffs=dict(sorted(handoffs[key].items())),
                conversions=conversions.get(key, 0),
                opt_outs=counts[key]["opt_outs"],
            )
            for key in sorted(keys)
        ]

    def campaign_metrics(self, query: MetricsQuery) -> Sequence[CampaignFigures]:
        postgres = self._conn.dialect.name == "postgresql"
        ms = _ms_postgres if postgres else _ms_sqlite
        run_filter = "" if query.run_id is None else "AND r.run_id = :run"
        params: dict[str, Any] = {"since": query.since, "until": query.until}
        if query.run_id is not None:
            params["run"] = query.run_id
        # every figure is a recipient's timestamp in the period: one row per (run, figure, day)
        events = " UNION ALL ".join(
            f"""SELECT r.run_id AS run, '{figure}' AS figure, {ms(column)} / {_DAY_MS} AS dayn
                FROM campaign_recipients r
                WHERE {column} >= :since AND {column} < :until {condition} {run_filter}"""
            for figure, column, condition in (
                ("sent", "r.sent_at", ""),
                ("answered", "r.answered_at", "AND r.status IN ('answered', 'completed')"),
                ("completed", "r.finished_at", "AND r.status = 'completed'"),
                ("opted_out", "r.finished_at", "AND r.status = 'opted_out'"),
            )
        )
        counts: dict[tuple[UUID, int], Counter[str]] = defaultdict(Counter)
        for run, figure, dayn, n in self._rows(
            f"SELECT run, figure, dayn, COUNT(*) FROM ({events}) ev GROUP BY run, figure, dayn",
            params,
        ):
            for key in (int(dayn), _TOTAL):
                counts[_uuid(run), key][str(figure)] += int(n)
        runs = self._runs(run_filter.replace("r.run_id", "cr.id"), params)
        # recovered: the first order of each answered recipient after answering; the run's
        # window (its configuration) is applied here, to one row per such recipient
        first_orders = f"""
            SELECT r.run_id, r.answered_at, MIN(o.created_at)
            FROM campaign_recipients r
            JOIN orders o ON o.client_id = r.client_id AND o.created_at >= r.answered_at
            WHERE r.answered_at IS NOT NULL AND r.answered_at < :until {run_filter}
            GROUP BY r.run_id, r.client_id, r.answered_at"""
        for run, answered, ordered in self._rows(first_orders, params):
            run_id = _uuid(run)
            answered_at, ordered_at = _moment(answered), _moment(ordered)
            window = runs.get(run_id, (None, None, 30))[2]
            at = millis(ordered_at)
            within = ordered_at - answered_at <= timedelta(days=window)
            if within and query.since_ms <= at < query.until_ms:
                for key in (at // _DAY_MS, _TOTAL):
                    counts[run_id, key]["recovered"] += 1
        rows: list[CampaignFigures] = []
        for run_id, (name, created, _) in runs.items():
            created_ms = millis(created)
            in_period = query.since_ms <= created_ms < query.until_ms
            if query.run_id is None and not in_period and (run_id, _TOTAL) not in counts:
                continue
            keys = sorted(k for r, k in counts if r == run_id and k != _TOTAL)
            for key in (*keys, _TOTAL):
                figures = counts.get((run_id, key), Counter())
                rows.append(
                    CampaignFigures(
                        run_id,
                        None if key == _TOTAL else day_of(key),
                        name,
                        created,
                        sent=figures["sent"],
                        answered=figures["answered"],
                        completed=figures["completed"],
                        opted_out=figures["opted_out"],
                        recovered=figures["recovered"],
                    )
                )
        return rows

    def _runs(
        self, run_filter: str, params: Mapping[str, Any]
    ) -> dict[UUID, tuple[str, datetime, int]]:
        """The runs that may have figures in the period (created before it ended): name,
        creation and recovered window in days."""
        sql = f"""SELECT cr.id, cr.campaign, cr.created_at, cr.config FROM campaign_runs cr
                  WHERE cr.created_at < :until {run_filter}"""
        found: dict[UUID, tuple[str, datetime, int]] = {}
        for run, name, created, config in self._rows(sql, params):
            settings = json.loads(config) if isinstance(config, str) else dict(config or {})
            window = int(settings.get("recovered_window_days", 30))
            found[_uuid(run)] = (str(name), _moment(created), window)
        return found


def _uuid(value: object) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


def _moment(value: object) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)
