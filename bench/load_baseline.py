"""The bare baseline of ``python -m bench load``: a Litestar app doing the same queries as
perla on the same routes, with raw SQLAlchemy Core, no auth and no domain.

``uvicorn --factory bench.load_baseline:create_app --workers 2`` serves it; it reads its
database from ``PERLA_DATABASE_URL`` (perla's own schema, already migrated and seeded) and
keeps ``PERLA_DB_POOL_SIZE`` connections per process, as perla does. Per route:

- ``GET /api/v1/clients/{id}``: one ``SELECT`` of the row;
- ``GET /api/v1/clients``: ``count(*)`` and a page of client rows, newest first;
- ``GET /api/v1/catalogue/products``: ``count(*)``, a page of products by SKU, their prices
  and their stock (three ``SELECT``s, as perla's repository);
- ``POST /api/v1/leads``: ``INSERT`` the client row and an outbox row in one transaction,
  then ``SELECT`` it back;
- ``PATCH /api/v1/leads/{id}``: ``SELECT``, ``UPDATE ... WHERE version = :version`` and an
  outbox row in one transaction (409 when the version moved), then ``SELECT`` it back;
- ``POST /webhooks/zenvia``: parse the JSON and ``INSERT ... ON CONFLICT DO NOTHING`` the
  event into ``received_events``; 202.

Rows go back as JSON as they are (no mapping, no validation beyond Litestar's JSON decoding).
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime
from typing import Any

from litestar import Litestar, Response, get, patch, post
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import RawBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_202_ACCEPTED
from sqlalchemy import Engine, create_engine, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from perla_adapters.sql.tables import clients, outbox, product_prices, product_stock, products
from perla_adapters.sql.tables import received_events as events

Row = dict[str, Any]


def _engine() -> Engine:
    """The same driver (psycopg 3) and pool as perla's engine."""
    url = os.environ["PERLA_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
    size = int(os.environ.get("PERLA_DB_POOL_SIZE", "10"))
    return create_engine(url, pool_size=size, max_overflow=size, pool_recycle=1800)


def _outbox_row(topic: str, aggregate_id: uuid.UUID, payload: Row, now: datetime) -> Row:
    return {
        "id": uuid.uuid4(),
        "topic": topic,
        "aggregate_id": aggregate_id,
        "payload": payload,
        "created_at": now,
        "status": "done",  # nobody relays them here
        "attempts": 0,
        "available_at": now,
        "last_error": None,
    }


def create_app() -> Litestar:
    """The bare app over ``PERLA_DATABASE_URL``."""
    engine = _engine()

    def client_row(client_id: uuid.UUID) -> Row:
        with engine.connect() as conn:
            row = conn.execute(select(clients).where(clients.c.id == client_id)).mappings().first()
        if row is None:
            raise NotFoundException
        return dict(row)

    @get("/api/v1/clients/{client_id:uuid}", sync_to_thread=True)
    def get_client(client_id: uuid.UUID) -> Row:
        return client_row(client_id)

    @get("/api/v1/clients", sync_to_thread=True)
    def list_clients(limit: int = 50, offset: int = 0) -> Row:
        where = clients.c.phase == "client"
        with engine.connect() as conn:
            total = conn.scalar(select(func.count()).select_from(clients).where(where))
            rows = conn.execute(
                select(clients)
                .where(where)
                .order_by(clients.c.created_at.desc(), clients.c.id.desc())
                .limit(limit)
                .offset(offset)
            ).mappings()
            items = [dict(r) for r in rows]
        return {"items": items, "total": total, "limit": limit, "offset": offset}

    @get("/api/v1/catalogue/products", sync_to_thread=True)
    def list_products(limit: int = 50, offset: int = 0) -> Row:
        with engine.connect() as conn:
            total = conn.scalar(select(func.count()).select_from(products))
            rows = [
                dict(r)
                for r in conn.execute(
                    select(products).order_by(products.c.sku).limit(limit).offset(offset)
                ).mappings()
            ]
            ids = [r["id"] for r in rows]
            prices = conn.execute(
                select(product_prices)
                .where(product_prices.c.product_id.in_(ids))
                .order_by(product_prices.c.product_id, product_prices.c.valid_from)
            ).mappings()
            stock = conn.execute(
                select(product_stock)
                .where(product_stock.c.product_id.in_(ids))
                .order_by(product_stock.c.product_id, product_stock.c.warehouse)
            ).mappings()
            by_id = {r["id"]: {**r, "prices": [], "stock": {}} for r in rows}
            for price in prices:
                by_id[price["product_id"]]["prices"].append(dict(price))
            for level in stock:
                by_id[level["product_id"]]["stock"][level["warehouse"]] = level["quantity"]
        return {"items": list(by_id.values()), "total": total, "limit": limit, "offset": offset}

    @post("/api/v1/leads", sync_to_thread=True, status_code=HTTP_201_CREATED)
    def register_lead(data: Row) -> Row:
        now = datetime.now(UTC)
        client_id = uuid.uuid4()
        row = {
            "id": client_id,
            "version": 1,
            "trade_name": data["trade_name"],
            "country": data["country"],
            "email": data.get("email"),
            "phone": data.get("phone"),
            "business_type": data.get("business_type"),
            "markets": [],
            "addresses": [],
            "contacts": [],
            "phase": "lead",
            "lead_status": "new",
            "created_at": now,
            "updated_at": now,
            "search_text": str(data["trade_name"]).lower(),
            "onboarding": {},
            "technical_validations": {},
        }
        with engine.begin() as conn:
            conn.execute(insert(clients).values(row))
            conn.execute(
                insert(outbox).values(_outbox_row("lead_registered", client_id, data, now))
            )
        return client_row(client_id)

    @patch("/api/v1/leads/{client_id:uuid}", sync_to_thread=True)
    def update_lead(client_id: uuid.UUID, data: Row) -> Row:
        now = datetime.now(UTC)
        version = int(data.pop("version"))
        with engine.begin() as conn:
            found = conn.execute(select(clients).where(clients.c.id == client_id)).first()
            if found is None:
                raise NotFoundException
            changed = conn.execute(
                update(clients)
                .where(clients.c.id == client_id, clients.c.version == version)
                .values(**data, version=version + 1, updated_at=now)
            ).rowcount
            if changed != 1:
                raise HTTPException(status_code=409, detail="stale version")
            conn.execute(
                insert(outbox).values(_outbox_row("details_updated", client_id, data, now))
            )
        return client_row(client_id)

    @post("/webhooks/zenvia", sync_to_thread=True, status_code=HTTP_202_ACCEPTED)
    def webhook(body: RawBody) -> Response[Row]:
        data = json.loads(body)
        message = data.get("message") or {}
        with engine.begin() as conn:
            conn.execute(
                pg_insert(events)
                .values(
                    event_id=data["id"],
                    contact=message.get("from"),
                    kind=data["type"],
                    payload=data,
                    received_at=datetime.now(UTC),
                    processed_at=datetime.now(UTC),  # no worker runs behind the baseline
                )
                .on_conflict_do_nothing(index_elements=["event_id"])
            )
        return Response({"status": "accepted"}, status_code=HTTP_202_ACCEPTED)

    return Litestar(
        route_handlers=[
            get_client,
            list_clients,
            list_products,
            register_lead,
            update_lead,
            webhook,
        ],
        openapi_config=None,
        logging_config=None,
        on_shutdown=[engine.dispose],
    )
