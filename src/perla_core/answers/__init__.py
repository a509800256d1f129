"""Grounded answers about products (issue 7): figures read from data, never from a model.

- :mod:`~perla_core.answers.facts` — :class:`ProductFacts` and the :class:`FactsSource` port,
  read at answer time (prices and stock from SQL; the search index only finds candidates).
- :mod:`~perla_core.answers.templates` — answers rendered from data: one product, a quantity,
  a WhatsApp list, similar products.
- :mod:`~perla_core.answers.similar` — up to 3 in-stock alternatives, each with one line on
  how it differs.
- :mod:`~perla_core.answers.guard` — :func:`check_draft` refuses a model's draft with any
  figure or product name the facts do not back; :func:`compose_answer` falls back to the
  template then.
- :mod:`~perla_core.answers.services` — :func:`answer_question`, the use case.
"""

from __future__ import annotations

from perla_core.answers.facts import FactsSource, ProductFacts
from perla_core.answers.guard import GuardResult, check_draft, compose_answer, template_answer
from perla_core.answers.question import Question
from perla_core.answers.services import answer_question
from perla_core.answers.similar import Suggestion, Wanted, similar_products

__all__ = [
    "FactsSource",
    "GuardResult",
    "ProductFacts",
    "Question",
    "Suggestion",
    "Wanted",
    "answer_question",
    "check_draft",
    "compose_answer",
    "similar_products",
    "template_answer",
]
