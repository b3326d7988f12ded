"""Handing the conversation to a human agent (the agent desk, bot/handoff).

The desk gets the transcript so far, with phone numbers masked and the service password
left out; from then on the channels' handoff gate sends the customer's messages to the desk
instead of to the bot, until the agent hands the conversation back.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.account_action import VERIFIED_NUMBER
from bot.handoff.client import DeskClient, DeskRequestError, DeskUnavailable
from bot.phone import mask_number
from bot.privacy import mask_phone_numbers

logger = logging.getLogger(__name__)

TICKET_ID = "ticket_id"
# Shown to the agent instead of what the customer typed when asked for the service password.
PASSWORD_WITHHELD = "（服务密码，已隐去）"


def _time(timestamp: Any) -> str | None:
    if not isinstance(timestamp, int | float):
        return None
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat(timespec="seconds")


def transcript(tracker: Tracker) -> list[dict[str, Any]]:
    """The conversation as the agent reads it: numbers masked, the password withheld."""
    lines: list[dict[str, Any]] = []
    requested_slot = None
    for event in tracker.events:
        kind = event.get("event")
        if kind == "slot" and event.get("name") == "requested_slot":
            requested_slot = event.get("value")
        elif kind == "user":
            text = str(event.get("text") or "")
            if requested_slot == "service_password":
                text = PASSWORD_WITHHELD
            lines.append(
                {
                    "author": "customer",
                    "text": mask_phone_numbers(text),
                    "at": _time(event.get("timestamp")),
                }
            )
        elif kind == "bot" and event.get("text"):
            lines.append(
                {
                    "author": "bot",
                    "text": mask_phone_numbers(str(event["text"])),
                    "at": _time(event.get("timestamp")),
                }
            )
    return lines


async def hand_off(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """Queues the conversation for an agent and tells the customer their place in the queue;
    when the desk cannot be reached, gives the hotline instead."""
    number = tracker.get_slot(VERIFIED_NUMBER)
    try:
        opened = await DeskClient.shared().open_handoff(
            sender=tracker.sender_id,
            channel=tracker.get_latest_input_channel() or "rest",
            number=mask_number(number) if number else None,
            ticket=tracker.get_slot(TICKET_ID),
            transcript=transcript(tracker),
        )
    except DeskUnavailable as error:
        logger.warning("handoff: agent desk unavailable (%s)", error)
        dispatcher.utter_message(response="utter_human_contact")
        return
    except DeskRequestError as error:
        if error.code != "already_active":
            logger.warning("handoff: refused (%s %s)", error.status, error.code)
            dispatcher.utter_message(response="utter_human_contact")
            return
        opened = error.body
    position = max(1, int(opened.get("position") or 1))
    dispatcher.utter_message(response="utter_handoff_queued", position=position)


class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[EventType]:
        await hand_off(dispatcher, tracker)
        return []
