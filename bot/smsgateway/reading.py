"""`GET /api/messages`: what was sent, by id, long-polling with `wait`; `DELETE /api/messages`
clears them (the tests). No key needed: a reader is a test or the customer's command line."""

from __future__ import annotations

from sanic import Blueprint, Sanic
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.http import respond
from bot.smsgateway.fields import after_id, wait_seconds
from bot.smsgateway.state import gateway_of


async def messages(request: Request) -> HTTPResponse:
    gateway = gateway_of(request)
    to_number, after, wait = request.args.get("to"), after_id(request), wait_seconds(request)
    found = await gateway.arrivals.poll(lambda: gateway.store.messages(to_number, after), wait)
    return respond({"messages": found})


async def clear(request: Request) -> HTTPResponse:
    return respond({"deleted": gateway_of(request).store.clear()})


async def wake_readers(app: Sanic, _: object) -> None:
    # Shutting down: the long-polling readers answer now with what they have.
    app.ctx.gateway.arrivals.close()


def routes() -> Blueprint:
    blueprint = Blueprint("reading")
    blueprint.add_route(messages, "/api/messages", methods=["GET"])
    blueprint.add_route(clear, "/api/messages", methods=["DELETE"])
    blueprint.listener("before_server_stop")(wake_readers)
    return blueprint
