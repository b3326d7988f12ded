"""The SMS bridge between a gateway and the assistant, with a stand-in for Rasa and a
recording gateway: what SMS customers get back, in what order, and what they never get."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from rasa.core.channels.channel import OutputChannel, UserMessage

from bot.channels.sms.bridge import MAX_PARTS, SmsBridge
from bot.channels.sms.gateway import GatewayClient
from bot.channels.sms.phrasebook import phrasebook
from bot.channels.sms.segments import PART_LIMIT, units
from bot.channels.sms.store import SmsStore
from tests.conftest import free_port

NUMBER = "13800138000"
KEY = "gateway-key"
TEXTS = phrasebook().texts


@dataclass
class RecordingGateway:
    """The gateway's send API: records what it accepts, can fail the next few sends."""

    url: str
    sent: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    failures: list[int] = field(default_factory=list)  # statuses to answer, in turn

    async def next_texts(self, count: int, timeout: float = 10) -> list[str]:
        return [(await asyncio.wait_for(self.sent.get(), timeout))["text"] for _ in range(count)]


@pytest.fixture
async def gateway() -> AsyncIterator[RecordingGateway]:
    port = free_port()
    recording = RecordingGateway(f"http://127.0.0.1:{port}/api/send")

    async def send(request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {KEY}":
            return web.json_response({"error": "unauthorized"}, status=401)
        if recording.failures:
            return web.json_response({"error": "busy"}, status=recording.failures.pop(0))
        await recording.sent.put(await request.json())
        return web.json_response({"code": 0})

    app = web.Application()
    app.router.add_post("/api/send", send)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield recording
    await runner.cleanup()


Reply = Callable[[UserMessage], Awaitable[None]]


@dataclass
class StandInAssistant:
    """Answers like Rasa would, through the message's output channel; records what it got."""

    heard: list[str] = field(default_factory=list)
    reply: Reply | None = None

    async def __call__(self, message: UserMessage) -> None:
        self.heard.append(message.text or "")
        if self.reply is not None:
            await self.reply(message)
        else:
            await message.output_channel.send_text_message(message.sender_id, f"答：{message.text}")


@pytest.fixture
async def bridge_parts(
    tmp_path: Path, gateway: RecordingGateway
) -> AsyncIterator[tuple[SmsBridge, StandInAssistant]]:
    assistant = StandInAssistant()
    store = SmsStore(tmp_path / "sms.sqlite3")
    bridge = SmsBridge(
        store, GatewayClient(gateway.url, KEY), "10086", assistant, first_retry_s=0.01
    )
    bridge.start()
    yield bridge, assistant
    await bridge.stop()
    store.shutdown()


async def test_a_message_is_answered_to_the_sender_from_the_service_number(
    bridge_parts: tuple[SmsBridge, StandInAssistant], gateway: RecordingGateway
) -> None:
    bridge, assistant = bridge_parts
    assert bridge.accept("m1", NUMBER, "彩铃怎么收费")
    sent = await asyncio.wait_for(gateway.sent.get(), 10)
    assert sent == {"to": NUMBER, "from": "10086", "text": "答：彩铃怎么收费"}
    assert assistant.heard == ["彩铃怎么收费"]


async def test_a_resent_message_is_answered_once(
    bridge_parts: tuple[SmsBridge, StandInAssistant], gateway: RecordingGateway
) -> None:
    bridge, assistant = bridge_parts
    assert bridge.accept("m1", NUMBER, "第一条")
    assert not bridge.accept("m1", NUMBER, "第一条")
    assert bridge.accept("m2", NUMBER, "第二条")
    assert await gateway.next_texts(2) == ["答：第一条", "答：第二条"]
    assert assistant.heard == ["第一条", "第二条"]


async def test_one_senders_messages_are_answered_in_order_even_when_the_first_is_slow(
    bridge_parts: tuple[SmsBridge, StandInAssistant], gateway: RecordingGateway
) -> None:
    bridge, assistant = bridge_parts
    release = asyncio.Event()

    async def slow_first(message: UserMessage) -> None:
        if message.text == "一":
            await release.wait()
        await message.output_channel.send_text_message(message.sender_id, f"答{message.text}")

    assistant.reply = slow_first
    for index, text in enumerate(["一", "二", "三"]):
        bridge.accept(f"m{index}", NUMBER, text)
    bridge.accept("other", "13900139000", "别人")
    other = await asyncio.wait_for(gateway.sent.get(), 10)  # not held up by the slow one
    assert other["to"] == "13900139000"
    assert assistant.heard == ["一", "别人"]
    release.set()
    assert await gateway.next_texts(3) == ["答一", "答二", "答三"]


async def test_buttons_become_numbered_options_and_a_number_picks_one(
    bridge_parts: tuple[SmsBridge, StandInAssistant], gateway: RecordingGateway
) -> None:
    bridge, assistant = bridge_parts

    async def greet(message: UserMessage) -> None:
        buttons = [
            {"title": "查余额", "payload": "/check_balance"},
            {"title": "查流量", "payload": "/check_usage"},
        ]
        await message.output_channel.send_text_with_buttons(message.sender_id, "您好！", buttons)

    assistant.reply = greet
    bridge.accept("m1", NUMBER, "你好")
    assert await gateway.next_texts(1) == ["您好！\n回复1 查余额\n回复2 查流量"]
    assistant.reply = None
    bridge.accept("m2", NUMBER, "２")
    assert await gateway.next_texts(1) == ["答：/check_usage"]
    bridge.accept("m3", NUMBER, "2")  # the options were used up by the last answer
    assert await gateway.next_texts(1) == ["答：2"]


async def test_a_long_reply_is_capped_and_the_rest_comes_with_more(
    bridge_parts: tuple[SmsBridge, StandInAssistant], gateway: RecordingGateway
) -> None:
    bridge, assistant = bridge_parts
    long_answer = "".join(
        f"第{index}条说明：超出套餐的流量按0.29元/MB计费。" for index in range(20)
    )

    async def explain(message: UserMessage) -> None:
        await message.output_channel.send_text_message(message.sender_id, long_answer)

    assistant.reply = explain
    bridge.accept("m1", NUMBER, "流量怎么算")
    first = await gateway.next_texts(MAX_PARTS)
    assert first[-1] == TEXTS["more_hint"]
    assert all(units(part) <= PART_LIMIT for part in first)
    assistant.reply = None
    shown = "".join(first[:-1])
    while True:
        bridge.accept(f"more{len(shown)}", NUMBER, "更多")
        part = (await gateway.next_texts(1))[0]
        if part == TEXTS["nothing_more"]:
            break
        if part == TEXTS["more_hint"]:
            continue
        shown += part
    assert shown == long_answer
    assert assistant.heard == ["流量怎么算"]  # "更多" never reached the assistant


async def test_opt_out_is_confirmed_once_then_silence_until_the_customer_rejoins(
    bridge_parts: tuple[SmsBridge, StandInAssistant], gateway: RecordingGateway
) -> None:
    bridge, assistant = bridge_parts
    bridge.accept("m1", NUMBER, "TD")
    bridge.accept("m2", NUMBER, "查余额")
    bridge.accept("m3", NUMBER, "退订")
    bridge.accept("m4", NUMBER, "KT")
    bridge.accept("m5", NUMBER, "查余额")
    assert await gateway.next_texts(3) == [TEXTS["opted_out"], TEXTS["rejoined"], "答：查余额"]
    assert assistant.heard == ["查余额"]
    assert gateway.sent.empty()


async def test_an_agents_words_are_not_pushed_to_a_number_that_opted_out(
    bridge_parts: tuple[SmsBridge, StandInAssistant], gateway: RecordingGateway
) -> None:
    bridge, _ = bridge_parts
    await bridge.push(f"sms:{NUMBER}", ["人工客服小王：您好"])
    assert await gateway.next_texts(1) == ["人工客服小王：您好"]
    bridge.accept("m1", NUMBER, "STOP")
    assert await gateway.next_texts(1) == [TEXTS["opted_out"]]
    await bridge.push(f"sms:{NUMBER}", ["人工客服小王：还在吗"])
    assert bridge.store.outbox(NUMBER)[-1]["text"] == TEXTS["opted_out"]


async def test_a_refusing_gateway_gets_the_replies_later_in_order(
    bridge_parts: tuple[SmsBridge, StandInAssistant], gateway: RecordingGateway
) -> None:
    bridge, _ = bridge_parts
    gateway.failures = [503, 503, 429]
    bridge.accept("m1", NUMBER, "一")
    bridge.accept("m2", NUMBER, "二")
    assert await gateway.next_texts(2) == ["答：一", "答：二"]
    assert [item["status"] for item in bridge.store.outbox(NUMBER)] == ["sent", "sent"]
    assert bridge.store.outbox(NUMBER)[0]["attempts"] == 3


async def test_a_message_acknowledged_before_a_restart_is_answered_after_it(
    tmp_path: Path, gateway: RecordingGateway
) -> None:
    path = tmp_path / "sms.sqlite3"
    stuck = asyncio.Event()

    async def never_answers(message: UserMessage) -> None:
        stuck.set()
        await asyncio.Event().wait()

    store = SmsStore(path)
    first = SmsBridge(store, GatewayClient(gateway.url, KEY), "10086", never_answers)
    first.start()
    first.accept("m1", NUMBER, "查余额")
    await asyncio.wait_for(stuck.wait(), 10)
    await first.stop()  # the process dies mid-answer
    store.shutdown()

    store = SmsStore(path)
    assistant = StandInAssistant()
    second = SmsBridge(store, GatewayClient(gateway.url, KEY), "10086", assistant)
    second.start()
    assert await gateway.next_texts(1) == ["答：查余额"]
    assert not second.accept("m1", NUMBER, "查余额")  # and a re-send is still recognised
    await second.stop()
    store.shutdown()


async def test_after_an_agents_service_the_bots_question_follows_with_numbered_options(
    bridge_parts: tuple[SmsBridge, StandInAssistant], gateway: RecordingGateway
) -> None:
    bridge, _ = bridge_parts
    rating = [{"title": "满意", "payload": "/rate{1}"}, {"title": "不满意", "payload": "/rate{3}"}]

    async def back_to_bot(sender: str, output: OutputChannel) -> None:
        await output.send_text_with_buttons(sender, "请您对本次服务评价：", rating)

    await bridge.push(f"sms:{NUMBER}", ["人工客服已结束本次服务"], back_to_bot)
    assert await gateway.next_texts(2) == [
        "人工客服已结束本次服务",
        "请您对本次服务评价：\n回复1 满意\n回复2 不满意",
    ]
    bridge.accept("m1", NUMBER, "2")  # picks the bot's option, as after any reply
    assert await gateway.next_texts(1) == ["答：/rate{3}"]
    bridge.accept("m2", NUMBER, "TD")
    await gateway.next_texts(1)
    asked: list[str] = []

    async def never(sender: str, output: OutputChannel) -> None:
        asked.append(sender)

    await bridge.push(f"sms:{NUMBER}", ["人工客服已结束本次服务"], never)
    assert asked == []  # an opted-out number is not asked for anything
