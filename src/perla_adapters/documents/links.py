"""perla-served links to stored documents:
``<base>/documents/<key>?expires=<unix time>&signature=<hex>``.

The signature is HMAC-SHA256 over ``key`` and ``expires`` with a secret only perla knows
(``PERLA_DOCUMENTS_LINK_SECRET``, or a random one kept in ``<data_dir>/documents-link-secret``
when none is configured); ``GET /documents/<key>`` serves the file only while the link has not
expired and its signature matches (compared in constant time). The secret is never logged.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote, urlencode

from perla_core.documents.ports import check_key
from perla_core.kernel.ports import Clock

DOCUMENTS_PATH = "/documents"


class LinkSigner:
    """Signs and checks perla's document links."""

    def __init__(self, secret: str, base_url: str, clock: Clock) -> None:
        if not secret:
            raise ValueError("a link secret is required")
        self._secret = secret.encode()
        self._base = base_url.rstrip("/")
        self._clock = clock

    def __repr__(self) -> str:
        return f"LinkSigner(base_url={self._base!r})"  # never the secret

    def signature(self, key: str, expires: int) -> str:
        message = f"{key}\n{expires}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def link(self, key: str, expires_in: timedelta) -> str:
        check_key(key)
        expires = int((self._clock.now() + expires_in).timestamp())
        query = urlencode({"expires": expires, "signature": self.signature(key, expires)})
        return f"{self._base}{DOCUMENTS_PATH}/{quote(key)}?{query}"

    def valid(self, key: str, expires: str | None, signature: str | None) -> bool:
        """Whether a link's ``expires`` and ``signature`` are genuine and not past."""
        if not expires or not signature or not expires.isdigit() or len(expires) > 12:
            return False
        expected = self.signature(key, int(expires))
        if not hmac.compare_digest(expected.encode(), signature.encode()):
            return False
        now: datetime = self._clock.now()
        return int(expires) > now.timestamp()


def load_or_create_secret(path: Path) -> str:
    """The secret kept in ``path``, created (random, owner-only) the first time."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as file:
        file.write(secret)
    return secret
