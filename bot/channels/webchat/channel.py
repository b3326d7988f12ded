"""Rasa's socket.io channel with what a public web page needs.

Differences from `rasa.core.channels.socketio.SocketIOInput`:
- only the configured origins may connect (`allowed_origins` in credentials.yml), never `*`;
- the page itself is served at `/webchat`, so one address gives the whole chat;
- a session id must be one we could have issued (32 hex digits): a page cannot pick another
  channel's conversation, such as an SMS customer's, whose sender ids look different;
- metadata from the page is dropped: nothing the browser says can vouch for a customer; what
  the page may send with a message is its `message_id`, which it sends again with the
  message when the connection broke before an answer came: the message is handled once and
  the first answer sent again (bot/channels/once.py);
- messages pass the handoff gate, and what a human agent writes is pushed to the page while it
  is connected (`bot/channels/push.py`).

What of Rasa's socket.io channel this builds on is in bot/rasa_compat/socketio_blueprint.py.
"""

from __future__ import annotations

import logging
import mimetypes
import re
import uuid
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint, Sanic, response
from sanic.exceptions import NotFound
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import rasa_compat, settings
from bot.channels.gate import HandoffGate, OnNewMessage
from bot.channels.guard import customer_pipeline
from bot.channels.once import MESSAGE_ID, message_id_of
from bot.channels.push import AgentPush
from bot.rasa_compat.socketio_blueprint import join_session, output, socketio_blueprint

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"
SESSION_ID = re.compile(r"^[0-9a-f]{32}$")


def allowed_origins(configured: Any) -> list[str]:
    """The origins from credentials.yml (a list or a comma-separated string); by default the
    Rasa server's own addresses, which is where `make run` serves the page."""
    if isinstance(configured, str):
        configured = configured.split(",")
    origins = [
        str(origin).strip().rstrip("/") for origin in configured or [] if str(origin).strip()
    ]
    if "*" in origins:
        raise ValueError("allowed_origins must list the chat page's origins, not '*'")
    if origins:
        return origins
    return settings.value("WEBCHAT_ORIGINS").split(",")


def session_id_of(data: Any) -> str | None:
    """The session id a page sent, when it is one we issue."""
    value = data.get("session_id") if isinstance(data, dict) else None
    return value if isinstance(value, str) and SESSION_ID.match(value) else None


def static_file(name: str) -> Path | None:
    """The file of the page's folder that `name` names, or None: never a folder, never
    anything outside it, whatever the name holds (dots, NUL, very long)."""
    try:
        path = (STATIC_DIR / name).resolve()
        if path.is_relative_to(STATIC_DIR.resolve()) and path.is_file():
            return path
    except (OSError, ValueError):
        pass
    return None


def serve_page(app: Sanic) -> None:
    """The chat page on the app, outside the channel's /webhooks prefix."""

    async def page(_: Request) -> HTTPResponse:
        return await response.file(STATIC_DIR / "index.html", mime_type="text/html; charset=utf-8")

    async def asset(_: Request, name: str) -> HTTPResponse:
        path = static_file(name)
        if path is None:
            raise NotFound("No such file.")
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind.endswith("javascript"):
            kind += "; charset=utf-8"
        return await response.file(path, mime_type=kind)

    app.add_route(page, "/webchat", methods=["GET"], name="webchat_page")
    app.add_route(asset, "/webchat/static/<name:path>", methods=["GET"], name="webchat_static")


class WebChatInput(SocketIOInput):
    def __init__(self, origins: list[str], **socketio: Any) -> None:
        super().__init__(**socketio)
        self.origins = origins

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WebChatInput:
        credentials = credentials or {}
        return cls(
            allowed_origins(credentials.get("allowed_origins")),
            user_message_evt=credentials.get("user_message_evt", "user_uttered"),
            bot_message_evt=credentials.get("bot_message_evt", "bot_uttered"),
            namespace=credentials.get("namespace"),
            session_persistence=bool(credentials.get("session_persistence", True)),
            socketio_path=credentials.get("socketio_path", "/socket.io"),
        )

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        # The Rasa server process's setup (log masking, our overrides of Rasa): the first call
        # Rasa makes to our code once its logging and app exist is this (bot/rasa_compat).
        rasa_compat.install_rasa_server()
        sio, blueprint = socketio_blueprint(self, self.origins, serve_page)
        gate = HandoffGate.from_env()
        gated = customer_pipeline(on_new_message, gate)
        gate.close_with(blueprint)
        connected: dict[str, str] = {}  # socket id → session id
        push = AgentPush.from_env("socketio", lambda: set(connected.values()))

        async def deliver(session_id: str, texts: list[str], ends_service: bool) -> None:
            to_page = output(self, sio)
            for text in texts:
                await to_page.send_text_message(session_id, text)
            if ends_service:
                await gate.back_to_bot(session_id, to_page)

        push.attach(blueprint, deliver)
        logger.info("web chat accepts connections from %s", ", ".join(self.origins))

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("disconnect", namespace=self.namespace)
        async def disconnect(sid: str) -> None:
            connected.pop(sid, None)

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: Any) -> None:
            session_id = session_id_of(data) or uuid.uuid4().hex
            if self.session_persistence:
                await join_session(sio, sid, session_id)
            connected[sid] = session_id
            await sio.emit("session_confirm", session_id, room=sid)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: Any) -> None:
            session_id = connected.get(sid)
            text = data.get("message") if isinstance(data, dict) else None
            if session_id is None or session_id_of(data) != session_id or not isinstance(text, str):
                logger.debug("web chat message without its session ignored")
                return
            to_page = output(self, sio)
            message_id = message_id_of(data.get(MESSAGE_ID))
            await gated(
                UserMessage(
                    text,
                    to_page,
                    session_id,
                    input_channel=self.name(),
                    metadata=None if message_id is None else {MESSAGE_ID: message_id},
                )
            )

        return blueprint
