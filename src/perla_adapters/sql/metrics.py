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

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Connection, bindparam, text

from perla_adapters.sql.tables import UtcDateTime
from perla_core.billing.services import WHATSAPP_ACTOR_PREFIX
from perla_core.metrics.model import (
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


def _sources(dialect: str) -> tuple[str, str, str]:
    """The dialect's messages (``m0``) and handoffs (``h``) selects, and an order's time."""
    where = "WHERE c.last_activity_at >= :since AND c.created_at < :until"
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
               CASE WHEN g > 0 THEN 1 ELSE 0 END AS responding,
               CASE WHEN LOWER(COALESCE(payload, '')) = 'baja'
                         OR UPPER(TRIM(COALESCE(mtext, ''))) IN ('BAJA', 'STOP')
                    THEN 1 ELSE 0 END AS opt_out
        FROM e
        WHERE direction = 'inbound' AND {_IN_PERIOD}
    )
    SELECT dayn,
           COUNT(DISTINCT CASE WHEN responding = 1 THEN conv END) AS responding,
           COUNT(DISTINCT CASE WHEN opt_out = 1 THEN conv END) AS opt_outs
    FROM marked GROUP BY dayn
    UNION ALL
    SELECT {_TOTAL},
           COUNT(DISTINCT CASE WHEN responding = 1 THEN conv END),
           COUNT(DISTINCT CASE WHEN opt_out = 1 THEN conv END)
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
        statement = text(sql).bindparams(
            bindparam("since", type_=UtcDateTime()), bindparam("until", type_=UtcDateTime())
        )
        return self._conn.execute(statement, dict(params)).all()

    def conversation_metrics(
        self, query: MetricsQuery, as_of: datetime
    ) -> Sequence[ConversationMetrics]:
        messages, handoff_rows, order_ms = _sources(self._conn.dialect.name)
        params = {
            "since": query.since,
            "until": query.until,
            "since_ms": query.since_ms,
            "until_ms": query.until_ms,
            "window_ms": query.window_ms,
            "now_ms": millis(as_of),
        }
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
        for dayn, responding, opt_outs in self._rows(with_m + _DISTINCT, params):
            counts[int(dayn)].update(responding=int(responding), opt_outs=int(opt_outs))

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
