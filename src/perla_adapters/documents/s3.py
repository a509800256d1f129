"""A document store on Amazon S3 (or anything speaking its API: MinIO, moto) through boto3.

Objects are ``<prefix><key>`` in one bucket, with their SHA-256 in the object's metadata
(``x-amz-meta-sha256``). ``put`` asks first (``HEAD``): the same bytes already there is a
no-op, other bytes a :class:`DocumentConflict` (a document is never overwritten). Links are
pre-signed ``GET`` URLs. botocore's failures are translated: a missing object is
:class:`DocumentNotFound`; no connection, timeouts, 5xx, throttling, a missing bucket or
refused credentials are :class:`DocumentStoreUnavailable` (retry later).
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from perla_core.documents.errors import (
    DocumentConflict,
    DocumentNotFound,
    DocumentStoreUnavailable,
)
from perla_core.documents.ports import StoredFile, check_key

_MISSING = {"404", "NoSuchKey", "NotFound"}


class S3DocumentStore:
    """Files in an S3 bucket (see the module docstring)."""

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        timeout: float = 10.0,
        retries: int = 3,
    ) -> None:
        if not bucket:
            raise ValueError("an S3 bucket is required")
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self._bucket_seen = False
        self._client: Any = boto3.client(
            "s3",
            endpoint_url=endpoint_url or None,
            region_name=region or None,
            aws_access_key_id=access_key_id or None,
            aws_secret_access_key=secret_access_key or None,
            config=Config(
                connect_timeout=timeout,
                read_timeout=timeout,
                retries={"max_attempts": max(1, int(retries)), "mode": "standard"},
                signature_version="s3v4",
                s3={"addressing_style": "path"},
            ),
        )

    def __repr__(self) -> str:
        return f"S3DocumentStore(bucket={self.bucket!r}, prefix={self.prefix!r})"

    def _object(self, key: str) -> str:
        return self.prefix + check_key(key)

    def _head(self, key: str) -> dict[str, Any] | None:
        try:
            head: dict[str, Any] = self._client.head_object(
                Bucket=self.bucket, Key=self._object(key)
            )
        except ClientError as exc:
            if _code(exc) in _MISSING:
                self._check_bucket()  # HEAD's bare 404 does not say whether the bucket exists
                return None
            raise _translate(exc, key) from exc
        except BotoCoreError as exc:
            raise _translate(exc, key) from exc
        return head

    def _check_bucket(self) -> None:
        if self._bucket_seen:
            return
        try:
            self._client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            raise DocumentStoreUnavailable(
                f"S3 bucket {self.bucket} cannot be used ({_code(exc)})"
            ) from exc
        except BotoCoreError as exc:
            raise _translate(exc, self.bucket) from exc
        self._bucket_seen = True

    def put(self, key: str, content: bytes, content_type: str) -> StoredFile:
        digest = hashlib.sha256(content).hexdigest()
        stored = StoredFile(key, digest, len(content), content_type)
        head = self._head(key)
        if head is not None:
            if head.get("Metadata", {}).get("sha256") != digest:
                raise DocumentConflict(key)
            return stored
        try:
            self._client.put_object(
                Bucket=self.bucket,
                Key=self._object(key),
                Body=content,
                ContentType=content_type,
                Metadata={"sha256": digest},
            )
        except (ClientError, BotoCoreError) as exc:
            raise _translate(exc, key) from exc
        return stored

    def get(self, key: str) -> bytes:
        try:
            answer = self._client.get_object(Bucket=self.bucket, Key=self._object(key))
            body: bytes = answer["Body"].read()
        except (ClientError, BotoCoreError) as exc:
            raise _translate(exc, key) from exc
        return body

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def link(self, key: str, expires_in: timedelta) -> str:
        if not self.exists(key):
            raise DocumentNotFound(key)
        try:
            url: str = self._client.generate_presigned_url(
                "get_object",
                Params={"Bucket": self.bucket, "Key": self._object(key)},
                ExpiresIn=max(1, int(expires_in.total_seconds())),
            )
        except (ClientError, BotoCoreError) as exc:
            raise _translate(exc, key) from exc
        return url

    def delete(self, key: str) -> None:
        try:
            self._client.delete_object(Bucket=self.bucket, Key=self._object(key))
        except ClientError as exc:
            if _code(exc) in _MISSING:
                return
            raise _translate(exc, key) from exc
        except BotoCoreError as exc:
            raise _translate(exc, key) from exc


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _translate(exc: ClientError | BotoCoreError, key: str) -> Exception:
    if isinstance(exc, ClientError):
        code = _code(exc)
        if code in {"NoSuchKey", "NotFound"}:
            return DocumentNotFound(key)
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return DocumentStoreUnavailable(f"S3 answered {code or status}")
    return DocumentStoreUnavailable(f"S3 did not answer: {type(exc).__name__}")
