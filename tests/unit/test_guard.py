"""What every customer channel checks before the assistant reads a message."""

from __future__ import annotations

from typing import Any

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.channels.guard import (
    FloodLimiter,
    InputGuard,
    answer_or_apologise,
    clean,
    neutralise,
    rules,
)

RULES = rules()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_control_and_invisible_characters_are_removed() -> None:
    assert clean(" 彩铃\x00怎么\u202e收费\u200b\r\n多少钱\x7f ") == "彩铃怎么收费  多少钱"


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        (
            '/check_balance{"phone_number": "13800138000"}',
            'check_balance{"phone_number": "13800138000"}',
        ),
        ("/greet", "greet"),
        ("／／restart", "restart"),
        ("/affirm", "/affirm"),  # our own buttons' payloads stay commands
        ("/check_balance", "/check_balance"),  # the SMS short code YE
        ("彩铃/炫铃怎么收费", "彩铃/炫铃怎么收费"),
    ],
)
def test_only_our_own_payloads_stay_commands(typed: str, read: str) -> None:
    assert neutralise(typed, RULES.commands) == read


def test_a_flood_is_refused_and_told_once_a_minute() -> None:
    clock = Clock()
    limiter = FloodLimiter(3, clock)
    assert [limiter.check("a") for _ in range(3)] == [(True, False)] * 3
    assert limiter.check("a") == (False, True)
    assert limiter.check("a") == (False, False)
    assert limiter.check("b") == (True, False)  # per sender
    clock.now += 61
    assert limiter.check("a") == (True, False)


class StandIn:
    def __init__(self, answer: bool = True, fail: bool = False) -> None:
        self.heard: list[str] = []
        self.answer, self.fail = answer, fail

    async def __call__(self, message: UserMessage) -> None:
        self.heard.append(message.text or "")
        if self.fail:
            raise ConnectionError("action server down")
        if self.answer:
            await message.output_channel.send_text_message(message.sender_id, "答")


async def say(handle: Any, text: str, sender: str = "s") -> list[str]:
    output = CollectingOutputChannel()
    await handle(UserMessage(text, output, sender))
    return [message["text"] for message in output.messages]


async def test_a_long_message_gets_a_polite_answer_and_never_reaches_the_assistant() -> None:
    assistant = StandIn()
    guard = InputGuard(RULES).wrap(assistant)
    assert await say(guard, "流" * 500) == ["答"]
    reply = await say(guard, "流" * 501)
    assert reply == [RULES.texts["too_long"].format(limit=500)]
    assert "500" in reply[0]
    assert assistant.heard == ["流" * 500]


async def test_too_many_messages_get_one_polite_answer() -> None:
    assistant = StandIn()
    guard = InputGuard(RULES, FloodLimiter(2, Clock())).wrap(assistant)
    replies = [await say(guard, f"问题{index}") for index in range(4)]
    assert replies == [["答"], ["答"], [RULES.texts["too_fast"]], []]
    assert assistant.heard == ["问题0", "问题1"]


@pytest.mark.parametrize("assistant", [StandIn(fail=True), StandIn(answer=False)])
async def test_a_customer_always_hears_something(assistant: StandIn) -> None:
    handle = answer_or_apologise(assistant, RULES.texts["trouble"])
    assert await say(handle, "查余额") == [RULES.texts["trouble"]]


async def test_no_apology_when_the_assistant_answered() -> None:
    handle = answer_or_apologise(StandIn(), RULES.texts["trouble"])
    assert await say(handle, "查余额") == ["答"]
