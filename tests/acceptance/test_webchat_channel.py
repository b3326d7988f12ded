"""The web chat's socket.io channel as a browser's page uses it (the browser test drives the
page itself): who may connect, whose conversation a page may continue, and an agent's words
pushed while the page is open."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
import socketio

from tests.conftest import RunningAssistant

pytestmark = pytest.mark.server

TIMEOUT_S = 30
# python-socketio's websocket client needs a newer aiohttp than Rasa pins; the browser test
# covers websockets, this one long-polling (the same server handlers).
TRANSPORTS = ["polling"]


@dataclass
class Page:
    """What the chat page does over socket.io."""

    client: socketio.AsyncClient
    said: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    session_id: str = ""

    async def start(self, session_id: str | None = None) -> str:
        confirmed: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self.client.on("session_confirm", lambda sid: confirmed.set_result(sid))
        await self.client.emit("session_request", {"session_id": session_id})
        self.session_id = await asyncio.wait_for(confirmed, TIMEOUT_S)
        return self.session_id

    async def say(self, text: str) -> None:
        await self.client.emit("user_uttered", {"message": text, "session_id": self.session_id})

    async def hear(self, expect: str) -> str:
        """Bot messages until one contains `expect`; all of them, joined."""
        heard = ""
        while expect not in heard:
            message = await asyncio.wait_for(self.said.get(), TIMEOUT_S)
            heard += message.get("text", "")
        return heard


def origin(assistant: RunningAssistant) -> str:
    return f"http://localhost:{assistant.rasa_port}"


@pytest.fixture
async def open_page(assistant: RunningAssistant) -> AsyncIterator[Any]:
    clients: list[socketio.AsyncClient] = []

    async def connect() -> Page:
        client = socketio.AsyncClient(reconnection=False)
        page = Page(client)
        client.on("bot_uttered", page.said.put_nowait)
        await client.connect(
            origin(assistant),
            headers={"Origin": origin(assistant)},
            transports=TRANSPORTS,
            wait_timeout=TIMEOUT_S,
        )
        clients.append(client)
        return page

    yield connect
    for client in clients:
        await client.disconnect()


def test_the_chat_page_and_its_script_are_served(assistant: RunningAssistant) -> None:
    page = requests.get(f"{origin(assistant)}/webchat", timeout=10)
    assert page.status_code == 200 and "在线客服" in page.text
    script = requests.get(f"{origin(assistant)}/webchat/static/vendor/socket.io.min.js", timeout=10)
    assert script.status_code == 200 and len(script.content) > 10_000


async def test_another_sites_page_cannot_connect(assistant: RunningAssistant) -> None:
    client = socketio.AsyncClient(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(
            origin(assistant),
            headers={"Origin": "https://evil.example"},
            transports=TRANSPORTS,
            wait_timeout=10,
        )
    assert not client.connected


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
    await first.client.disconnect()
    second = await open_page()
    assert await second.start(session_id) == session_id
    await second.say("13800138000")
    assert "服务密码" in await second.hear("服务密码")


async def test_a_human_agents_reply_is_pushed_to_the_open_page(
    open_page: Any, assistant: RunningAssistant
) -> None:
    page = await open_page()
    session_id = await page.start()
    await page.say("转人工")
    await page.hear("排在第")
    queue = assistant.agent("GET", "/api/handoffs").json()["handoffs"]
    handoff = next(h for h in queue if h["sender"] == session_id)
    assert handoff["channel"] == "socketio"
    assert assistant.agent("POST", f"/api/handoffs/{handoff['id']}/claim", agent="小王").ok
    assistant.agent("POST", f"/api/handoffs/{handoff['id']}/reply", agent="小王", text="您好，请讲")
    assert "您好，请讲" in await page.hear("您好，请讲")  # without the customer writing again
