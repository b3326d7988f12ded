"""Not understood once: rephrase with suggestions; twice in a row: offer a human."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionHandleFallback


def user(intent: str, text: str = "…") -> dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}


def bot(response: str) -> dict[str, Any]:
    return {"event": "bot", "text": "…", "metadata": {"utter_action": response}}


def tracker(events: list[dict[str, Any]]) -> Tracker:
    latest = events[-1]["parse_data"] if events and events[-1]["event"] == "user" else {}
    return Tracker("customer", {}, latest, events, False, None, {}, "action_listen")


async def responses_after(events: list[dict[str, Any]]) -> list[str | None]:
    dispatcher = CollectingDispatcher()
    await ActionHandleFallback().run(dispatcher, tracker(events), {})
    return [message.get("response") for message in dispatcher.messages]


async def test_first_miss_asks_to_rephrase() -> None:
    events = [user("greet"), bot("utter_greet"), user("nlu_fallback")]
    assert await responses_after(events) == ["utter_ask_rephrase"]


async def test_second_miss_in_a_row_offers_a_human() -> None:
    events = [user("nlu_fallback"), bot("utter_ask_rephrase"), user("nlu_fallback")]
    assert await responses_after(events) == ["utter_offer_human"]


async def test_an_understood_message_in_between_resets_the_count() -> None:
    events = [
        user("nlu_fallback"),
        bot("utter_ask_rephrase"),
        user("faq"),
        bot("utter_faq"),
        user("nlu_fallback"),
    ]
    assert await responses_after(events) == ["utter_ask_rephrase"]


async def test_unsure_dialogue_policy_counts_as_a_first_miss() -> None:
    # Used as the core fallback too: the intent was understood but the next step was not.
    assert await responses_after([user("affirm")]) == ["utter_ask_rephrase"]
