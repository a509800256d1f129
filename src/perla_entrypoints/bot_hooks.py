"""The bot's action hooks (the ``hook:`` of a flow's ``action`` steps), by name.

The catalogue, the carts, the orders and the financing arrive in later issues. Until then a
hook that needs their data says so honestly and fails (``ok=False``): the flow's ``on_error``
hands the conversation to a person (reason ``hook_failed:<hook>``), who can answer. A hook
that needs no data (clearing a cart that does not exist yet) answers on its own.
"""

from __future__ import annotations

from collections.abc import Mapping

from perla_core.conversations import Conversation, Hook, HookResult
from perla_core.language import Interpretation
from perla_core.messaging import TextMessage

NOT_YET: Mapping[str, str] = {
    "catalogue.answer": "Todavía no puedo consultar el catálogo por acá",
    "catalogue.price_stock": "Todavía no puedo consultar precios ni stock por acá",
    "cart.add": "Todavía no puedo armar pedidos por acá",
    "order.confirm": "Todavía no puedo confirmar compras por acá",
    "financing.simulate": "Todavía no puedo simular la financiación por acá",
}
"""Hooks whose data is not in perla yet, and what the bot tells the customer before handing
the conversation to a person."""


def _not_yet(sentence: str) -> Hook:
    def hook(conversation: Conversation, interpretation: Interpretation | None) -> HookResult:
        del conversation, interpretation
        return HookResult(
            ok=False, messages=(TextMessage(f"{sentence}, te paso con un vendedor."),)
        )

    return hook


def _clear_cart(conversation: Conversation, interpretation: Interpretation | None) -> HookResult:
    """No cart is kept yet, so there is nothing to clear: the flow confirms the cancellation."""
    del conversation, interpretation
    return HookResult(ok=True)


def interim_hooks() -> dict[str, Hook]:
    """Every hook the shipped flow names, honest about what perla cannot do yet."""
    hooks: dict[str, Hook] = {name: _not_yet(sentence) for name, sentence in NOT_YET.items()}
    hooks["cart.clear"] = _clear_cart
    return hooks
