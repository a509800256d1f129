"""What a campaign run announces (outbox topics ``campaigns.*``)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID

import attrs

from perla_core.kernel.events import domain_event


@domain_event("campaigns.run_changed")
@attrs.frozen
class CampaignRunChanged:
    """A run moved to ``status`` (running, paused, completed, cancelled)."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    campaign: str
    status: str
