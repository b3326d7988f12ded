"""Handing over, from the action's side, against the real desk app: what the customer is told
(queued, or at once when nobody can come), and what the agent gets (why, the number for the
card, the assistant's suggestions for the customer's latest question)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.complaint import TICKET_ID
from actions.handoff import ActionHandoff
from actions.offers import accept
from bot.handoff.app import DeskOptions
from bot.handoff.presence import ServiceHours
from tests.actions.test_account_actions import tracker, user, verified
from tests.handoff.running import INTERNAL_TOKEN, ON_DUTY, RunningDesk, running_desk
from tests.unit.test_understanding import RESPONSES

ZHANG_WEI = "13800138000"
# The domain as Rasa hands it to the action server: domain.yml's responses and the FAQ's.
DOMAIN: dict[str, Any] = {"responses": {name: [{"text": text}] for name, text in RESPONSES.items()}}


@pytest.fixture
async def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[RunningDesk]:
    async with running_desk(tmp_path) as running:
        monkeypatch.setenv("HANDOFF_URL", running.url)
        monkeypatch.setenv("HANDOFF_TOKEN", INTERNAL_TOKEN)
        yield running


async def hand_over(events: list[dict[str, Any]], slots: dict[str, Any] | None = None) -> list:
    dispatcher = CollectingDispatcher()
    await ActionHandoff().run(dispatcher, tracker(events, slots), DOMAIN)
    return dispatcher.messages


async def test_the_agent_gets_why_who_and_answers_to_the_last_question(desk: RunningDesk) -> None:
    events = [user("彩铃怎么收费", "faq"), user("转人工", "request_human")]
    said = await hand_over(events, verified(ZHANG_WEI))
    assert [(m["response"], m["position"]) for m in said] == [("utter_handoff_queued", 1)]
    [handoff] = desk.store.list_active()
    shown = desk.store.get(handoff["id"])
    assert (shown["reason"], shown["number"]) == ({"kind": "asked"}, ZHANG_WEI)
    assert shown["suggestions_for"]["text"] == "彩铃怎么收费"
    assert shown["suggestions"][0]["text"] == RESPONSES["utter_faq/cailing_fee"]


async def test_two_misses_and_a_yes_give_the_two_messages(desk: RunningDesk) -> None:
    events = [user("asdfgh", "nlu_fallback"), user("🙃🙃", "nlu_fallback"), user("好的", "affirm")]
    dispatcher = CollectingDispatcher()
    await accept({"kind": "handoff"}, dispatcher, tracker(events), DOMAIN)
    [handoff] = desk.store.list_active()
    assert handoff["reason"] == {"kind": "misunderstood", "messages": ["asdfgh", "🙃🙃"]}


async def test_with_nobody_online_the_customer_hears_it_at_once(desk: RunningDesk) -> None:
    desk.store.report_presence(ON_DUTY, False, DeskOptions().presence_ttl_s)
    said = await hand_over([user("转人工", "request_human")])
    assert [m["response"] for m in said] == ["utter_handoff_unstaffed"]
    said = await hand_over([user("转人工", "request_human")], {TICKET_ID: "TS202611220042"})
    assert [(m["response"], m["ticket"]) for m in said] == [
        ("utter_handoff_unstaffed_ticket", "TS202611220042")
    ]
    assert desk.store.list_active() == []


async def test_outside_the_service_hours_the_customer_hears_the_hours(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = DeskOptions(service_hours=ServiceHours.parse("08:00-09:30"))  # it is 10:00
    async with running_desk(tmp_path, options=options) as running:
        monkeypatch.setenv("HANDOFF_URL", running.url)
        monkeypatch.setenv("HANDOFF_TOKEN", INTERNAL_TOKEN)
        said = await hand_over([user("转人工", "request_human")])
    assert [(m["response"], m["hours"]) for m in said] == [
        ("utter_handoff_outside_hours", "08:00-09:30")
    ]


async def test_with_the_desk_down_the_customer_gets_the_hotline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HANDOFF_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("HANDOFF_TOKEN", INTERNAL_TOKEN)
    said = await hand_over([user("转人工", "request_human")])
    assert [m["response"] for m in said] == ["utter_human_contact"]
