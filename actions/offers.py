"""Offers the assistant makes that a yes accepts: a human agent after two misses in a row.

Like a change (actions/confirmation.py), an offer holds only for the customer's very next
message: a later "好的" about something else accepts nothing.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import hand_off, misunderstood

PENDING_OFFER = "pending_offer"

Offer = dict[str, Any]


def user_turns(tracker: Tracker) -> int:
    """How many messages the customer has sent so far in this conversation."""
    return sum(1 for event in tracker.events if event.get("event") == "user")


def make_offer(tracker: Tracker, offer: Offer) -> list[EventType]:
    return [SlotSet(PENDING_OFFER, {**offer, "asked_at": user_turns(tracker)})]


def offer_awaiting_answer(tracker: Tracker) -> Offer | None:
    offer = tracker.get_slot(PENDING_OFFER)
    if not isinstance(offer, dict) or offer.get("kind") != "handoff":
        return None
    return offer if user_turns(tracker) == offer.get("asked_at", -1) + 1 else None


async def accept(
    offer: Offer, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
) -> list[EventType]:
    await hand_off(dispatcher, tracker, domain, misunderstood(tracker))
    return [SlotSet(PENDING_OFFER, None)]
