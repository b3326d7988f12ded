"""What bot/rasa_compat/socketio_blueprint.py builds on of Rasa's socket.io channel (and of
python-socketio), and what the web chat's rewrite of Rasa's blueprint changes."""

from __future__ import annotations

import asyncio
import inspect
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import websockets
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, Sanic
from socketio import AsyncServer
from websockets.exceptions import InvalidStatusCode

from bot import rasa_compat
from bot.channels.webchat.channel import WebChatInput
from bot.http import JsonErrorHandler
from bot.rasa_compat.socketio_blueprint import SocketIOBlueprint, output, socketio_blueprint
from tests.serving import new_app, serving

PAGE = "http://page.example"
TIMEOUT_S = 10  # a bound on a failure, never a wait for a result


async def nothing(_: UserMessage) -> None:
    pass


class Emits:
    """An AsyncServer's emit, recorded."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, Any, str | None]] = []

    async def emit(self, event: str, data: Any = None, room: str | None = None, **_: Any) -> None:
        self.sent.append((event, data, room))


def test_rasas_socket_blueprint_keeps_the_server_and_attaches_it_when_registered() -> None:
    parameters = list(inspect.signature(SocketBlueprint.__init__).parameters)
    assert parameters[:3] == ["self", "sio", "socketio_path"]
    on_app: list[Sanic] = []
    channel = SocketIOInput(socketio_path="/socket.io")
    sio, blueprint = socketio_blueprint(channel, [PAGE], on_app.append)
    assert isinstance(blueprint, SocketIOBlueprint)
    assert isinstance(blueprint, SocketBlueprint)
    assert (blueprint.ctx.sio, blueprint.ctx.socketio_path) == (sio, "/socket.io")
    app = new_app()
    app.blueprint(blueprint, url_prefix="/webhooks/socketio")
    assert any(route.path.startswith("socket.io") for route in app.router.routes)
    assert on_app == [app]
    assert isinstance(app.error_handler, JsonErrorHandler)


def test_rasa_finds_the_server_for_its_own_messages_as_the_channels_sio() -> None:
    channel = SocketIOInput()
    with pytest.warns(UserWarning, match="cannot be recreated"):
        assert channel.get_output_channel() is None  # Rasa's answer before a blueprint
    sio, _ = socketio_blueprint(channel, [PAGE], lambda app: None)
    found = channel.get_output_channel()
    assert isinstance(found, SocketIOOutput)
    assert found.sio is sio


async def test_rasas_output_sends_to_the_room_of_the_recipient_id() -> None:
    emits = Emits()
    channel = SocketIOInput(bot_message_evt="bot_uttered")
    await output(channel, emits).send_text_message("session-1", "一\n\n二")  # type: ignore[arg-type]
    assert emits.sent == [
        ("bot_uttered", {"text": "一"}, "session-1"),
        ("bot_uttered", {"text": "二"}, "session-1"),
    ]


def test_entering_a_room_is_a_coroutine() -> None:
    assert inspect.iscoroutinefunction(AsyncServer.enter_room)


@pytest.fixture
def web_chat(monkeypatch: pytest.MonkeyPatch) -> WebChatInput:
    """Our channel as credentials.yml sets it up, its agent desk nowhere; the process-wide
    setup it starts with is tests/rasa_compat/test_install.py's."""
    monkeypatch.setattr(rasa_compat, "install_rasa_server", lambda: None)
    monkeypatch.setenv("HANDOFF_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AGENT_PUSH_INTERVAL_S", "3600")
    return WebChatInput.from_credentials({"allowed_origins": PAGE, "session_persistence": True})


class Page:
    """A chat page's socket at the protocol level, as tests/acceptance/test_webchat_channel.py
    speaks it (Engine.IO 4 packets: 0 open, 2 ping, 3 pong, 4 message; Socket.IO: 0 connect,
    2 event), because python-socketio's websocket client needs a newer aiohttp than Rasa's."""

    def __init__(self, socket: websockets.WebSocketClientProtocol, sid: str) -> None:
        self.socket = socket
        self.sid = sid  # the socket's id on the server, as its handlers get it

    async def emit(self, event: str, data: Any) -> None:
        await self.socket.send("42" + json.dumps([event, data]))

    async def event(self, name: str) -> Any:
        """The data of the next `name` event sent to the page (pings answered meanwhile)."""
        while True:
            packet = str(await asyncio.wait_for(self.socket.recv(), TIMEOUT_S))
            if packet == "2":
                await self.socket.send("3")
            elif packet.startswith("42"):
                event, data = json.loads(packet[2:])
                if event == name:
                    return data

    async def start_session(self) -> str:
        await self.emit("session_request", {"session_id": uuid.uuid4().hex})
        return str(await self.event("session_confirm"))


@asynccontextmanager
async def page(
    channel: SocketIOInput, origin: str = PAGE
) -> AsyncIterator[tuple[Page, AsyncServer]]:
    """A page connected to the channel's blueprint on a served app, and the channel's server."""
    app = new_app()
    blueprint: Blueprint = channel.blueprint(nothing)
    app.blueprint(blueprint, url_prefix="/webhooks/socketio")
    assert channel.sio is not None
    async with serving(app) as url:
        address = url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        async with websockets.connect(address, origin=origin, open_timeout=TIMEOUT_S) as socket:
            assert str(await asyncio.wait_for(socket.recv(), TIMEOUT_S)).startswith("0")
            await socket.send("40")
            connected = str(await asyncio.wait_for(socket.recv(), TIMEOUT_S))
            assert connected.startswith("40")
            yield Page(socket, json.loads(connected[2:])["sid"]), channel.sio


@pytest.mark.filterwarnings("ignore:coroutine 'AsyncServer.enter_room' was never awaited")
async def test_rasas_own_channel_never_puts_the_page_in_its_sessions_room() -> None:
    async with page(SocketIOInput(session_persistence=True)) as (chat, sio):
        session_id = await chat.start_session()
        assert session_id not in sio.rooms(chat.sid)


async def test_the_web_chat_page_gets_what_is_sent_to_its_session(web_chat: WebChatInput) -> None:
    async with page(web_chat) as (chat, sio):
        session_id = await chat.start_session()
        assert session_id in sio.rooms(chat.sid)
        rasas_output = web_chat.get_output_channel()
        assert rasas_output is not None
        await rasas_output.send_text_message(session_id, "好")
        assert await chat.event("bot_uttered") == {"text": "好"}


async def test_another_sites_page_cannot_connect(web_chat: WebChatInput) -> None:
    elsewhere = "http://elsewhere.example"
    async with page(SocketIOInput(), origin=elsewhere) as (chat, _):  # Rasa's: any origin
        assert chat.sid
    with pytest.raises(InvalidStatusCode):
        async with page(web_chat, origin=elsewhere):
            pass
