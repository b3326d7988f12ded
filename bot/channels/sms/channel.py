"""The SMS-gateway bridge as a Rasa input channel: `POST /webhooks/sms/webhook`.

The inbound contract (docs/sms.md): JSON `{"msg_id", "from", "to", "text", "timestamp"}`,
signed (bot/channels/sms/signature.py). A bad or missing signature, or a stale timestamp, is a
401 and nothing is processed; a valid message is stored and acknowledged with 200
`{"code": 0}` at once, because gateways re-send on errors and timeouts, and answered after
that (bot/channels/sms/bridge.py). A msg_id seen before is acknowledged and ignored.

Configuration in credentials.yml (secrets from the environment): `webhook_secret`,
`gateway_url` (the gateway's send API), `gateway_key`, `service_number`, and `database`
(default var/sms.sqlite3, or SMS_BRIDGE_DB).
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import InputChannel
from sanic import Blueprint, Sanic
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import rasa_compat, settings
from bot.channels.gate import HandoffGate, OnNewMessage
from bot.channels.guard import customer_pipeline
from bot.channels.push import AgentPush
from bot.channels.sms.bridge import SmsBridge
from bot.channels.sms.gateway import GatewayClient
from bot.channels.sms.identity import SMS_CHANNEL
from bot.channels.sms.signature import is_authentic
from bot.channels.sms.store import SmsStore
from bot.http import error, respond
from bot.phone import SERVICE_NUMBER, parse_mobile_number
from bot.rasa_compat.sanic_server import JsonErrorsBlueprint

logger = logging.getLogger(__name__)

MSG_ID_MAX = 128
TEXT_MAX = 5000  # what a gateway could deliver at all (a long SMS is ~ 10 × 67 characters)


def _required(credentials: dict[str, Any], key: str) -> str:
    value = str(credentials.get(key) or "").strip()
    if not value:
        raise ValueError(
            f"credentials.yml: the SMS channel needs `{key}` (`make run` sets it up: docs/sms.md)"
        )
    return value


def read_inbound(body: bytes) -> tuple[str, str, str] | str:
    """(msg_id, sender's number, text) from a signed body, or the error code to answer."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, too deep, huge numbers
        return "invalid_json"
    if not isinstance(payload, dict):
        return "invalid_json"
    msg_id, sender, text = payload.get("msg_id"), payload.get("from"), payload.get("text")
    if not isinstance(msg_id, str) or not 0 < len(msg_id) <= MSG_ID_MAX:
        return "invalid_msg_id"
    number = parse_mobile_number(sender) if isinstance(sender, str) and len(sender) < 30 else None
    if number is None:
        return "invalid_from"
    if not isinstance(text, str) or len(text) > TEXT_MAX:
        return "invalid_text"
    return msg_id, number, text


class SmsInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return SMS_CHANNEL

    def __init__(
        self,
        webhook_secret: str,
        gateway_url: str,
        gateway_key: str,
        service_number: str,
        database: Path,
    ) -> None:
        self._secret = webhook_secret
        self._gateway = GatewayClient(gateway_url, gateway_key)
        self._service_number = service_number
        self._database = database

    def __repr__(self) -> str:  # the secrets stay out of logs
        return f"SmsInput({self._gateway!r}, service_number={self._service_number!r})"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> SmsInput:
        credentials = credentials or {}
        database = credentials.get("database") or settings.value("SMS_BRIDGE_DB")
        return cls(
            _required(credentials, "webhook_secret"),
            _required(credentials, "gateway_url"),
            _required(credentials, "gateway_key"),
            str(credentials.get("service_number") or SERVICE_NUMBER),
            Path(database),
        )

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        # The Rasa server process's setup (log masking, our overrides of Rasa): the first call
        # Rasa makes to our code once its logging and app exist is this (bot/rasa_compat).
        rasa_compat.install_rasa_server()
        sms = JsonErrorsBlueprint("sms_webhook")
        gate = HandoffGate.from_env()
        handle = customer_pipeline(on_new_message, gate)
        gate.close_with(sms)
        self._database.parent.mkdir(parents=True, exist_ok=True)
        store = SmsStore(self._database)
        bridge = SmsBridge(store, self._gateway, self._service_number, handle)

        async def deliver(sender: str, texts: list[str], ends_service: bool) -> None:
            await bridge.push(sender, texts, gate.back_to_bot if ends_service else None)

        AgentPush.from_env(self.name()).attach(sms, deliver)

        @sms.listener("after_server_start")
        async def start(app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
            bridge.start()

        @sms.listener("before_server_stop")
        async def stop(app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
            await bridge.stop()
            await self._gateway.close()
            store.shutdown()

        @sms.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return respond({"status": "ok"})

        @sms.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            body = request.body or b""
            headers = request.headers
            if not is_authentic(
                self._secret, headers.get("X-Timestamp"), headers.get("X-Signature"), body
            ):
                logger.warning("SMS webhook: refused a request without a valid signature")
                return error(401, "invalid_signature", "Missing, wrong or expired signature.")
            inbound = read_inbound(body)
            if isinstance(inbound, str):
                return error(400, inbound, "The message does not follow the inbound contract.")
            msg_id, number, text = inbound
            if not bridge.accept(msg_id, number, text):
                return respond({"code": 0, "duplicate": True})
            return respond({"code": 0})

        return sms
