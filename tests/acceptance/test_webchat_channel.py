"""The web chat's socket.io channel as a browser's page uses it (the browser test drives the
page itself): who may connect, whose conversation a page may continue, and an agent's words
pushed while the page is open."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
import requests
import websockets

from tests.acceptance.test_exactly_once import held_texts
from tests.conftest import RunningAssistant

pytestmark = pytest.mark.server

TIMEOUT_S = 30


class Page:
    """What the chat page does: socket.io over a websocket, spoken at the protocol level
    (Engine.IO 4 packets: 0 open, 2 ping, 3 pong, 4 message; Socket.IO: 0 connect, 2 event)
    because python-socketio's websocket client needs a newer aiohttp than Rasa pins."""

    def __init__(self, socket: websockets.WebSocketClientProtocol) -> None:
        self.socket = socket
        self.session_id = ""
        self.said: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._confirmed: asyncio.Queue[str] = asyncio.Queue()
        self._reader: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, url: str, origin: str) -> Page:
        socket = await websockets.connect(url, origin=origin, open_timeout=TIMEOUT_S)
        page = cls(socket)
        opened = await asyncio.wait_for(socket.recv(), TIMEOUT_S)
        assert str(opened).startswith("0")
        await socket.send("40")
        connected = await asyncio.wait_for(socket.recv(), TIMEOUT_S)
        assert str(connected).startswith("40")
        page._reader = asyncio.get_running_loop().create_task(page._read())
        return page

    async def _read(self) -> None:
        async for packet in self.socket:
            packet = str(packet)
            if packet == "2":
                await self.socket.send("3")
            elif packet.startswith("42"):
                event, data = json.loads(packet[2:])
                if event == "bot_uttered":
                    await self.said.put(data)
                elif event == "session_confirm":
                    await self._confirmed.put(data)

    async def _emit(self, event: str, data: dict[str, Any]) -> None:
        await self.socket.send("42" + json.dumps([event, data], ensure_ascii=False))

    async def start(self, session_id: str | None = None) -> str:
        await self._emit("session_request", {"session_id": session_id})
        self.session_id = await asyncio.wait_for(self._confirmed.get(), TIMEOUT_S)
        return self.session_id

    async def say(self, text: str, message_id: str | None = None) -> None:
        data = {"message": text, "session_id": self.session_id}
        if message_id is not None:  # the page sends one; an older page did not
            data["message_id"] = message_id
        await self._emit("user_uttered", data)

    async def hear(self, expect: str) -> str:
        """Bot messages until one contains `expect`; all of them, joined."""
        heard = ""
        while expect not in heard:
            message = await asyncio.wait_for(self.said.get(), TIMEOUT_S)
            heard += message.get("text", "")
        return heard

    async def close(self) -> None:
        await self.socket.close()
        if self._reader is not None:
            self._reader.cancel()


def origin(assistant: RunningAssistant) -> str:
    return f"http://localhost:{assistant.rasa_port}"


def socket_url(assistant: RunningAssistant) -> str:
    return f"ws://localhost:{assistant.rasa_port}/socket.io/?EIO=4&transport=websocket"


@pytest.fixture
async def open_page(assistant: RunningAssistant) -> AsyncIterator[Any]:
    pages: list[Page] = []

    async def connect() -> Page:
        page = await Page.open(socket_url(assistant), origin(assistant))
        pages.append(page)
        return page

    yield connect
    for page in pages:
        await page.close()


def test_the_chat_page_and_its_script_are_served(assistant: RunningAssistant) -> None:
    page = requests.get(f"{origin(assistant)}/webchat", timeout=10)
    assert page.status_code == 200 and "在线客服" in page.text
    script = requests.get(f"{origin(assistant)}/webchat/static/vendor/socket.io.min.js", timeout=10)
    assert script.status_code == 200 and len(script.content) > 10_000


async def test_another_sites_page_cannot_connect(assistant: RunningAssistant) -> None:
    with pytest.raises(websockets.InvalidStatusCode) as refused:
        await Page.open(socket_url(assistant), "https://evil.example")
    assert refused.value.status_code == 400


async def test_a_question_is_answered_with_quick_replies_as_buttons(open_page: Any) -> None:
    page = await open_page()
    assert re.fullmatch(r"[0-9a-f]{32}", await page.start())
    await page.say("你好")
    greeting = await asyncio.wait_for(page.said.get(), TIMEOUT_S)
    titles = [reply["title"] for reply in greeting.get("quick_replies", [])]
    assert "彩铃资费" in titles
    await page.say("彩铃怎么收费")
    assert "6元/月" in await page.hear("6元/月")


async def test_a_page_cannot_take_over_an_sms_customers_conversation(open_page: Any) -> None:
    page = await open_page()
    session_id = await page.start("sms:13800138000")
    assert re.fullmatch(r"[0-9a-f]{32}", session_id)
    await page.say("查余额")
    assert "手机号码" in await page.hear("手机号码")  # not verified as anyone


async def test_a_reconnected_page_continues_its_conversation(open_page: Any) -> None:
    first = await open_page()
    session_id = await first.start()
    await first.say("帮我查下余额")
    await first.hear("手机号码")
    await first.close()
    second = await open_page()
    assert await second.start(session_id) == session_id
    await second.say("13800138000")
    assert "服务密码" in await second.hear("服务密码")


async def test_a_message_the_page_sends_again_after_a_reconnect_is_answered_once(
    open_page: Any, assistant: RunningAssistant
) -> None:
    first = await open_page()
    session_id = await first.start()
    await first.say("帮我查下余额", message_id="a1")
    asked = await first.hear("手机号码")
    await first.say("13800138000", message_id="a2")
    await first.hear("服务密码")
    await first.close()  # the page did not see the answer: it sends the message again
    second = await open_page()
    assert await second.start(session_id) == session_id
    await second.say("13800138000", message_id="a2")
    assert "服务密码" in await second.hear("服务密码")  # the first answer again
    await second.say("帮我查下余额", message_id="a1")
    assert await second.hear("手机号码") == asked
    assert await held_texts(assistant, session_id) == ["帮我查下余额", "13800138000"]


async def test_a_human_agents_reply_is_pushed_to_the_open_page(
    open_page: Any, assistant: RunningAssistant
) -> None:
    page = await open_page()
    session_id = await page.start()
    assistant.on_duty()
    await page.say("转人工")
    await page.hear("排在第")
    queue = assistant.agent("GET", "/api/handoffs").json()["handoffs"]
    handoff = next(h for h in queue if h["sender"] == session_id)
    assert handoff["channel"] == "socketio"
    assert assistant.agent("POST", f"/api/handoffs/{handoff['id']}/claim", agent="小王").ok
    assistant.agent("POST", f"/api/handoffs/{handoff['id']}/reply", agent="小王", text="您好，请讲")
    assert "您好，请讲" in await page.hear("您好，请讲")  # without the customer writing again
