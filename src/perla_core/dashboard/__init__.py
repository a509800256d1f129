"""The activity summary ("Resumen de actividad", issue 9 item 6): what staff see at
``/dashboard``.

Key figures, the last days' series, the onboarding pipeline, inquiries by stage, campaign
funnels and the recent-activity feed, read in one pass. The aggregates are computed by the
storage (:class:`DashboardReader`, plus the metrics and inquiry ports it reuses); this
package holds the read rows, the port, the use case and the Spanish labels the page shows.
"""

from perla_core.dashboard.campaigns import campaign_funnels
from perla_core.dashboard.labels import event_label, handoff_label, pipeline_label
from perla_core.dashboard.model import (
    DEFAULT_DAYS,
    RECENT_EVENTS,
    ActivityEntry,
    ActivitySummary,
    CampaignFunnel,
    DayCount,
    FunnelStep,
    KeyFigures,
    PipelineCount,
    RecentEvent,
    Revenue,
)
from perla_core.dashboard.ports import DashboardReader, DashboardUnitOfWork
from perla_core.dashboard.services import SignedIn, activity_summary, session_actor, sign_in

__all__ = [
    "DEFAULT_DAYS",
    "RECENT_EVENTS",
    "ActivityEntry",
    "ActivitySummary",
    "CampaignFunnel",
    "DashboardReader",
    "DashboardUnitOfWork",
    "DayCount",
    "FunnelStep",
    "KeyFigures",
    "PipelineCount",
    "RecentEvent",
    "Revenue",
    "SignedIn",
    "activity_summary",
    "campaign_funnels",
    "event_label",
    "handoff_label",
    "pipeline_label",
    "session_actor",
    "sign_in",
]
