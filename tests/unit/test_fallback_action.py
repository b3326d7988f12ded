"""Not understood once: rephrase with suggestions; twice in a row: a human agent."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionHandleFallback
from tests.conftest import free_port


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


async def test_second_miss_in_a_row_hands_off_or_gives_the_hotline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With the agent desk unreachable, the customer gets the hotline (utter_human_contact);
    the handoff itself is tested through the real servers in tests/acceptance/."""
    monkeypatch.setenv("HANDOFF_URL", f"http://127.0.0.1:{free_port()}")
    events = [user("nlu_fallback"), bot("utter_ask_rephrase"), user("nlu_fallback")]
    assert await responses_after(events) == ["utter_not_understood_again", "utter_human_contact"]


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
