"""Changes to the customer's line happen only after an explicit yes to the question just asked.

A yes or no that answers no question of ours is read as what it is: "那不想要了咋弄" is a
question about cancelling, answered by the understanding (actions/answer.py).

An account action that wants to change something asks (`ask_to_confirm`) and remembers the
change in the `pending_change` slot together with the customer's message count. A yes
(affirm) applies it only when it answers that very question; a later "好的" about something
else never applies a forgotten change.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.account_action import VERIFIED_NUMBER, AccountTurn
from actions.account_trouble import tell_trouble
from actions.answer import carry_out, understand
from actions.offers import PENDING_OFFER, accept, offer_awaiting_answer, user_turns
from actions.satisfaction import UNSATISFIED_OFFER, ask_rating, just_said
from bot.accounts.client import AccountClient, AccountRequestError, AccountServiceUnavailable
from bot.nlu.text import without_punctuation

PENDING_CHANGE = "pending_change"
_YES_OR_NO = re.compile(r"好|行|可以|嗯|对|是|要|确认|确定|没问题|ok|不|别|算了|没事|甭|谢", re.I)

# A yes or no is short or starts with one ("不用了谢谢", "好的那就这样吧").
_SHORT = 6


def is_yes_or_no(text: str) -> bool:
    # Particles count here: "好的呀" is as long as it is typed.
    said = without_punctuation(text)
    found = _YES_OR_NO.search(said)
    return found is not None and (len(said) <= _SHORT or found.start() == 0)


Change = dict[str, Any]
ApplyChange = Callable[[AccountTurn, Change], Awaitable[None]]
_APPLY: dict[str, ApplyChange] = {}


def applies(kind: str) -> Callable[[ApplyChange], ApplyChange]:
    """Registers the function that carries out a confirmed change of this kind."""

    def register(function: ApplyChange) -> ApplyChange:
        _APPLY[kind] = function
        return function

    return register


def ask_to_confirm(
    turn: AccountTurn, response: str, change: Change, **values: Any
) -> list[EventType]:
    """Asks the customer to confirm (the response carries 确认/取消 buttons)."""
    turn.say(response, **values)
    return [SlotSet(PENDING_CHANGE, {**change, "asked_at": user_turns(turn.tracker)})]


def change_awaiting_answer(tracker: Tracker) -> Change | None:
    """The change the assistant just asked about, if the customer is answering that question."""
    change = tracker.get_slot(PENDING_CHANGE)
    if not isinstance(change, dict) or change.get("kind") not in _APPLY:
        return None
    return change if user_turns(tracker) == change.get("asked_at", -1) + 1 else None


class ActionHandleAffirm(Action):
    def name(self) -> str:
        return "action_handle_affirm"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[EventType]:
        if (offer := offer_awaiting_answer(tracker)) is not None:
            return await accept(offer, dispatcher, tracker, domain)
        change = change_awaiting_answer(tracker)
        number = tracker.get_slot(VERIFIED_NUMBER)
        if change is None or not number:
            return await answer_or_acknowledge(dispatcher, tracker, domain)
        turn = AccountTurn(number, AccountClient.shared(), dispatcher, tracker, domain)

        events: list[EventType] = [SlotSet(PENDING_CHANGE, None)]
        try:
            await _APPLY[change["kind"]](turn, change)
        except (AccountServiceUnavailable, AccountRequestError) as error:
            label = f"confirmed {change['kind']}"
            events += tell_trouble(dispatcher, tracker, error, label, number)
        return events


class ActionHandleDeny(Action):
    def name(self) -> str:
        return "action_handle_deny"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[EventType]:
        rating: list[EventType] = []
        if (change := change_awaiting_answer(tracker)) is not None:
            if change["kind"] == "handoff":  # the human offered after a complaint: done here
                dispatcher.utter_message(response="utter_handoff_declined")
                rating = ask_rating(dispatcher, tracker)
            else:
                dispatcher.utter_message(response="utter_change_dropped")
        elif offer_awaiting_answer(tracker) is not None:
            dispatcher.utter_message(response="utter_anything_else")
        elif just_said(tracker, UNSATISFIED_OFFER):  # neither a human nor a call back
            dispatcher.utter_message(response="utter_unsatisfied_offer_declined")
        else:
            return await answer_or_acknowledge(dispatcher, tracker, domain)
        return [SlotSet(PENDING_CHANGE, None), SlotSet(PENDING_OFFER, None), *rating]


async def answer_or_acknowledge(
    dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
) -> list[EventType]:
    """A yes or no to nothing: answered as a question when it asks one, else acknowledged."""
    decision = understand(tracker, domain)
    text = str((tracker.latest_message or {}).get("text") or "")
    # "啊吧啊吧" or "反正就是不对劲" taken for a no is a miss; a plain "好的" or "不用了" is
    # acknowledged
    if decision.understood or not is_yes_or_no(text):
        events = await carry_out(decision, dispatcher, tracker, domain)
    else:
        dispatcher.utter_message(response="utter_anything_else")
        events = []
    return [SlotSet(PENDING_CHANGE, None), *events]
