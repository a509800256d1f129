"""What financing needs from storage: the rates table."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import date
from types import TracebackType
from typing import Protocol, Self

from perla_core.financing.model import RateRule


class FinancingRateRepository(Protocol):
    """The rates table. ``replace`` swaps every rule for ``rules`` at once (the table is
    edited as a whole, as the rates file is); reads return the rules sorted by
    ``(min_installments, valid_from, id)``, rates exactly as stored."""

    def list(self, on: date | None = None) -> builtins.list[RateRule]:
        """Every rule, or only those valid on ``on``."""
        ...

    def get(self, rule_id: str) -> RateRule:
        """Raises ``NotFound``."""
        ...

    def replace(self, rules: Sequence[RateRule]) -> None: ...

    def count(self) -> int: ...


class FinancingUnitOfWork(Protocol):
    """The part of the unit of work financing uses."""

    @property
    def financing_rates(self) -> FinancingRateRepository: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...
