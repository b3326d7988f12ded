"""Changes to the customer's line happen only after an explicit yes to the question just asked.

An account action that wants to change something asks (`ask_to_confirm`) and remembers the
change in the `pending_change` slot together with the customer's message count. A yes
(affirm) applies it only when it answers that very question; a later "好的" about something
else never applies a forgotten change.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.account_action import VERIFIED_NUMBER, AccountTurn, apologise_on_failure
from bot.accounts.client import AccountClient

PENDING_CHANGE = "pending_change"

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


def user_turns(tracker: Tracker) -> int:
    """How many messages the customer has sent so far in this conversation."""
    return sum(1 for event in tracker.events if event.get("event") == "user")


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
        change = change_awaiting_answer(tracker)
        number = tracker.get_slot(VERIFIED_NUMBER)
        if change is None or not number:
            dispatcher.utter_message(response="utter_anything_else")
            return [SlotSet(PENDING_CHANGE, None)]
        turn = AccountTurn(number, AccountClient.shared(), dispatcher, tracker, domain)

        async def apply() -> list[EventType]:
            await _APPLY[change["kind"]](turn, change)
            return []

        await apologise_on_failure(turn, f"confirmed {change['kind']}", apply())
        return [SlotSet(PENDING_CHANGE, None)]


class ActionHandleDeny(Action):
    def name(self) -> str:
        return "action_handle_deny"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[EventType]:
        if change_awaiting_answer(tracker) is not None:
            dispatcher.utter_message(response="utter_change_dropped")
        else:
            dispatcher.utter_message(response="utter_anything_else")
        return [SlotSet(PENDING_CHANGE, None)]
