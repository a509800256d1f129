"""Credentials in memory, with the promises of the ``credentials`` table: ids and usernames
unique, the client must exist, saves optimistic."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from perla_adapters.memory.store import ClientExists, InMemoryStore, Transaction, copy_of
from perla_core.credentials.model import Credential
from perla_core.kernel.errors import AlreadyExists, NotFound, StaleVersion


class InMemoryCredentialRepository:
    def __init__(self, store: InMemoryStore, tx: Transaction, client_exists: ClientExists) -> None:
        self._store = store
        self._tx = tx
        self._client_exists = client_exists
        self._pending: dict[UUID, Credential] = {}
        self.seen: list[Credential] = []

    def _current(self) -> dict[UUID, Credential]:
        return {**self._store.credentials, **self._pending}

    def add(self, credential: Credential) -> None:
        with self._store.lock:
            if credential.id in self._current():
                raise AlreadyExists(f"credential {credential.id} already exists", field="id")
            if not self._client_exists(credential.client_id):
                raise NotFound("client", credential.client_id)
            _check_username(credential, self._current().values())
            credential.version = 1
            self._stage(credential, base_version=None)

    def save(self, credential: Credential) -> None:
        with self._store.lock:
            stored = self._current().get(credential.id)
            if stored is None:
                raise NotFound("credential", credential.id)
            if stored.version != credential.version:
                raise StaleVersion("credential", credential.id, credential.version, stored.version)
            _check_username(credential, self._current().values())
            base = credential.version
            credential.version = base + 1
            self._stage(credential, base_version=base)

    def _stage(self, credential: Credential, base_version: int | None) -> None:
        snapshot = copy_of(credential)
        snapshot.events.clear()
        self._pending[credential.id] = snapshot
        self._see(credential)

        def apply(store: InMemoryStore) -> None:
            stored = store.credentials.get(credential.id)
            actual = None if stored is None else stored.version
            if actual != base_version:
                raise StaleVersion("credential", credential.id, base_version or 0, actual)
            _check_username(snapshot, store.credentials.values())
            store.credentials[credential.id] = snapshot

        self._tx.ops.append(apply)

    def _see(self, credential: Credential) -> None:
        if credential not in self.seen:
            self.seen.append(credential)
        self._tx.touch(credential)

    def get(self, credential_id: UUID) -> Credential:
        with self._store.lock:
            stored = self._current().get(credential_id)
        if stored is None:
            raise NotFound("credential", credential_id)
        credential = copy_of(stored)
        self._see(credential)
        return credential

    def for_client(self, client_id: UUID) -> list[Credential]:
        with self._store.lock:
            rows = [c for c in self._current().values() if c.client_id == client_id]
        rows.sort(key=lambda c: (c.created_at, c.id.int))
        return [copy_of(c) for c in rows]

    def by_username(self, username: str) -> Credential | None:
        with self._store.lock:
            found = next((c for c in self._current().values() if c.username == username), None)
        return copy_of(found) if found else None


def _check_username(credential: Credential, others: Iterable[Credential]) -> None:
    if any(o.username == credential.username and o.id != credential.id for o in others):
        raise AlreadyExists(f"username {credential.username!r} is taken", field="username")
