"""A new conversation session; on SMS the sender is already verified.

The operator's network authenticated the number an SMS came from, so an SMS customer asks
about their own line without the number-and-password form (bot/channels/sms/identity.py says
why an "sms:" conversation can be trusted). Everyone else starts unverified.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.account_action import VERIFIED_NUMBER
from actions.verification import VERIFIED
from bot.channels.sms.identity import number_of


class ActionSessionStart(Action):
    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        events: list[EventType] = [SessionStarted()]
        number = number_of(tracker.sender_id)
        if number is not None:
            events += [SlotSet(VERIFIED, True), SlotSet(VERIFIED_NUMBER, number)]
        events.append(ActionExecuted("action_listen"))
        return events
