"""Documents end to end through the container: a pre-invoice rendered, stored in the local
folder (the default) or in S3 (moto on loopback), and downloaded through its link; perla's
own links (``GET /documents/{key}``) work only while signed and unexpired."""

from __future__ import annotations

import hashlib
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from tests.e2e.conftest import ProblemCheck
from tests.support.moto import MOTO_CREDENTIALS, REGION, moto_s3_server, new_bucket
from tests.unit.documents.builders import document

from perla_adapters.documents.local import LocalDocumentStore
from perla_adapters.documents.s3 import S3DocumentStore
from perla_core.documents import document_key
from perla_entrypoints.container import Container, build_container
from perla_entrypoints.http import create_app

SECRET = "documents-link-secret-e2e"


@pytest.fixture
def documents(tmp_path: Path) -> Iterator[tuple[Container, TestClient[Litestar]]]:
    container = build_container(
        database_url="memory://",
        data_dir=str(tmp_path),
        documents_link_secret=SECRET,
        public_base_url="https://perla.microcom.example",
    )
    with TestClient(create_app(container)) as client:
        yield container, client


def _stored_pre_invoice(container: Container) -> tuple[str, bytes]:
    pdf = container.document_renderer().render(document())
    key = document_key(document())
    container.document_store().put(key, pdf, "application/pdf")
    return key, pdf


def _local(url: str) -> str:
    parts = urlsplit(url)
    assert parts.netloc == "perla.microcom.example"
    return f"{parts.path}?{parts.query}"


def test_a_stored_pre_invoice_is_downloaded_through_its_link(
    documents: tuple[Container, TestClient[Litestar]], tmp_path: Path
) -> None:
    container, client = documents
    key, pdf = _stored_pre_invoice(container)

    link = container.document_store().link(key, timedelta(hours=1))
    response = client.get(_local(link))

    assert response.status_code == 200, response.text
    assert response.content == pdf
    assert response.headers["content-type"] == "application/pdf"
    assert 'filename="PF-0001-00000042.pdf"' in response.headers["content-disposition"]
    assert (tmp_path / "documents" / key).read_bytes() == pdf  # the default folder


def test_a_tampered_or_expired_link_is_refused(
    documents: tuple[Container, TestClient[Litestar]], assert_problem: ProblemCheck
) -> None:
    container, client = documents
    key, _ = _stored_pre_invoice(container)
    good = _local(container.document_store().link(key, timedelta(hours=1)))
    expired = _local(container.document_links().link(key, timedelta(seconds=-1)))
    other_key = good.replace("00000042", "00000041")

    for url in (
        good[:-1] + ("0" if good[-1] != "0" else "1"),  # the signature changed
        good.replace("expires=", "expires=9"),  # a longer life
        good.split("?")[0],  # no signature at all
        other_key,  # the signature of another document
        expired,
        "/documents/..%2F..%2Fdocuments-link-secret?expires=9999999999&signature=00",
    ):
        response = client.get(url)
        assert_problem(response, 403, "permission_denied", ["signature"])
        assert SECRET not in response.text


def test_a_genuine_link_to_a_missing_file_is_not_found(
    documents: tuple[Container, TestClient[Litestar]], assert_problem: ProblemCheck
) -> None:
    container, client = documents
    url = _local(container.document_links().link("facturas/A-0001/x.pdf", timedelta(hours=1)))

    assert_problem(client.get(url), 404, "document_not_found")


def test_without_a_configured_secret_one_is_kept_in_the_data_folder(tmp_path: Path) -> None:
    first = build_container(database_url="memory://", data_dir=str(tmp_path))
    second = build_container(database_url="memory://", data_dir=str(tmp_path))
    key, _ = _stored_pre_invoice(first)

    link = first.document_store().link(key, timedelta(minutes=5))
    parts = urlsplit(link)
    query = dict(p.split("=") for p in parts.query.split("&"))

    assert (tmp_path / "documents-link-secret").stat().st_mode & 0o077 == 0
    assert isinstance(first.document_store(), LocalDocumentStore)
    # another process (a worker gave the link, the server checks it) agrees on the secret
    assert second.document_links().valid(key, query["expires"], query["signature"])
    assert "documents-link-secret" not in str(first.settings().redacted())


def test_with_s3_configured_the_document_lands_in_the_bucket(tmp_path: Path) -> None:
    with moto_s3_server() as url:
        bucket = new_bucket(url)
        container = build_container(
            database_url="memory://",
            data_dir=str(tmp_path),
            document_store="s3",
            s3_bucket=bucket,
            s3_prefix="microcom",
            s3_endpoint_url=url,
            s3_region=REGION,
            s3_access_key_id=MOTO_CREDENTIALS["access_key_id"],
            s3_access_secret=MOTO_CREDENTIALS["secret_access_key"],
        )
        store = container.document_store()
        key, pdf = _stored_pre_invoice(container)
        link = store.link(key, timedelta(minutes=10))
        with urllib.request.urlopen(link, timeout=10) as answer:  # noqa: S310 - loopback
            downloaded = answer.read()

    assert isinstance(store, S3DocumentStore)
    assert link.startswith(f"{url}/{bucket}/microcom/prefacturas/")
    assert hashlib.sha256(downloaded).hexdigest() == hashlib.sha256(pdf).hexdigest()
    assert "testing" not in str(container.settings().redacted()["s3_access_secret"])
