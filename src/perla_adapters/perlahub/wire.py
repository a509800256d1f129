"""Bodies of the PerlaHub contract that are not one of the port's values."""

from __future__ import annotations

import attrs

from perla_core.gateways.perlahub import Environment, PolicyRule


@attrs.frozen
class PolicyPush:
    """``PUT /api/v1/agencies/{agency_id}/policy``: the whole snapshot at ``revision``."""

    revision: int
    rules: tuple[PolicyRule, ...]


@attrs.frozen
class ConnectionTestRequest:
    """``POST /api/v1/agencies/{agency_id}/connection-tests``."""

    username: str
    environment: Environment
