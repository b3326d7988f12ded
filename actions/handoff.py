"""Handing the conversation to a human agent (the agent desk, bot/handoff).

The desk gets the transcript so far, with phone numbers masked and the service password
left out, why the bot hands over, the verified number (for the customer card; the desk shows
it masked) and the assistant's suggested answers to the customer's latest question. From
then on the channels' handoff gate sends the customer's messages to the desk instead of to
the bot, until the agent hands the conversation back. When nobody can take it now, the
customer hears so at once instead of waiting in a queue.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.account_action import VERIFIED_NUMBER
from bot.handoff.client import DeskClient, DeskRequestError, DeskUnavailable
from bot.privacy import mask_phone_numbers
from bot.understanding.replies import texts_from
from bot.understanding.suggestions import suggest

logger = logging.getLogger(__name__)

TICKET_ID = "ticket_id"
# The customer's rating of this conversation (actions/satisfaction.py): a human asked for after
# "不满意" is handed over as such.
CSAT_RATING = "csat_rating"
# Shown to the agent instead of what the customer typed when asked for the service password.
PASSWORD_WITHHELD = "（服务密码，已隐去）"
# How many of the customer's latest messages are looked at for one the assistant can answer.
SUGGESTION_LOOKBACK = 5
# Why the bot hands over (docs/agent_desk_api.md, Reasons): {"kind": "asked"}, …
Reason = dict[str, Any]


def _time(timestamp: Any) -> str | None:
    if not isinstance(timestamp, int | float):
        return None
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat(timespec="seconds")


@dataclass
class Conversation:
    """The conversation as the agent reads it (numbers masked, the password withheld), and
    the customer's lines the assistant can suggest answers to, newest first, with what the
    NLU made of each."""

    lines: list[dict[str, Any]] = field(default_factory=list)
    questions: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def read_conversation(tracker: Tracker) -> Conversation:
    conversation = Conversation()
    requested_slot = None
    for event in tracker.events:
        kind = event.get("event")
        if kind == "slot" and event.get("name") == "requested_slot":
            requested_slot = event.get("value")
        elif kind == "user":
            text = mask_phone_numbers(str(event.get("text") or ""))
            if requested_slot == "service_password":
                text = PASSWORD_WITHHELD
            else:
                conversation.questions.insert(0, (text, event.get("parse_data") or {}))
            conversation.lines.append(
                {"author": "customer", "text": text, "at": _time(event.get("timestamp"))}
            )
        elif kind == "bot" and event.get("text"):
            conversation.lines.append(
                {
                    "author": "bot",
                    "text": mask_phone_numbers(str(event["text"])),
                    "at": _time(event.get("timestamp")),
                }
            )
    return conversation


def transcript(tracker: Tracker) -> list[dict[str, Any]]:
    return read_conversation(tracker).lines


def suggestions_for(
    conversation: Conversation, domain: dict[str, Any]
) -> tuple[list[dict[str, str]], str | None]:
    """The assistant's answers to the customer's latest message that has any (a "转人工"
    has none; the question before it has), looking back SUGGESTION_LOOKBACK messages."""
    texts = texts_from(domain["responses"])
    for text, parse_data in conversation.questions[:SUGGESTION_LOOKBACK]:
        suggested = suggest(text, parse_data, texts)
        if suggested:
            return suggested, text
    return [], None


def customer_messages(tracker: Tracker) -> list[str]:
    return [line["text"] for line in transcript(tracker) if line["author"] == "customer"]


def misunderstood(tracker: Tracker) -> Reason:
    """The two messages the assistant missed: the two before the customer's yes."""
    return {"kind": "misunderstood", "messages": customer_messages(tracker)[-3:-1]}


async def hand_off(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    domain: dict[str, Any],
    reason: Reason,
) -> None:
    """Queues the conversation for an agent, with why and the assistant's suggestions, and
    tells the customer their place in the queue; when nobody can take it now, or the desk
    cannot be reached, says so at once (a complaint's ticket stands, else 10086)."""
    number = tracker.get_slot(VERIFIED_NUMBER)
    ticket = tracker.get_slot(TICKET_ID)
    conversation = read_conversation(tracker)
    suggested, suggested_for = suggestions_for(conversation, domain)
    try:
        opened = await DeskClient.shared().open_handoff(
            sender=tracker.sender_id,
            channel=tracker.get_latest_input_channel() or "rest",
            number=number or None,
            ticket=ticket,
            transcript=conversation.lines,
            reason=reason,
            suggestions=suggested,
            suggestions_for=suggested_for,
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
    unstaffed = opened.get("unstaffed")
    if unstaffed is not None:
        if ticket:
            dispatcher.utter_message(response="utter_handoff_unstaffed_ticket", ticket=ticket)
        elif unstaffed == "outside_hours":
            hours = opened.get("service_hours") or ""
            dispatcher.utter_message(response="utter_handoff_outside_hours", hours=hours)
        else:
            dispatcher.utter_message(response="utter_handoff_unstaffed")
        return
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
        unsatisfied = tracker.get_slot(CSAT_RATING) == "unsatisfied"
        reason = {"kind": "unsatisfied", "rating": None} if unsatisfied else {"kind": "asked"}
        await hand_off(dispatcher, tracker, domain, reason)
        return []
