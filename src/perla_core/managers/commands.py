"""Commands of the managers area, in primitives."""

from __future__ import annotations

from uuid import UUID

import attrs

from perla_core.onboarding.commands import KEEP, Keep


@attrs.frozen
class CreateManager:
    """Add an account manager; ``email`` is how the acting user is recognised as them."""

    name: str
    email: str
    active: bool = True


@attrs.frozen
class UpdateManager:
    """Rename a manager or change its e-mail; fields left as ``KEEP`` stay as they are."""

    manager_id: UUID
    name: str | Keep = KEEP
    email: str | Keep = KEEP
    expected_version: int | None = None


@attrs.frozen
class SetDistributionRule:
    """``rule`` is ``round_robin`` or ``least_loaded``."""

    rule: str


__all__ = ["KEEP", "CreateManager", "Keep", "SetDistributionRule", "UpdateManager"]
