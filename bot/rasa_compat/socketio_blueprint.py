"""What Rasa's socket.io channel sets up, without its handlers, for the web chat to rewrite them.

Rasa 3.6's `SocketIOInput.blueprint` cannot be changed from outside: it builds its
`AsyncServer` with `cors_allowed_origins=[]`, lets a page pick any session id and vouch for
its own metadata, and forgets to await `enter_room`. bot/channels/webchat/channel.py writes
its own handlers instead, on what this module builds the way Rasa's does, relying on
(tests/rasa_compat/test_socketio_blueprint.py pins each):

- Rasa's `SocketBlueprint(sio, socketio_path, name, import_name)`, which attaches the
  socket.io server to the app at `socketio_path` when the blueprint is registered;
- the channel's `sio` attribute, where Rasa's `SocketIOInput.get_output_channel` finds the
  server (for messages Rasa sends outside a customer's turn);
- Rasa's `SocketIOOutput`, which sends a conversation's replies to the room named after its
  recipient id: a page's socket must join the room of its session (`join_session`), and
  `enter_room` is a coroutine in the python-socketio Rasa installs (Rasa's own channel does
  not await it, and its replies then reach nobody).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Sanic
from socketio import AsyncServer

from bot.rasa_compat.sanic_server import answer_errors_in_json

OnApp = Callable[[Sanic], None]


class SocketIOBlueprint(SocketBlueprint):
    """Rasa's SocketBlueprint that also answers the app's errors in JSON and, once registered,
    hands the app to `on_app` (for routes outside the channel's /webhooks prefix)."""

    def __init__(self, sio: AsyncServer, socketio_path: str, on_app: OnApp) -> None:
        super().__init__(sio, socketio_path, "socketio_webhook", __name__)
        self.ctx.on_app = on_app  # Sanic's blueprints take no attributes of their own

    def register(self, app: Sanic, options: dict[str, Any]) -> None:
        answer_errors_in_json(app)
        super().register(app, options)
        self.ctx.on_app(app)


def socketio_blueprint(
    channel: SocketIOInput, origins: list[str], on_app: OnApp
) -> tuple[AsyncServer, SocketIOBlueprint]:
    """A socket.io server for Sanic that only `origins` may connect to, kept as `channel.sio`,
    and the blueprint that attaches it at `channel.socketio_path`."""
    sio = AsyncServer(async_mode="sanic", cors_allowed_origins=origins)
    channel.sio = sio
    return sio, SocketIOBlueprint(sio, channel.socketio_path or "/socket.io", on_app)


def output(channel: SocketIOInput, sio: AsyncServer) -> SocketIOOutput:
    """Rasa's output to a page: replies go to the room of the recipient id (a session id)."""
    return SocketIOOutput(sio, channel.bot_message_evt)


async def join_session(sio: AsyncServer, sid: str, session_id: str) -> None:
    """The socket `sid` gets what is sent to the conversation `session_id`."""
    await sio.enter_room(sid, session_id)
