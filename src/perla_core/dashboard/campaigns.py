"""Campaign funnels for the page, read through the campaigns area when it exists.

The dashboard does not depend on campaigns: it imports ``perla_core.campaigns`` only if it is
there and asks it for :data:`CAMPAIGN_HOOK`, a function ``(uow) -> iterable of funnels``
where each funnel has a ``name`` and ``steps`` of ``(label, count)`` pairs (a
:class:`CampaignFunnel` does). Without the module or the hook the section says there are no
campaigns yet.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import Any, Final

from perla_core.dashboard.model import CampaignFunnel, FunnelStep

CAMPAIGN_MODULE: Final = "perla_core.campaigns"
CAMPAIGN_HOOK: Final = "dashboard_funnels"
"""The function of ``perla_core.campaigns`` the page reads funnels from."""

Funnels = Callable[[Any], Iterable[Any]]


def campaign_source(module: str = CAMPAIGN_MODULE) -> Funnels | None:
    """The campaigns area's funnel read, or ``None`` while the area (or its hook) is absent."""
    try:
        campaigns = importlib.import_module(module)
    except ModuleNotFoundError as missing:
        if missing.name is not None and module.startswith(missing.name):
            return None
        raise
    hook = getattr(campaigns, CAMPAIGN_HOOK, None)
    return hook if callable(hook) else None


def _step(step: Any) -> FunnelStep:
    if isinstance(step, FunnelStep):
        return step
    label, count = step
    return FunnelStep(str(label), int(count))


def campaign_funnels(uow: object, source: Funnels | None) -> tuple[CampaignFunnel, ...]:
    """The funnels ``source`` reads from ``uow`` (none without a source)."""
    if source is None:
        return ()
    return tuple(
        CampaignFunnel(str(funnel.name), tuple(_step(step) for step in funnel.steps))
        for funnel in source(uow)
    )
