"""The handoff gate against the real agent desk app (served in the test): one desk call per
customer message, on one reused connection, and the customer sees what they saw before."""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from sanic.request import Request

from bot.accounts.client import AccountClient
from bot.channels.gate import HandoffGate
from bot.handoff.app import create_app
from bot.handoff.client import DeskClient
from bot.handoff.customer import CustomerCards
from bot.handoff.notices import notice
from bot.handoff.store import HandoffStore
from tests.conftest import free_port
from tests.handoff.running import AGENT_TOKEN, INTERNAL_TOKEN, on_duty
from tests.handoff.test_store import TRANSCRIPT
from tests.serving import serving

BOT_ANSWER = "机器人的回答"


class Bot:
    """Rasa's `on_new_message`, as far as the gate can tell."""

    def __init__(self) -> None:
        self.heard: list[str] = []

    async def __call__(self, message: UserMessage) -> None:
        self.heard.append(message.text or "")
        await message.output_channel.send_text_message(message.sender_id or "", BOT_ANSWER)


class CountedDesk:
    def __init__(self, store: HandoffStore, url: str) -> None:
        self.store = store
        self.url = url
        self.requests: Counter[str] = Counter()
        self.connections: set[object] = set()


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[CountedDesk]:
    store = HandoffStore(tmp_path / "handoff.sqlite3")
    on_duty(store)
    # No customer card in these tests: the gate never asks for one.
    cards = CustomerCards(AccountClient("http://127.0.0.1:9", "unused"))
    app = create_app(
        store, AGENT_TOKEN, INTERNAL_TOKEN, 300, cards, name=f"desk_{uuid.uuid4().hex}"
    )
    counted = CountedDesk(store, "")

    async def count(request: Request) -> None:
        counted.requests[f"{request.method} {request.path.split('/')[2]}"] += 1
        counted.connections.add(request.transport.get_extra_info("peername"))

    app.register_middleware(count, "request")
    try:
        async with serving(app) as url:
            counted.url = url
            yield counted
    finally:
        store.shutdown()


async def say(gate: HandoffGate, bot: Bot, sender: str, text: str) -> list[str]:
    output = CollectingOutputChannel()
    await gate.wrap(bot)(UserMessage(text, output, sender, input_channel="rest"))
    return [message["text"] for message in output.messages]


async def test_one_desk_call_per_customer_message(desk: CountedDesk) -> None:
    client = DeskClient(desk.url, INTERNAL_TOKEN)
    gate, bot, sender = HandoffGate(client), Bot(), "会话 1"
    said: list[list[str]] = []

    said.append(await say(gate, bot, sender, "彩铃怎么收费"))  # nobody else has it
    handoff, _ = desk.store.open_handoff(sender, "rest", None, None, TRANSCRIPT)
    said.append(await say(gate, bot, sender, "有人吗"))  # queued: kept for the agent
    desk.store.claim(handoff["id"], "小王")
    desk.store.reply(handoff["id"], "小王", "您好")
    said.append(await say(gate, bot, sender, "话费多扣了"))  # the agent's words come back
    said.append(await say(gate, bot, sender, "在吗"))  # the agent wrote nothing since
    desk.store.reply(handoff["id"], "小王", "已为您退回")
    desk.store.hand_back(handoff["id"], "小王")
    said.append(await say(gate, bot, sender, "谢谢"))  # back to the bot, after what waited
    said.append(await say(gate, bot, sender, "再见"))

    assert said == [
        [BOT_ANSWER],
        [notice("queued", position=1)],
        ["人工客服小王：您好"],
        [],
        ["人工客服小王：已为您退回", notice("handed_back"), BOT_ANSWER],
        [BOT_ANSWER],
    ]
    assert bot.heard == ["彩铃怎么收费", "谢谢", "再见"]
    kept = [
        m["text"] for m in desk.store.get(handoff["id"])["messages"] if m["author"] == "customer"
    ]
    assert kept[-3:] == ["有人吗", "话费多扣了", "在吗"]
    assert desk.requests == {"POST inbound": 6}  # exactly one desk call per message
    assert len(desk.connections) == 1  # all of them on one connection
    await client.close()


async def test_a_queued_customer_learns_their_place(desk: CountedDesk) -> None:
    gate, bot = HandoffGate(DeskClient(desk.url, INTERNAL_TOKEN)), Bot()
    desk.store.open_handoff("s1", "rest", None, None, [])
    desk.store.open_handoff("s2", "rest", None, None, [])
    assert await say(gate, bot, "s2", "有人吗") == [notice("queued", position=2)]
    assert bot.heard == []


async def test_with_the_desk_down_the_bot_answers(caplog: pytest.LogCaptureFixture) -> None:
    gate = HandoffGate(DeskClient(f"http://127.0.0.1:{free_port()}", INTERNAL_TOKEN))
    bot = Bot()
    with caplog.at_level(logging.WARNING, logger="bot.channels.gate"):
        assert await say(gate, bot, "s1", "彩铃怎么收费") == [BOT_ANSWER]
    assert bot.heard == ["彩铃怎么收费"]
    assert "agent desk unavailable, the bot answers" in caplog.text


async def test_with_a_wrong_token_the_bot_answers(desk: CountedDesk) -> None:
    gate, bot = HandoffGate(DeskClient(desk.url, "not-the-token")), Bot()
    desk.store.open_handoff("s1", "rest", None, None, [])
    assert await say(gate, bot, "s1", "有人吗") == [BOT_ANSWER]
