"""Rasa's REST channel (`/webhooks/rest/webhook`) behind our customer pipeline (guard.py).

Request/response cannot push, so an agent's replies reach a REST customer with the answer to
their next message. A REST caller names its own conversation, so it may not name another
channel's: an "sms:" conversation belongs to a verified SMS sender (bot/channels/sms/identity.py).
Metadata from the caller is dropped for the same reason: nothing a caller says vouches for it.
"""

from __future__ import annotations

from typing import Any

from rasa.core.channels import rest
from sanic import Blueprint
from sanic.exceptions import InvalidUsage
from sanic.request import Request

from bot.channels.gate import HandoffGate, OnNewMessage
from bot.channels.guard import customer_pipeline
from bot.channels.server import with_json_errors
from bot.channels.sms.identity import PREFIX as SMS_PREFIX


class RestInput(rest.RestInput):
    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        gate = HandoffGate.from_env()
        blueprint = with_json_errors(super().blueprint(customer_pipeline(on_new_message, gate)))
        gate.close_with(blueprint)
        return blueprint

    async def _extract_sender(self, req: Request) -> str | None:
        if not isinstance(req.json, dict):  # Rasa would fail on `.get` with a 500
            raise InvalidUsage("The body must be a JSON object with sender and message.")
        sender = await super()._extract_sender(req)
        if isinstance(sender, str) and sender.lower().startswith(SMS_PREFIX):
            raise InvalidUsage("This sender id is reserved for another channel.")
        return sender

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        return None

    def _extract_input_channel(self, req: Request) -> str:
        """Always "rest": a caller cannot pass its conversation off as SMS or web chat."""
        return self.name()
