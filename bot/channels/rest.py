"""Rasa's REST channel (`/webhooks/rest/webhook`) behind our customer pipeline (guard.py).

Request/response cannot push, so an agent's replies reach a REST customer with the answer to
their next message. A REST caller names its own conversation, so it may not name another
channel's: an "sms:" conversation belongs to a verified SMS sender (bot/channels/sms/identity.py).
Metadata from the caller is dropped for the same reason: nothing a caller says vouches for it,
and its `input_channel` is ignored (always "rest"). What the body may add is a `message_id`
(1-128 of A-Z a-z 0-9 _ . : -): a message sent again with the same id, to whichever process,
is answered with the first answer and not handled twice (bot/channels/once.py). Without one,
nginx's `X-Request-Id` stands in (bot/cluster/nginx.py): it is the same on each process nginx
tries, so a request passed on after a process died is answered once; with neither, each
request is a new message. What of Rasa's webhook this overrides to read a request so is in
bot/rasa_compat/rest_input.py.
"""

from __future__ import annotations

from typing import Any

from sanic import Blueprint
from sanic.exceptions import InvalidUsage
from sanic.request import Request

from bot import rasa_compat
from bot.channels.gate import HandoffGate, OnNewMessage
from bot.channels.guard import customer_pipeline
from bot.channels.once import ID_RULE, MESSAGE_ID, message_id_of
from bot.channels.sms.identity import PREFIX as SMS_PREFIX
from bot.http import InvalidField
from bot.rasa_compat import rest_input
from bot.rasa_compat.sanic_server import with_json_errors

REQUEST_ID_HEADER = "X-Request-Id"


class RestInput(rest_input.RestInput):
    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        # The Rasa server process's setup (log masking, our overrides of Rasa): the first call
        # Rasa makes to our code once its logging and app exist is this (bot/rasa_compat).
        rasa_compat.install_rasa_server()
        gate = HandoffGate.from_env()
        blueprint = with_json_errors(super().blueprint(customer_pipeline(on_new_message, gate)))
        gate.close_with(blueprint)
        return blueprint

    def check_sender(self, sender: Any) -> None:
        if isinstance(sender, str) and sender.lower().startswith(SMS_PREFIX):
            raise InvalidUsage("This sender id is reserved for another channel.")

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        """Only the caller's message id (the body is a JSON object: `_extract_sender` saw to
        it)."""
        given = request.json.get(MESSAGE_ID)
        if given is None:  # nginx's id of the request, the same on every process it tries
            edge_id = message_id_of(request.headers.get(REQUEST_ID_HEADER))
            return None if edge_id is None else {MESSAGE_ID: edge_id}
        if message_id_of(given) is None:
            raise InvalidField(MESSAGE_ID, ID_RULE + ".")
        return {MESSAGE_ID: given}
