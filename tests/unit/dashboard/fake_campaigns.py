"""Stands in for the campaigns' funnel read (``dashboard_funnels``)."""

from __future__ import annotations

from collections.abc import Iterable

from perla_core.dashboard import CampaignFunnel, FunnelStep


class _Funnel:
    name = "Clientes inactivos · marzo"
    steps = (("Inactivos", 8000), ("Enviadas", 7600), ("Respondidas", 1200), ("Recuperados", 90))


def dashboard_funnels(uow: object) -> Iterable[object]:
    return [_Funnel(), CampaignFunnel("Otra", (FunnelStep("Enviadas", 3),))]
