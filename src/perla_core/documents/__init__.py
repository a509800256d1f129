"""Billing documents: MICROCOM's pre-invoices (prefacturas) and invoices (facturas).

:mod:`~perla_core.documents.model` holds the document (seller and buyer with their CUIT,
lines with VAT, totals that add up to the cent, the financing plan); :mod:`ports` the gapless
numbering, the repository of issued documents, the store their PDFs live in and the
renderer that draws them.
"""

from perla_core.documents.errors import (
    DocumentConflict,
    DocumentNotFound,
    DocumentStoreUnavailable,
)
from perla_core.documents.model import (
    VAT_CONDITIONS,
    VAT_RATES,
    BillingDocument,
    BillingDocumentRecord,
    DocumentKind,
    DocumentLine,
    FinancingSummary,
    Party,
    Totals,
    VatSubtotal,
    document_key,
)
from perla_core.documents.ports import (
    BillingDocumentRepository,
    DocumentNumbering,
    DocumentRenderer,
    DocumentStore,
    DocumentUnitOfWork,
    StoredFile,
    check_key,
)

__all__ = [
    "VAT_CONDITIONS",
    "VAT_RATES",
    "BillingDocument",
    "BillingDocumentRecord",
    "BillingDocumentRepository",
    "DocumentConflict",
    "DocumentKind",
    "DocumentLine",
    "DocumentNotFound",
    "DocumentNumbering",
    "DocumentRenderer",
    "DocumentStore",
    "DocumentStoreUnavailable",
    "DocumentUnitOfWork",
    "FinancingSummary",
    "Party",
    "StoredFile",
    "Totals",
    "VatSubtotal",
    "check_key",
    "document_key",
]
