"""The promises of the document store, kept by every adapter: memory, a local folder
(``tmp_path``) and S3 through moto's server on loopback (real HTTP, real boto3).

A file put is read back byte for byte; putting the same bytes again is a no-op and other
bytes under a taken key a ``DocumentConflict``; a missing key is ``DocumentNotFound`` (and
deleting it a no-op); keys that could escape the store are refused; links download the file;
a store that does not answer raises ``DocumentStoreUnavailable``.
"""

from __future__ import annotations

import hashlib
import socket
import urllib.request
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from tests.support.moto import MOTO_CREDENTIALS, REGION, moto_s3_server, new_bucket, s3_client

from perla_adapters.documents.links import LinkSigner
from perla_adapters.documents.local import LocalDocumentStore
from perla_adapters.documents.s3 import S3DocumentStore
from perla_adapters.memory import FixedClock
from perla_adapters.memory.documents import InMemoryDocumentStore
from perla_core.documents import (
    DocumentConflict,
    DocumentNotFound,
    DocumentStore,
    DocumentStoreUnavailable,
)
from perla_core.kernel.errors import InvalidValue

STORES = ["memory", "local", "s3"]
KEY = "prefacturas/PF-0001/PF-0001-00000001.pdf"
PDF = b"%PDF-1.4 a pre-invoice\n%%EOF\n"
SECRET = "link-secret-for-tests"

Fetch = Callable[[str], bytes]


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    with moto_s3_server() as url:
        yield url


def _signer(clock: FixedClock) -> LinkSigner:
    return LinkSigner(SECRET, "http://perla.test", clock)


def _s3(url: str, bucket: str, **kw: object) -> S3DocumentStore:
    return S3DocumentStore(
        bucket,
        endpoint_url=url,
        region=REGION,
        access_key_id=MOTO_CREDENTIALS["access_key_id"],
        secret_access_key=MOTO_CREDENTIALS["secret_access_key"],
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture(params=STORES)
def adapter(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[DocumentStore, Fetch]:
    """A store and how to follow one of its links (as the client's phone would)."""
    clock = FixedClock()
    if request.param == "memory":
        memory = InMemoryDocumentStore(clock)

        def fetch_memory(url: str) -> bytes:
            parts = urlsplit(url)
            assert parts.scheme == "memory"
            assert int(parse_qs(parts.query)["expires"][0]) > clock.now().timestamp()
            return memory.get(parts.path.removeprefix("/"))

        return memory, fetch_memory
    if request.param == "local":
        signer = _signer(clock)
        local = LocalDocumentStore(tmp_path / "documents", signer)

        def fetch_local(url: str) -> bytes:  # what GET /documents/{key} does
            parts = urlsplit(url)
            query = parse_qs(parts.query)
            key = unquote(parts.path.removeprefix("/documents/"))
            assert signer.valid(key, query["expires"][0], query["signature"][0])
            return local.get(key)

        return local, fetch_local
    url = request.getfixturevalue("moto_url")

    def fetch_s3(link: str) -> bytes:
        assert link.startswith(url)
        with urllib.request.urlopen(link, timeout=10) as answer:  # noqa: S310 - loopback
            body: bytes = answer.read()
        return body

    return _s3(url, new_bucket(url), prefix="perla/"), fetch_s3


@pytest.fixture
def store(adapter: tuple[DocumentStore, Fetch]) -> DocumentStore:
    return adapter[0]


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture(params=["memory", "local", "s3-no-server", "s3-no-bucket"])
def down_store(request: pytest.FixtureRequest, tmp_path: Path) -> DocumentStore:
    """A store that cannot be used right now."""
    clock = FixedClock()
    if request.param == "memory":
        memory = InMemoryDocumentStore(clock)
        memory.available = False
        return memory
    if request.param == "local":
        blocker = tmp_path / "not-a-folder"
        blocker.write_text("a file where the folder should be")
        return LocalDocumentStore(blocker / "documents", _signer(clock))
    if request.param == "s3-no-server":
        return _s3(f"http://127.0.0.1:{_closed_port()}", "perla-docs", timeout=1, retries=1)
    return _s3(request.getfixturevalue("moto_url"), "perla-no-such-bucket", retries=1)


def test_a_file_put_is_read_back_byte_for_byte(store: DocumentStore) -> None:
    stored = store.put(KEY, PDF, "application/pdf")

    assert stored.key == KEY
    assert stored.sha256 == hashlib.sha256(PDF).hexdigest()
    assert stored.size == len(PDF)
    assert stored.content_type == "application/pdf"
    assert store.get(KEY) == PDF
    assert store.exists(KEY)
    assert not store.exists("prefacturas/PF-0001/PF-0001-00000002.pdf")


def test_putting_the_same_bytes_again_is_a_no_op(store: DocumentStore) -> None:
    first = store.put(KEY, PDF, "application/pdf")

    assert store.put(KEY, PDF, "application/pdf") == first
    assert store.get(KEY) == PDF


def test_other_bytes_under_a_taken_key_are_refused_and_the_first_file_kept(
    store: DocumentStore,
) -> None:
    store.put(KEY, PDF, "application/pdf")

    with pytest.raises(DocumentConflict) as raised:
        store.put(KEY, PDF + b"tampered", "application/pdf")

    assert raised.value.field == "key"
    assert store.get(KEY) == PDF


def test_a_missing_key_is_not_found_and_deleting_it_does_nothing(store: DocumentStore) -> None:
    with pytest.raises(DocumentNotFound):
        store.get(KEY)
    with pytest.raises(DocumentNotFound):
        store.link(KEY, timedelta(hours=1))
    store.delete(KEY)
    assert not store.exists(KEY)


def test_a_deleted_file_is_gone(store: DocumentStore) -> None:
    store.put(KEY, PDF, "application/pdf")
    store.put("facturas/A-0001/A-0001-00000001.pdf", b"%PDF invoice", "application/pdf")

    store.delete(KEY)

    assert not store.exists(KEY)
    with pytest.raises(DocumentNotFound):
        store.get(KEY)
    assert store.get("facturas/A-0001/A-0001-00000001.pdf") == b"%PDF invoice"


@pytest.mark.parametrize(
    "key", ["../secret.pdf", "/etc/passwd", "a//b.pdf", "a/../b.pdf", "", "a/./b", "a\\b", "."]
)
def test_keys_that_could_escape_the_store_are_refused(store: DocumentStore, key: str) -> None:
    for call in (
        lambda: store.put(key, PDF, "application/pdf"),
        lambda: store.get(key),
        lambda: store.exists(key),
        lambda: store.delete(key),
    ):
        with pytest.raises(InvalidValue) as raised:
            call()
        assert raised.value.field == "key"


def test_a_link_downloads_the_file(adapter: tuple[DocumentStore, Fetch]) -> None:
    store, fetch = adapter
    store.put(KEY, PDF, "application/pdf")

    link = store.link(KEY, timedelta(hours=1))

    assert fetch(link) == PDF


def test_a_store_that_does_not_answer_says_so(down_store: DocumentStore) -> None:
    for call in (
        lambda: down_store.put(KEY, PDF, "application/pdf"),
        lambda: down_store.get(KEY),
        lambda: down_store.exists(KEY),
    ):
        with pytest.raises(DocumentStoreUnavailable) as raised:
            call()
        assert raised.value.retryable


def test_the_local_folder_leaves_no_temporary_file_and_nothing_outside(tmp_path: Path) -> None:
    root = tmp_path / "documents"
    store = LocalDocumentStore(root, _signer(FixedClock()))

    store.put(KEY, PDF, "application/pdf")
    with pytest.raises(DocumentConflict):
        store.put(KEY, b"other", "application/pdf")
    with pytest.raises(InvalidValue):
        store.put("../outside.pdf", PDF, "application/pdf")

    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert files == [f"documents/{KEY}"]


def test_s3_keeps_files_under_its_prefix_with_their_hash(moto_url: str) -> None:
    bucket = new_bucket(moto_url)
    store = _s3(moto_url, bucket, prefix="/perla/")

    store.put(KEY, PDF, "application/pdf")

    client = s3_client(moto_url)
    head = client.head_object(Bucket=bucket, Key=f"perla/{KEY}")
    assert head["Metadata"]["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert head["ContentType"] == "application/pdf"
    assert [o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]] == [f"perla/{KEY}"]
