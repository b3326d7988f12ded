"""What to do when the assistant did not understand the customer."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import hand_off

FALLBACK_INTENT = "nlu_fallback"
# From the second misunderstanding in a row the conversation goes to a human agent.
HAND_OFF_AFTER = 2


def consecutive_fallbacks(tracker: Tracker) -> int:
    """How many of the customer's latest messages in a row were not understood."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        intent = (event.get("parse_data") or {}).get("intent") or {}
        if intent.get("name") != FALLBACK_INTENT:
            break
        count += 1
    return count


class ActionHandleFallback(Action):
    """Asks to rephrase, with suggestions; from the second miss in a row hands off to a human.

    Rules cannot span two customer messages, hence an action rather than two rules.
    """

    def name(self) -> str:
        return "action_handle_fallback"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[dict[str, Any]]:
        if consecutive_fallbacks(tracker) >= HAND_OFF_AFTER:
            dispatcher.utter_message(response="utter_not_understood_again")
            await hand_off(dispatcher, tracker)
        else:
            dispatcher.utter_message(response="utter_ask_rephrase")
        return []
