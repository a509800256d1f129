"""How a person is named in an export or erasure request, and the hashes kept in their place.

A person is one e-mail address, one phone (WhatsApp) number or one tax id. The identifier is
validated and normalised like the data it is compared with (:class:`~perla_core.kernel.values.
Email`, :class:`~perla_core.kernel.values.Phone`, :class:`~perla_core.kernel.values.TaxId`),
so ``+34 600 11 22 33`` finds ``+34600112233``. Hashes are SHA-256 of the normalised value,
base64url without padding (43 characters) behind ``sha256:``: they fit every column that held
the value they replace (64 characters) and say nothing readable about it.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from enum import StrEnum
from typing import Final

import attrs

from perla_core.kernel.errors import InvalidValue
from perla_core.kernel.values import Email, Phone, TaxId

HASH_PREFIX: Final = "sha256:"


class IdentifierKind(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    TAX_ID = "tax_id"


def digest(text: str) -> str:
    """``sha256:`` and the base64url SHA-256 of ``text`` (50 characters)."""
    raw = hashlib.sha256(text.encode("utf-8")).digest()
    return HASH_PREFIX + base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def suppression_key(contact: str) -> str:
    """What an opt-out registry keeps of an erased WhatsApp number (as conversations key it,
    no ``+``): the number's hash, so the number stays suppressed without being stored."""
    return digest(contact.strip().removeprefix("+"))


@attrs.frozen
class PersonIdentifier:
    """One validated identifier (build it with :func:`parse_identifier`)."""

    kind: IdentifierKind
    email: Email | None = None
    phone: Phone | None = None
    tax_id: TaxId | None = None

    @property
    def value(self) -> str:
        """The normalised identifier: the e-mail case-folded, the phone in E.164, the tax id
        as ``country:number``."""
        if self.email is not None:
            return self.email.value.casefold()
        if self.phone is not None:
            return self.phone.e164
        assert self.tax_id is not None
        return f"{self.tax_id.country}:{self.tax_id.number}"

    @property
    def contact(self) -> str | None:
        """The WhatsApp number as conversations key it (no ``+``), for a phone."""
        return None if self.phone is None else self.phone.e164.removeprefix("+")

    @property
    def hash(self) -> str:
        """The identifier's hash: all an audit event keeps of the person."""
        return digest(f"{self.kind.value}:{self.value}")

    @property
    def subject_id(self) -> uuid.UUID:
        """A stable id for the person's requests in the outbox timeline, from the hash."""
        raw = hashlib.sha256(f"{self.kind.value}:{self.value}".encode()).digest()
        return uuid.UUID(bytes=raw[:16], version=5)

    def matches_email(self, email: Email | None) -> bool:
        return self.email is not None and email is not None and email.value.casefold() == self.value

    def matches_phone(self, phone: Phone | None) -> bool:
        return self.phone is not None and phone is not None and phone.e164 == self.phone.e164

    def matches_tax_id(self, tax_id: TaxId | None) -> bool:
        return self.tax_id is not None and tax_id == self.tax_id

    def matches(self, email: Email | None, phone: Phone | None) -> bool:
        return self.matches_email(email) or self.matches_phone(phone)


def parse_identifier(
    *,
    email: str | None = None,
    phone: str | None = None,
    tax_id: str | None = None,
    country: str | None = None,
) -> PersonIdentifier:
    """Exactly one of ``email``, ``phone`` (with its ``+`` prefix) or ``tax_id`` (with the
    ``country`` it is of). Raises :class:`InvalidValue` naming the field that is wrong (field
    ``identifier`` when none or several are given)."""
    given = [name for name, v in (("email", email), ("phone", phone), ("tax_id", tax_id)) if v]
    if len(given) != 1:
        found = ", ".join(given) or "none"
        raise InvalidValue(
            f"give exactly one of email, phone or tax_id (given: {found})", field="identifier"
        )
    if email:
        return PersonIdentifier(IdentifierKind.EMAIL, email=Email.parse(email))
    if phone:
        return PersonIdentifier(IdentifierKind.PHONE, phone=Phone.parse(phone))
    if not country:
        raise InvalidValue("is required with a tax id (ES, AR ...)", field="country")
    assert tax_id is not None
    return PersonIdentifier(IdentifierKind.TAX_ID, tax_id=TaxId.parse(tax_id, country))
