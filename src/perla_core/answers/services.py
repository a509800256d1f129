"""The use case: answer a product question with the catalogue as it is right now."""

from __future__ import annotations

from collections.abc import Sequence

from perla_core.answers.facts import FactsSource
from perla_core.answers.guard import compose_answer
from perla_core.answers.question import Question
from perla_core.answers.similar import Wanted, similar_products
from perla_core.answers.templates import similar_answer
from perla_core.language.ports import LanguageModel
from perla_core.messaging.messages import OutgoingMessage


def answer_question(
    question: Question,
    source: FactsSource,
    *,
    skus: Sequence[str],
    alternatives: Sequence[str] = (),
    drafter: LanguageModel | None = None,
) -> OutgoingMessage:
    """Answer about ``skus`` (the search index's candidates) from facts read now.

    One product asked for that is out of stock, or not sold at all, gets up to three similar
    in-stock products among ``alternatives`` instead (a quantity question about an
    out-of-stock product too). Otherwise :func:`~perla_core.answers.guard.compose_answer`:
    the guarded draft or the template. Facts are read on every call, so a price that expired
    or stock that changed since the previous message shows as it is now.
    """
    facts = source.facts_for([*skus, *alternatives])
    asked = [facts[sku] for sku in skus if sku in facts]
    single = len(skus) == 1
    if single and (not asked or not asked[0].in_stock):
        target = asked[0] if asked else None
        wanted = Wanted.like(target) if target is not None else question.wanted or Wanted()
        candidates = [facts[sku] for sku in alternatives if sku in facts]
        suggestions = similar_products(wanted, candidates)
        return similar_answer(target, question.asked_name or skus[0], suggestions)
    return compose_answer(question, asked, drafter)


__all__ = ["answer_question"]
