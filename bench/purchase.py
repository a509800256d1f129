"""Confirmation to pre-invoice, with the local adapters (SQLite file, local document folder).

perla's side, timed per order: the client's confirmation (prices and stock re-read from the
catalogue, the order confirmed) and the pre-invoice (the series' next number, the document
built from the order, rendered with fpdf2, put in the local folder, recorded, the order marked
pre-invoiced and its ``OrderPreInvoiced`` event, the ERP call, written to the outbox), two
transactions. The baseline, in the same run: rendering the same kind of document with fpdf2
and writing the file, the part no implementation can skip.
"""

from __future__ import annotations

from pathlib import Path
from tempfile import TemporaryDirectory
from uuid import UUID

from bench.harness import Figure, p, timings
from perla_adapters.documents.pdf import FpdfDocumentRenderer
from perla_core.access.model import Actor, Role
from perla_core.billing.services import buyer_party, issue_order_document, order_document
from perla_core.catalogue.files import read_catalogue
from perla_core.catalogue.imports import import_catalogue
from perla_core.documents.model import DocumentKind
from perla_core.onboarding.commands import RegisterLead
from perla_core.onboarding.services import register_lead
from perla_core.orders import sales
from perla_core.orders.pricing import CataloguePricing
from perla_entrypoints.billing_wiring import billing_settings
from perla_entrypoints.container import build_container, uow_factory

ORDERS = 150
ADMIN = Actor("bench:admin", Role.ADMIN)
CATALOGUE = (
    "sku,marca,modelo,categoria,descripcion,resolucion,formato,precio,moneda,iva,stock CABA\n"
    + "".join(
        f"SKU-{i:03d},Hikvision,DS-{i:03d},camera,Cámara {i},2,bullet,{40000 + i},ARS,21,100000\n"
        for i in range(20)
    )
)


def run() -> list[Figure]:
    with TemporaryDirectory() as folder:
        container = build_container(
            database_url=f"sqlite:///{Path(folder) / 'bench.db'}", data_dir=folder
        )
        container.storage().migrate()
        clock, ids = container.clock(), container.ids()
        import_catalogue(
            read_catalogue(CATALOGUE, "bench.csv"), uow_factory(container), clock=clock,
            ids=ids, actor=ADMIN,
        )  # fmt: skip
        pricing = CataloguePricing(container.uow, clock, container.exchange_rate())
        client_id = register_lead(
            RegisterLead(
                trade_name="Bench SRL", country="AR", tax_id="20-12345678-6",
                email="compras@bench.com.ar",
            ),
            container.uow(), clock, ids, ADMIN,
        )  # fmt: skip
        settings = billing_settings(container)
        store, renderer = container.document_store(), container.document_renderer()
        waiting: list[tuple[UUID, int]] = []
        for n in range(ORDERS + 3):
            order_id = sales.start_order_for_client(
                container.uow(), clock, ids, ADMIN, client_id=client_id
            ).order_id
            for line in range(3):
                sales.add_item(
                    container.uow(), pricing, clock, ADMIN, order_id=order_id,
                    sku=f"SKU-{(n + line) % 20:03d}", quantity=1 + line,
                )  # fmt: skip
            sent = sales.send_summary(container.uow(), clock, ADMIN, order_id=order_id)
            waiting.append((order_id, sent.summary_version))
        queue = iter(waiting)
        last: list[UUID] = []

        def confirm_and_pre_invoice() -> None:
            order_id, version = next(queue)
            sales.confirm_order(
                container.uow(), pricing, clock, ADMIN, order_id=order_id, summary_version=version
            )
            issue_order_document(
                order_id, DocumentKind.PRE_INVOICE, container.uow(), store, renderer, clock,
                settings, ADMIN,
            )  # fmt: skip
            last.append(order_id)

        perla = timings(confirm_and_pre_invoice, repeat=ORDERS, warmup=3)
        with container.uow() as work:
            records = work.billing_documents.for_order(last[-1])
            order = work.orders.get(last[-1])
            buyer = buyer_party(work.clients.get(order.client_id))
        document = order_document(
            order, kind=DocumentKind.PRE_INVOICE, seller=settings.seller, buyer=buyer,
            series="BENCH", number=1, issued_at=clock.now(),
        )  # fmt: skip
        baseline_renderer = FpdfDocumentRenderer()
        out = Path(folder) / "baseline"
        out.mkdir()
        counter = iter(range(10**6))

        def render_and_write() -> None:
            (out / f"{next(counter)}.pdf").write_bytes(baseline_renderer.render(document))

        baseline = timings(render_and_write, repeat=ORDERS, warmup=3)
        container.storage().close()
    assert records, "the pre-invoice was not recorded"
    return [
        Figure(
            "confirmation → pre-invoice stored, ERP call enqueued p95",
            "ms",
            p(perla, 0.95) * 1000,
            p(baseline, 0.95) * 1000,
            "fpdf2 render + file write",
            note="SQLite file, local folder; 3 lines per order",
        )
    ]
