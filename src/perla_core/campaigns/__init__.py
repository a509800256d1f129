"""Campaigns: winning back dormant clients with a WhatsApp survey (issue 9).

A :class:`~perla_core.campaigns.model.CampaignRun` selects the dormant clients (no inbound
WhatsApp message, order or recorded contact for ``months``), files one
:class:`~perla_core.campaigns.model.RunRecipient` row per client (excluded ones with their
reason) and sends each eligible one the survey's approved template exactly once, at a rate
and under a daily cap (:mod:`perla_core.campaigns.services`).
"""

from perla_core.campaigns.model import (
    CampaignConfig,
    CampaignRun,
    Exclusion,
    RecipientStatus,
    RunRecipient,
    RunReport,
    RunStatus,
)

__all__ = [
    "CampaignConfig",
    "CampaignRun",
    "Exclusion",
    "RecipientStatus",
    "RunRecipient",
    "RunReport",
    "RunStatus",
]
