"""Rasa's REST channel with what its webhook reads from a request in our hands.

Rasa 3.6's `RestInput.blueprint` has no hook of its own: its `POST /webhook` route reads a
request through the channel's private `_extract_sender` (awaited, first), `_extract_message`
and `_extract_input_channel`, and its public `get_metadata`; the only way to change what it
reads is to override those, and this module is where we do (tests/rasa_compat/
test_rest_input.py pins the names, the order and that the route calls them):

- `_extract_sender` refuses a body that is not a JSON object with a 400: Rasa reads every field
  with `req.json.get(…)`, which fails on a list, a string or nothing with a 500; because the
  route reads the sender first, `_extract_message` never meets such a body. The sender id is
  then the channel's to refuse (`check_sender`).
- `_extract_input_channel` is always the channel's own name, where Rasa's takes the caller's
  `input_channel`: a caller could otherwise pass its conversation off as SMS or web chat.
"""

from __future__ import annotations

from typing import Any

from rasa.core.channels import rest
from sanic.exceptions import InvalidUsage
from sanic.request import Request


class RestInput(rest.RestInput):
    def check_sender(self, sender: Any) -> None:
        """Raise InvalidUsage (a 400) to refuse the sender id a caller named; any is fine here."""

    async def _extract_sender(self, req: Request) -> str | None:
        if not isinstance(req.json, dict):  # Rasa would fail on `.get` with a 500
            raise InvalidUsage("The body must be a JSON object with sender and message.")
        sender = await super()._extract_sender(req)
        self.check_sender(sender)
        return sender

    def _extract_input_channel(self, req: Request) -> str:
        """Always the channel's name: a caller cannot pass its conversation off as another
        channel's."""
        return self.name()
