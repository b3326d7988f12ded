"""Rasa's REST channel (`/webhooks/rest/webhook`) behind the handoff gate.

Request/response cannot push, so an agent's replies reach a REST customer with the answer to
their next message.
"""

from __future__ import annotations

from rasa.core.channels import rest
from sanic import Blueprint

from bot.channels.gate import HandoffGate, OnNewMessage


class RestInput(rest.RestInput):
    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        return super().blueprint(HandoffGate.from_env().wrap(on_new_message))
