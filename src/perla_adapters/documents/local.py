"""A document store in a local folder: the default, with nothing to configure.

A key is a relative path under the folder (checked by
:func:`~perla_core.documents.ports.check_key`: no ``..``, nothing absolute, so no key escapes
the folder). A file is written to a temporary file in the same folder, flushed to disk, then
hard-linked to its name, which fails if the name exists: a reader never sees half a file, and
two writers never overwrite each other. Links are perla's own signed ``/documents/...`` URLs
(:class:`~perla_adapters.documents.links.LinkSigner`). Failures of the file system (a full
disk, a folder that cannot be created) raise :class:`DocumentStoreUnavailable`.
"""

from __future__ import annotations

import contextlib
import hashlib
import mimetypes
import os
import tempfile
from datetime import timedelta
from pathlib import Path

from perla_adapters.documents.links import LinkSigner
from perla_core.documents.errors import (
    DocumentConflict,
    DocumentNotFound,
    DocumentStoreUnavailable,
)
from perla_core.documents.ports import StoredFile, check_key


class LocalDocumentStore:
    """Files under ``root`` (see the module docstring)."""

    def __init__(self, root: Path, signer: LinkSigner) -> None:
        self.root = Path(root)
        self._signer = signer

    def _path(self, key: str) -> Path:
        path = self.root.joinpath(*check_key(key).split("/"))
        try:  # the folder is made on first use; one that cannot be is an outage
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _unavailable(exc) from exc
        return path

    def put(self, key: str, content: bytes, content_type: str) -> StoredFile:
        path = self._path(key)
        stored = StoredFile(key, hashlib.sha256(content).hexdigest(), len(content), content_type)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
            try:
                with os.fdopen(fd, "wb") as file:
                    file.write(content)
                    file.flush()
                    os.fsync(file.fileno())
                try:
                    os.link(temp, path)  # atomic, and refuses to replace an existing file
                except FileExistsError:
                    if path.read_bytes() != content:
                        raise DocumentConflict(key) from None
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(temp)
        except OSError as exc:
            raise _unavailable(exc) from exc
        return stored

    def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return path.read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise DocumentNotFound(key) from None
        except OSError as exc:
            raise _unavailable(exc) from exc

    def exists(self, key: str) -> bool:
        path = self._path(key)
        try:
            return path.is_file()
        except OSError as exc:
            raise _unavailable(exc) from exc

    def link(self, key: str, expires_in: timedelta) -> str:
        if not self.exists(key):
            raise DocumentNotFound(key)
        return self._signer.link(key, expires_in)

    def delete(self, key: str) -> None:
        path = self._path(key)
        try:
            path.unlink(missing_ok=True)
        except NotADirectoryError:
            return
        except OSError as exc:
            raise _unavailable(exc) from exc

    @staticmethod
    def content_type(key: str) -> str:
        guessed, _ = mimetypes.guess_type(key)
        return guessed or "application/octet-stream"


def _unavailable(exc: OSError) -> DocumentStoreUnavailable:
    return DocumentStoreUnavailable(f"the document folder failed: {exc.strerror or exc}")
