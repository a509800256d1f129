"""Campaign funnels for the page: the entrypoint passes the campaigns' read
(``perla_core.campaigns.services.dashboard_funnels``), a function ``(uow) -> funnels`` where
each funnel has a ``name`` and ``steps`` of ``(label, count)`` pairs; without one the section
says there are no campaigns yet."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from perla_core.dashboard.model import CampaignFunnel, FunnelStep

Funnels = Callable[[Any], Iterable[Any]]
"""A read of the campaign funnels in an open unit of work
(:func:`perla_core.campaigns.services.dashboard_funnels`)."""


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
