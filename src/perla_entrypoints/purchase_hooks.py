"""The purchase by WhatsApp (issue 8): the bot's cart, summary, confirmation and financing hooks.

Every hook works inside the bot turn's unit of work (:class:`Joined` lets the orders' use
cases, which open and commit their own, join it): the cart a message changes is saved with
the conversation and its answer, or not at all, so a turn retried after a failure never adds
an item twice. Prices come from the catalogue at that moment (never from the customer's text),
financing from the rates table through the deterministic :mod:`perla_core.financing`.

The conversation remembers the open order (``pedido.id``), the summary it was shown
(``pedido.resumen``) and its buyer (``cliente.id``). The buyer is asked for the company's CUIT
the first time it adds something: a client with that CUIT is the buyer; otherwise a lead is
registered with it and the WhatsApp name. Orders the bot opens are created by the actor
``whatsapp:<number>`` (how billing finds the conversation to send the pre-invoice to).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Final, cast
from uuid import UUID

import attrs

from perla_core.access.model import Actor, Role
from perla_core.answers.guard import normalise_code
from perla_core.billing.services import WHATSAPP_ACTOR_PREFIX
from perla_core.conversations import Conversation, Hook, HookResult
from perla_core.conversations.bot import PLAN_ROW_PREFIX
from perla_core.conversations.model import Direction
from perla_core.conversations.ports import ConversationUnitOfWork
from perla_core.financing.model import FinancingRefused, NoFinancingRates, RateTable
from perla_core.financing.plans import FinancingPlan, simulate, suggested_plans
from perla_core.financing.ports import FinancingUnitOfWork
from perla_core.financing.services import current_table
from perla_core.kernel.errors import InvalidValue, PerlaError, PreconditionFailed
from perla_core.kernel.money import Money
from perla_core.kernel.ports import Clock, IdGenerator
from perla_core.kernel.values import TaxId
from perla_core.language import Entities, Interpretation
from perla_core.messaging.messages import (
    INTERACTIVE_BODY_MAX,
    Button,
    ButtonsMessage,
    ListMessage,
    ListRow,
    ListSection,
    OutgoingMessage,
    TextMessage,
)
from perla_core.onboarding.commands import RegisterLead
from perla_core.onboarding.services import register_lead
from perla_core.orders import sales
from perla_core.orders.model import (
    DEFAULT_IDLE_EXPIRY,
    ChosenFinancing,
    LineChange,
    Order,
    OrderStatus,
)
from perla_core.orders.ports import CurrentPricing
from perla_core.search.model import DocumentKind, SearchFilters, SearchQuery
from perla_core.search.ports import SearchIndex
from perla_core.uow import Joined
from perla_entrypoints.bot_hooks import matching_code, remembered_topic

ORDER_FIELD: Final = "pedido.id"
SUMMARY_FIELD: Final = "pedido.resumen"
CLIENT_FIELD: Final = "cliente.id"
PENDING_SKU: Final = "pedido.pendiente.sku"
PENDING_QUANTITY: Final = "pedido.pendiente.cantidad"
LAST_SKU: Final = "pedido.ultimo_sku"
CUIT_FIELD: Final = "cuit"
CUIT_TRIES: Final = "pedido.cuit.intentos"
MAX_CUIT_TRIES: Final = 3

_COUNT: Final = re.compile(r"\b(\d{1,4})\s*(?:cuotas|pagos)\b", re.IGNORECASE)
_OPEN: Final = frozenset({OrderStatus.DRAFT, OrderStatus.AWAITING_CONFIRMATION})
_SEARCHED: Final = 10


def _ars(money: Money) -> str:
    whole, _, cents = f"{money.amount:,.2f}".partition(".")
    symbol = "$" if money.currency == "ARS" else money.currency
    return f"{symbol} {whole.replace(',', '.')},{cents}"


def _percent(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",") + " %"


@attrs.frozen
class PurchaseDeps:
    """What the purchase hooks read besides the turn's unit of work (orders, clients,
    financing rates): the search index (to find the product a message names), the
    catalogue's current prices, the clock and ids, and how long a cart may sit idle."""

    index: SearchIndex
    pricing: CurrentPricing
    clock: Clock
    ids: IdGenerator
    idle_for: timedelta = DEFAULT_IDLE_EXPIRY


def cart_text(order: Order) -> str:
    """The cart as the customer reads it: lines, VAT and total."""
    if not order.lines:
        return "Tu carrito está vacío."
    rows = [f"Pedido N° {order.number}:"]
    for line in order.lines:
        rows.append(
            f"• {line.quantity} x {line.description} ({line.sku}) — {_ars(line.unit_price)} c/u"
            f" = {_ars(line.total)}"
        )
    rows.append(f"Subtotal sin IVA: {_ars(order.total)}")
    rows.extend(f"IVA {_percent(v.rate)}: {_ars(v.vat)}" for v in order.vat_breakdown)
    rows.append(f"Total con IVA: {_ars(order.total_with_vat)}")
    if order.financing is not None:
        plan = order.financing
        rows.append(
            f"Financiación: {plan.installments} cuotas de {_ars(plan.instalment)} "
            f"(total {_ars(plan.total)})"
        )
    return "\n".join(rows)


def _with_buttons(text: str, prompt: str, buttons: list[Button]) -> tuple[OutgoingMessage, ...]:
    """``text`` with ``buttons`` under it: one message when it fits WhatsApp's body limit."""
    body = f"{text}\n\n{prompt}"
    if len(body) <= INTERACTIVE_BODY_MAX:
        return (ButtonsMessage(body, buttons),)
    return (TextMessage(text), ButtonsMessage(prompt, buttons))


def _changes_text(changes: tuple[LineChange, ...]) -> str:
    said = {
        "price": "cambió el precio",
        "vat": "cambió el IVA",
        "quantity": "hay menos stock",
        "removed": "ya no está disponible",
    }
    rows = [
        f"• {c.sku}: {said.get(c.kind.value, 'cambió')} ({c.before} → {c.after})" for c in changes
    ]
    return "Ojo, desde el resumen anterior cambió algo:\n" + "\n".join(rows)


def _last_text(conversation: Conversation) -> str:
    for message in reversed(conversation.messages):
        if message.direction is Direction.INBOUND and message.text:
            return message.text
    return ""


def _problem(error: PerlaError) -> str:
    """A refused cart change in the customer's words."""
    field = error.field
    if field == "quantity" and "available" in error.details:
        sku, count = error.details["sku"], error.details["available"]
        return f"No tenemos stock para esa cantidad: de {sku} quedan {count}."
    if field == "quantity":
        return "Esa cantidad no la puedo tomar: decime un número de 1 a 1000."
    if field == "sku":
        return "Ese producto no lo encuentro en el pedido ni en el catálogo."
    return "No pude hacer ese cambio en el pedido."


class PurchaseHooks:
    """The ``cart.*``, ``order.*``, ``buyer.identify`` and ``financing.simulate`` hooks."""

    def __init__(self, deps: PurchaseDeps) -> None:
        self._deps = deps

    def hooks(self) -> dict[str, Hook]:
        return {
            "cart.add": self.add,
            "cart.remove": self.remove,
            "cart.show": self.show,
            "cart.clear": self.clear,
            "order.summary": self.summary,
            "order.confirm": self.confirm,
            "buyer.identify": self.identify,
            "financing.simulate": self.financing,
        }

    # --- helpers ------------------------------------------------------------------------------

    @staticmethod
    def _actor(conversation: Conversation) -> Actor:
        return Actor(f"{WHATSAPP_ACTOR_PREFIX}{conversation.contact}", Role.AGENT)

    @staticmethod
    def _work(work: ConversationUnitOfWork) -> sales.SalesUnitOfWork:
        return cast("sales.SalesUnitOfWork", Joined(work))

    def _open_order(self, conversation: Conversation, work: sales.SalesUnitOfWork) -> Order | None:
        raw = conversation.fields.get(ORDER_FIELD)
        if not raw:
            return None
        try:
            order = work.orders.get(UUID(raw))
        except (ValueError, PerlaError):
            return None
        return order if order.status in _OPEN else None

    def resolve_sku(self, entities: Entities, topic: Entities) -> str | None:
        """The SKU a message names: its model code, or the product just talked about."""
        code = entities.model or topic.model
        if not code:
            return None
        query = SearchQuery(code, SearchFilters(kind=DocumentKind.PRODUCT), limit=_SEARCHED)
        documents = [self._deps.index.get(h.id) for h in self._deps.index.search(query)]
        found = matching_code([d for d in documents if d is not None and d.sku], code)
        if len(found) > 1 and normalise_code(code) not in normalise_code(found[0].sku):
            return None  # a part of several codes: the customer says which
        return found[0].sku if found else None

    # --- the cart -----------------------------------------------------------------------------

    def add(
        self,
        conversation: Conversation,
        interpretation: Interpretation | None,
        work: ConversationUnitOfWork,
    ) -> HookResult:
        entities = Entities() if interpretation is None else interpretation.entities
        topic = remembered_topic(conversation.fields)
        sku = self.resolve_sku(entities, topic)
        if sku is None and entities.quantity is not None and not entities.model:
            sku = conversation.fields.get(LAST_SKU) or None  # "cambiá a 3": the last one added
        if sku is None:
            return HookResult(
                ok=True,
                messages=(
                    TextMessage(
                        "¿Qué modelo querés agregar? Pasame el código (por ejemplo "
                        "DS-2CE16D0T-IRPF) o elegilo de la lista de productos."
                    ),
                ),
            )
        if not conversation.fields.get(CLIENT_FIELD):
            pending = {PENDING_SKU: sku, PENDING_QUANTITY: str(entities.quantity or "")}
            return HookResult(ok=True, fields=pending, outcome="needs_buyer")
        return self._put(conversation, work, sku, entities.quantity)

    def _put(
        self,
        conversation: Conversation,
        work: ConversationUnitOfWork,
        sku: str,
        quantity: int | None,
    ) -> HookResult:
        sale = self._work(work)
        actor = self._actor(conversation)
        deps = self._deps
        order = self._open_order(conversation, sale)
        fields = {PENDING_SKU: "", PENDING_QUANTITY: ""}
        if order is None:
            client_id = UUID(conversation.fields[CLIENT_FIELD])
            started = sales.start_order_for_client(
                sale, deps.clock, deps.ids, actor, client_id=client_id
            )
            order = sale.orders.get(started.order_id)
            fields[ORDER_FIELD] = str(order.id)
        on_order = next((x for x in order.lines if x.sku == sku), None)
        try:
            if on_order is not None and quantity is not None:
                saved = sales.set_item_quantity(
                    sale, deps.pricing, deps.clock, actor, order_id=order.id, sku=sku,
                    quantity=quantity,
                )  # fmt: skip
            else:
                saved = sales.add_item(
                    sale, deps.pricing, deps.clock, actor, order_id=order.id, sku=sku,
                    quantity=quantity or 1,
                )  # fmt: skip
        except (InvalidValue, PreconditionFailed) as refused:
            return HookResult(ok=True, messages=(TextMessage(_problem(refused)),), fields=fields)
        fields[SUMMARY_FIELD] = ""
        fields[LAST_SKU] = sku
        buttons = [
            Button("confirm", "Confirmar pedido"),
            Button("financing", "Simular cuotas"),
            Button("cancel", "Cancelar pedido"),
        ]
        updated = sale.orders.get(saved.order_id)
        messages = _with_buttons(cart_text(updated), "¿Cómo seguimos?", buttons)
        return HookResult(ok=True, messages=messages, fields=fields)

    def remove(
        self,
        conversation: Conversation,
        interpretation: Interpretation | None,
        work: ConversationUnitOfWork,
    ) -> HookResult:
        sale = self._work(work)
        order = self._open_order(conversation, sale)
        if order is None or not order.lines:
            return HookResult(ok=True, messages=(TextMessage("Tu carrito está vacío."),))
        entities = Entities() if interpretation is None else interpretation.entities
        wanted = normalise_code(entities.model or "")
        words = _last_text(conversation).casefold()
        matches = [
            line.sku
            for line in order.lines
            if line.sku
            and (
                (wanted and wanted in normalise_code(line.sku + line.description))
                or (not wanted and any(w in line.description.casefold() for w in words.split()
                                       if len(w) > 3))
            )
        ]  # fmt: skip
        if len(order.lines) == 1 and not matches:
            matches = [order.lines[0].sku or ""]
        if len(matches) != 1:
            return HookResult(
                ok=True,
                messages=(
                    TextMessage(
                        '¿Cuál saco? Decime el modelo, por ejemplo: "sacá la '
                        f'{order.lines[0].sku}".\n\n{cart_text(order)}'
                    ),
                ),
            )
        deps = self._deps
        saved = sales.remove_item(
            sale, deps.clock, self._actor(conversation), order_id=order.id, sku=matches[0]
        )
        updated = sale.orders.get(saved.order_id)
        return HookResult(
            ok=True,
            messages=(TextMessage(f"Listo, saqué {matches[0]}.\n\n{cart_text(updated)}"),),
            fields={SUMMARY_FIELD: ""},
        )

    def show(
        self,
        conversation: Conversation,
        interpretation: Interpretation | None,
        work: ConversationUnitOfWork,
    ) -> HookResult:
        del interpretation
        order = self._open_order(conversation, self._work(work))
        text = "Tu carrito está vacío." if order is None else cart_text(order)
        return HookResult(ok=True, messages=(TextMessage(text),))

    def clear(
        self,
        conversation: Conversation,
        interpretation: Interpretation | None,
        work: ConversationUnitOfWork,
    ) -> HookResult:
        del interpretation
        sale = self._work(work)
        order = self._open_order(conversation, sale)
        if order is not None:
            now = self._deps.clock.now()
            order.cancel(
                now=now, actor=self._actor(conversation).name, reason="cancelado por el cliente"
            )
            sale.orders.save(order)
        return HookResult(ok=True, fields={ORDER_FIELD: "", SUMMARY_FIELD: ""})

    # --- summary and confirmation -------------------------------------------------------------

    def summary(
        self,
        conversation: Conversation,
        interpretation: Interpretation | None,
        work: ConversationUnitOfWork,
    ) -> HookResult:
        del interpretation
        sale = self._work(work)
        order = self._open_order(conversation, sale)
        if order is None or not order.lines:
            text = "No tenés un pedido abierto. Decime qué producto querés y lo armamos."
            return HookResult(ok=True, messages=(TextMessage(text),), outcome="empty")
        return self._send_summary(conversation, sale, order, ())

    def _send_summary(
        self,
        conversation: Conversation,
        sale: sales.SalesUnitOfWork,
        order: Order,
        changes: tuple[LineChange, ...],
    ) -> HookResult:
        deps = self._deps
        sent = sales.send_summary(
            sale, deps.clock, self._actor(conversation), order_id=order.id, pricing=deps.pricing
        )
        changes = changes or sent.changes
        if not sent.order.lines:
            text = "Ya no queda nada disponible de tu pedido. Decime qué otro producto buscás."
            return HookResult(ok=True, messages=(TextMessage(text),), outcome="empty")
        head = f"{_changes_text(changes)}\n\n" if changes else ""
        buttons = [
            Button("confirm", "Confirmar"),
            Button("modify", "Modificar"),
            Button("cancel", "Cancelar"),
        ]
        messages = _with_buttons(
            f"{head}Resumen de tu pedido\n{cart_text(sent.order)}",
            "¿Confirmás la compra?",
            buttons,
        )
        return HookResult(
            ok=True, messages=messages, fields={SUMMARY_FIELD: str(sent.summary_version)}
        )

    def confirm(
        self,
        conversation: Conversation,
        interpretation: Interpretation | None,
        work: ConversationUnitOfWork,
    ) -> HookResult:
        del interpretation
        sale = self._work(work)
        order = self._open_order(conversation, sale)
        version = conversation.fields.get(SUMMARY_FIELD, "")
        if order is None or not order.lines:
            text = "No tenés un pedido para confirmar. Decime qué producto querés y lo armamos."
            return HookResult(ok=True, messages=(TextMessage(text),), outcome="empty")
        if order.status is not OrderStatus.AWAITING_CONFIRMATION or not version.isdigit():
            return self._send_summary(conversation, sale, order, ())
        deps = self._deps
        try:
            confirmation = sales.confirm_order(
                sale, deps.pricing, deps.clock, self._actor(conversation),
                order_id=order.id, summary_version=int(version), idle_for=deps.idle_for,
            )  # fmt: skip
        except PreconditionFailed:
            text = (
                "Tu carrito venció por inactividad. Decime qué productos querés y lo armamos "
                "de nuevo."
            )
            return HookResult(
                ok=True,
                messages=(TextMessage(text),),
                fields={ORDER_FIELD: "", SUMMARY_FIELD: ""},
                outcome="empty",
            )
        if not confirmation.confirmed:
            again = sale.orders.get(order.id)
            result = self._send_summary(conversation, sale, again, confirmation.changes)
            return attrs.evolve(result, outcome=result.outcome or "changed")
        return HookResult(ok=True, fields={ORDER_FIELD: "", SUMMARY_FIELD: ""})

    # --- the buyer ----------------------------------------------------------------------------

    def identify(
        self,
        conversation: Conversation,
        interpretation: Interpretation | None,
        work: ConversationUnitOfWork,
    ) -> HookResult:
        del interpretation
        raw = conversation.fields.get(CUIT_FIELD, "")
        tries = int(conversation.fields.get(CUIT_TRIES, "0") or 0) + 1
        try:
            tax_id = TaxId.parse(raw, "AR", field="cuit")
        except InvalidValue:
            if tries >= MAX_CUIT_TRIES:
                return HookResult(ok=False, fields={CUIT_TRIES: ""})
            text = (
                "Ese CUIT no es válido: son 11 números, por ejemplo 30-71234567-1. "
                "¿Me lo pasás de nuevo?"
            )
            return HookResult(
                ok=True,
                messages=(TextMessage(text),),
                fields={CUIT_TRIES: str(tries)},
                outcome="invalid",
            )
        sale = self._work(work)
        client = sale.clients.by_tax_id(tax_id)
        if client is not None:
            client_id = client.id
        else:
            name = (conversation.contact_name or "").strip() or f"Cliente {conversation.contact}"
            command = RegisterLead(
                trade_name=name,
                country="AR",
                tax_id=raw,
                phone=conversation.contact,
                source="whatsapp",
            )
            client_id = register_lead(
                command, cast("Any", sale), self._deps.clock, self._deps.ids,
                self._actor(conversation),
            )  # fmt: skip
        conversation.fields[CLIENT_FIELD] = str(client_id)
        sku = conversation.fields.get(PENDING_SKU, "")
        quantity = conversation.fields.get(PENDING_QUANTITY, "")
        done = {CUIT_TRIES: "", CLIENT_FIELD: str(client_id)}
        if not sku:
            text = "¡Gracias! Ya tengo tus datos. Decime qué producto querés agregar."
            return HookResult(ok=True, messages=(TextMessage(text),), fields=done)
        result = self._put(conversation, work, sku, int(quantity) if quantity.isdigit() else None)
        return attrs.evolve(result, fields={**done, **result.fields})

    # --- financing ----------------------------------------------------------------------------

    def financing(
        self,
        conversation: Conversation,
        interpretation: Interpretation | None,
        work: ConversationUnitOfWork,
    ) -> HookResult:
        entities = Entities() if interpretation is None else interpretation.entities
        sale = self._work(work)
        order = self._open_order(conversation, sale)
        if order is None or not order.lines:
            text = (
                "Armemos primero tu pedido y te simulo las cuotas sobre el total. "
                "¿Qué producto buscás?"
            )
            return HookResult(ok=True, messages=(TextMessage(text),))
        deps = self._deps
        today: date = deps.clock.now().date()
        amount = order.total_with_vat
        asked = entities.installments
        if asked is None and (said := _COUNT.search(_last_text(conversation))) is not None:
            asked = int(said.group(1))  # "100 cuotas": out of any range, refused below
        try:
            table = current_table(cast("FinancingUnitOfWork", Joined(work)))
            if asked is not None:
                plan = simulate(table, amount, asked, today)
            else:
                return HookResult(ok=True, messages=(self._plans(table, amount, today),))
        except NoFinancingRates:
            text = "Hoy no tengo tasas de financiación cargadas. Te paso con un vendedor."
            return HookResult(ok=False, messages=(TextMessage(text),))
        except FinancingRefused:
            allowed = table.allowed(today, amount.currency)
            text = (
                f"En {asked} cuotas no lo puedo financiar. "
                f"Para este pedido: de {allowed.min_installments} a "
                f"{allowed.max_installments} cuotas."
            )
            return HookResult(ok=True, messages=(TextMessage(text),))
        chosen = ChosenFinancing(
            installments=plan.installments,
            instalment=plan.installment,
            total=plan.total_paid,
            tna=plan.tna,
            tea=plan.tea,
            cft=plan.cft,
            cft_with_vat=plan.cft_with_vat,
            rule_id=plan.rule_id,
        )
        sales.choose_financing(
            sale, deps.clock, self._actor(conversation), order_id=order.id, plan=chosen
        )
        buttons = [
            Button("confirm", "Confirmar pedido"),
            Button("financing", "Ver otras cuotas"),
            Button("cancel", "Cancelar pedido"),
        ]
        return HookResult(
            ok=True,
            messages=_with_buttons(_plan_text(plan), "Lo dejé elegido en tu pedido.", buttons),
            fields={SUMMARY_FIELD: ""},
        )

    @staticmethod
    def _plans(table: RateTable, amount: Money, today: date) -> OutgoingMessage:
        plans = suggested_plans(table, amount, today)
        if not plans:
            return TextMessage("Este pedido no llega al mínimo para financiar en cuotas.")
        rows = [
            ListRow(
                f"{PLAN_ROW_PREFIX}{p.installments}",
                f"{p.installments} cuotas" + (" sin interés" if p.interest_free else ""),
                f"de {_ars(p.installment)} · total {_ars(p.total_paid)}"
                + ("" if p.interest_free else f" · CFT {_percent(p.cft_with_vat)}"),
            )
            for p in plans
        ]
        body = (
            f"Cuotas para tu pedido de {_ars(amount)} (con IVA). Elegí un plan, o escribime "
            "otra cantidad de cuotas."
        )
        return ListMessage(body, "Ver planes", [ListSection("Planes", rows)])


def _plan_text(plan: FinancingPlan) -> str:
    kind = "sin interés" if plan.interest_free else f"TNA {_percent(plan.tna)}"
    return (
        f"{plan.installments} cuotas de {_ars(plan.installment)} ({kind}).\n"
        f"Total a pagar: {_ars(plan.total_paid)} · intereses {_ars(plan.total_interest)}.\n"
        f"TEA {_percent(plan.tea)} · CFT {_percent(plan.cft)} · CFT con IVA "
        f"{_percent(plan.cft_with_vat)}."
    )


def purchase_hooks(deps: PurchaseDeps) -> Mapping[str, Hook]:
    """The purchase's hooks, by the names the shipped flow uses."""
    return PurchaseHooks(deps).hooks()
