"""perla-served document links: ``GET /documents/{key}?expires=...&signature=...``.

Outside the API-key guard: whoever holds a link (a client who got it over WhatsApp) may
download the file until it expires. The link is genuine when its HMAC signature over the key
and ``expires`` matches (:class:`~perla_adapters.documents.links.LinkSigner`, secret
``documents_link_secret``, compared in constant time); otherwise, or once expired, the answer
is a 403 problem and nothing is read. A genuine link to a file no longer stored is 404, a
store that does not answer 503 with Retry-After.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Annotated

from litestar import Response, Router, get
from litestar.params import FromPath, FromQuery
from msgspec import Meta

from perla_adapters.documents.links import DOCUMENTS_PATH, LinkSigner
from perla_core.documents import DocumentStore
from perla_core.kernel.errors import PermissionDenied
from perla_entrypoints.container import Container
from perla_entrypoints.http.openapi import responses

_TYPES = {".pdf": "application/pdf"}
EXPIRES = "When the link expires (Unix time)"
SIGNATURE = "The link's HMAC-SHA256 signature (hex)"


def serve_document(
    signer: LinkSigner,
    store: DocumentStore,
    key: str,
    expires: str | None,
    signature: str | None,
) -> Response[bytes]:
    """Download a stored document (a pre-invoice or invoice PDF) through a signed link perla
    gave out; the link works until its ``expires`` time. No API key: the signature is the
    permission."""
    key = key.lstrip("/")
    if not signer.valid(key, expires, signature):
        raise PermissionDenied("the link is invalid or has expired", field="signature")
    content = store.get(key)
    name = PurePosixPath(key).name
    return Response(
        content,
        media_type=_TYPES.get(PurePosixPath(key).suffix.lower(), "application/octet-stream"),
        headers={
            "Content-Disposition": f'inline; filename="{name}"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def document_routes(container: Container) -> Router:
    """The signed-link download route over the container's signer and store."""

    @get(
        f"{DOCUMENTS_PATH}/{{key:path}}",
        operation_id="getSignedDocument",
        summary="Download a document through a signed link (no API key)",
        description=serve_document.__doc__,
        tags=["documents"],
        security=[],
        sync_to_thread=True,
        media_type="application/pdf",
        responses=responses(403, 404, 503),
    )
    def download(
        key: FromPath[str],
        expires: FromQuery[Annotated[str | None, Meta(description=EXPIRES)]] = None,
        signature: FromQuery[Annotated[str | None, Meta(description=SIGNATURE)]] = None,
    ) -> Response[bytes]:
        return serve_document(
            container.document_links(), container.document_store(), key, expires, signature
        )

    return Router(path="/", route_handlers=[download])
