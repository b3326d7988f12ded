"""Satisfaction: the rating question, asked once per conversation at its natural end, and what
the answer leads to.

The natural ends: a goodbye after the customer was served (action_goodbye), an agent closing or
handing back (handoff_ended, which the channels' handoff gate triggers), the human offered after
a complaint declined (actions/confirmation.py). The answer comes from the question's buttons,
"回复1/2/3" on SMS, or typed words (bot/channels/answers.py); it is kept in `csat_rating` for the
report, and "不满意" offers a human or a call-back ticket (actions/complaint.py). A customer who
ignores the question and asks something else is answered as usual, and is never asked again in
that conversation.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import CSAT_RATING

CSAT_ASKED = "csat_asked"
RATING_ENTITY = "rating"
# The apology after 不满意, with its offer of a human or a call-back ticket.
UNSATISFIED_OFFER = "utter_rated_unsatisfied"
# Each rating and the answer to it.
RATED = {
    "satisfied": "utter_rated_satisfied",
    "neutral": "utter_rated_neutral",
    "unsatisfied": UNSATISFIED_OFFER,
}
# Messages that ask for nothing: a greeting and a goodbye alone have served nobody.
SMALL_TALK = frozenset({"greet", "goodbye", "thank", "bot_challenge"})


def _is_customer_message(event: dict[str, Any]) -> bool:
    """A message the customer sent (not one a channel triggered, such as handoff_ended)."""
    return event.get("event") == "user" and not (event.get("metadata") or {}).get("is_external")


def was_served(tracker: Tracker) -> bool:
    """Whether the customer asked for anything in this conversation."""
    return any(
        _is_customer_message(event)
        and ((event.get("parse_data") or {}).get("intent") or {}).get("name") not in SMALL_TALK
        for event in tracker.events
    )


def just_said(tracker: Tracker, response: str) -> bool:
    """Whether the bot said `response` right before the customer's latest message."""
    seen_latest = False
    for event in reversed(tracker.events):
        if _is_customer_message(event):
            if seen_latest:
                return False
            seen_latest = True
        elif seen_latest and event.get("event") == "bot":
            said = (event.get("metadata") or {}).get("utter_action")
            if said == response:
                return True
    return False


def ask_rating(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """Asks for the rating unless this conversation was asked already."""
    if tracker.get_slot(CSAT_ASKED):
        return []
    dispatcher.utter_message(response="utter_ask_rating")
    return [SlotSet(CSAT_ASKED, True)]


class ActionGoodbye(Action):
    def name(self) -> str:
        return "action_goodbye"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_goodbye")
        return ask_rating(dispatcher, tracker) if was_served(tracker) else []


class ActionAskRating(Action):
    """After an agent closed the conversation or handed it back."""

    def name(self) -> str:
        return "action_ask_rating"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return ask_rating(dispatcher, tracker)


def rating_of(tracker: Tracker) -> str | None:
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == RATING_ENTITY and entity.get("value") in RATED:
            return str(entity["value"])
    return None


class ActionRateService(Action):
    """Keeps the first rating of the conversation and answers it."""

    def name(self) -> str:
        return "action_rate_service"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        rating = rating_of(tracker)
        if rating is None:
            dispatcher.utter_message(response="utter_anything_else")
            return []
        if tracker.get_slot(CSAT_RATING):
            dispatcher.utter_message(response="utter_already_rated")
            return []
        dispatcher.utter_message(response=RATED[rating])
        return [SlotSet(CSAT_ASKED, True), SlotSet(CSAT_RATING, rating)]
