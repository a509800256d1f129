"""Start a campaign's survey in a contact's WhatsApp conversation.

A survey is a flow of kind ``survey`` (``dormant_survey.yaml``): a tree of questions whose
answers fill the flow's ``fields``. Outside the 24-hour window only an approved template may
reach the contact, so the survey's first question is sent as ``template`` (its quick-reply
buttons carry the first question's option ids); :func:`start_survey` points the conversation
at that first question, so the contact's tap (or typed answer) is read by the survey, and the
rest follows as interactive messages (:mod:`perla_core.conversations.bot`). When the survey
ends the conversation records :class:`~perla_core.conversations.events.SurveyFinished` with the
answers, and returns to the bot's default flow.
"""

from __future__ import annotations

from datetime import datetime

from perla_core.conversations.model import BOT, Conversation
from perla_core.conversations.ports import ConversationUnitOfWork
from perla_core.conversations.services import contact_key
from perla_core.flows.engine import FlowState
from perla_core.flows.model import Flow
from perla_core.kernel.errors import InvalidValue
from perla_core.kernel.ports import IdGenerator
from perla_core.messaging import TemplateMessage


def start_survey(
    work: ConversationUnitOfWork,
    *,
    contact: str,
    contact_name: str | None,
    sender: str,
    flow_name: str,
    template: TemplateMessage,
    run_ref: str,
    now: datetime,
    ids: IdGenerator,
    flow: Flow | None = None,
) -> Conversation:
    """Open (or reuse) the contact's conversation, point it at the survey's first step and
    queue ``template`` through the outbox (``whatsapp.send`` sends it). Does not commit.

    ``flow`` (the survey, when the caller has it) is checked to be a survey named
    ``flow_name``; its start step is where the contact's answer lands."""
    if flow is not None and (flow.kind != "survey" or flow.name != flow_name):
        raise InvalidValue(f"{flow.name} is not the survey {flow_name}", field="flow_name")
    key = contact_key(contact)
    conversation = work.conversations.get_for_update(key)
    if conversation is None:
        conversation = Conversation.open(
            ids.new_id(), key, now, contact_name=contact_name, sender=sender
        )
        work.conversations.add(conversation)
        conversation = work.conversations.get_for_update(key) or conversation
    start = flow.start if flow is not None else None
    conversation.start_survey(flow_name, FlowState(start), run_ref, by=BOT, at=now)
    conversation.queue(ids.new_id(), template, author=BOT, at=now)
    work.conversations.save(conversation)
    return conversation


__all__ = ["start_survey"]
