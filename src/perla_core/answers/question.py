"""What is being answered: the customer's words and the few typed things the bot understood."""

from __future__ import annotations

import attrs

from perla_core.answers.similar import Wanted


@attrs.frozen
class Question:
    """One product question.

    ``quantity`` is "¿tenés 10?"; ``subject`` names what a list is about ("cámaras Hikvision");
    ``asked_name`` is how the customer named a product that may not be sold ("la DS-2CD1047");
    ``wanted`` describes it for similar products when the catalogue does not know it.
    ``capped`` says the candidates stopped at the search's limit: a list then says "more
    than" that many rather than a count it does not know.
    """

    text: str
    quantity: int | None = None
    subject: str | None = None
    asked_name: str | None = None
    wanted: Wanted | None = None
    capped: bool = False

    @property
    def context_numbers(self) -> frozenset[int]:
        """Numbers the customer gave that an answer may repeat (not prices, not stock)."""
        return frozenset() if self.quantity is None else frozenset({self.quantity})


__all__ = ["Question"]
