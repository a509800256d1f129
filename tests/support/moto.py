"""moto's S3 server on loopback: real HTTP, real boto3, nothing leaves the machine.

``moto_s3_server()`` starts ``moto.server.ThreadedMotoServer`` on a free port of 127.0.0.1 and
yields its URL; ``new_bucket(url)`` creates a bucket with a unique name through boto3 and
returns its name. Credentials are moto's fakes (``MOTO_CREDENTIALS``).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

REGION = "us-east-1"
MOTO_CREDENTIALS = {"access_key_id": "testing", "secret_access_key": "testing"}


@contextmanager
def moto_s3_server() -> Iterator[str]:
    """moto's server on a free port of 127.0.0.1; yields ``http://127.0.0.1:<port>``."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def s3_client(url: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=MOTO_CREDENTIALS["access_key_id"],
        aws_secret_access_key=MOTO_CREDENTIALS["secret_access_key"],
    )


def new_bucket(url: str) -> str:
    """A new, empty bucket with a unique name."""
    name = f"perla-docs-{secrets.token_hex(6)}"
    s3_client(url).create_bucket(Bucket=name)
    return name
