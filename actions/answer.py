"""Answering what the customer asks, in the context of the conversation (bot/understanding).

`action_answer` runs for every question-like message (FAQ, out of scope, not understood): the
understanding decides which answers to give, or to clarify, or to offer a human; this module
only turns that decision into messages and events. The same answer is given to a "不想要了咋弄"
that the NLU took for a plain "no" (actions/confirmation.py).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.account_action import VERIFIED_NUMBER, start_account_request
from actions.offers import make_offer
from bot.understanding.context import SLOT as CONTEXT_SLOT
from bot.understanding.context import Context
from bot.understanding.replies import texts_from
from bot.understanding.resolve import Decision, Understood, decide
from bot.understanding.words import ANSWER_ACTION


def understand(tracker: Tracker, domain: dict[str, Any]) -> Decision:
    message = tracker.latest_message or {}
    text = str(message.get("text") or "")
    return decide(
        text,
        Understood.from_parse_data(text, message),
        Context.from_slot(tracker.get_slot(CONTEXT_SLOT)),
        verified=bool(tracker.get_slot(VERIFIED_NUMBER)),
        texts=texts_from(domain["responses"]),
        in_form=bool((tracker.active_loop or {}).get("name")),
    )


async def carry_out(
    decision: Decision,
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    domain: dict[str, Any],
) -> list[EventType]:
    events: list[EventType] = [SlotSet(CONTEXT_SLOT, decision.context.as_slot())]
    for reply in decision.replies:
        buttons = [{"title": title, "payload": payload} for title, payload in reply.buttons]
        dispatcher.utter_message(response=reply.response, buttons=buttons or None, **reply.values)
    if decision.offer is not None:
        events += make_offer(tracker, decision.offer)
    if decision.account_action is not None:
        events += await start_account_request(decision.account_action, dispatcher, tracker, domain)
    return events


class ActionAnswer(Action):
    def name(self) -> str:
        return ANSWER_ACTION

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[EventType]:
        return await carry_out(understand(tracker, domain), dispatcher, tracker, domain)
