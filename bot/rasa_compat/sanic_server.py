"""The Rasa server's own HTTP errors, as the public meets them.

Sanic's default error pages fail on a malformed `Accept` or `Expect` header and answer 500
(found by tests/fuzz); the channels give Rasa's app the JSON error handler our services use
(bot/http.py), so every refusal is a proper status with a JSON body and no traceback.

Rasa makes the app and gives us no hook on it, so this reaches into Sanic in two places
(tests/rasa_compat/test_sanic_server.py pins both):

- `Sanic.error_handler` is replaced when a channel's blueprint is registered: Sanic calls
  `Blueprint.register(app, options)` from `app.blueprint()`, which is how Rasa adds a channel;
- a blueprint Rasa builds itself (the REST channel's) gets its `__class__` swapped for
  JsonErrorsBlueprint. Sanic's blueprints have `__slots__`, and the swap works only because
  Sanic's metaclass gives every subclass empty `__slots__` too (the same memory layout).
"""

from __future__ import annotations

import logging
from typing import Any

from sanic import Blueprint, Sanic

from bot.http import JsonErrorHandler, invalid_field

logger = logging.getLogger("bot.channels")


def answer_errors_in_json(app: Sanic) -> None:
    """Idempotent: each channel's blueprint calls it when it is registered on the app."""
    if not isinstance(app.error_handler, JsonErrorHandler):
        app.error_handler = JsonErrorHandler(lambda _: None, invalid_field, logger)


class JsonErrorsBlueprint(Blueprint):
    """A channel's blueprint that, once registered, has the app answer errors in JSON."""

    def register(self, app: Sanic, options: dict[str, Any]) -> None:
        answer_errors_in_json(app)
        super().register(app, options)


def with_json_errors(blueprint: Blueprint) -> Blueprint:
    """The same blueprint (Rasa builds the REST one itself), made a JsonErrorsBlueprint."""
    blueprint.__class__ = JsonErrorsBlueprint
    return blueprint
