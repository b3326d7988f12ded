"""Injected send failures and what the gateway is doing: `/control/refuse`, `/control/accept`,
`/control/state`, and `/health`. No key (loopback only)."""

from __future__ import annotations

import logging

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.http import respond
from bot.smsgateway.fields import body_of, control_int
from bot.smsgateway.state import gateway_of

logger = logging.getLogger(__name__)


async def health(request: Request) -> HTTPResponse:
    return respond({"status": "ok"})


async def state(request: Request) -> HTTPResponse:
    gateway = gateway_of(request)
    return respond({"refusing": gateway.faults.state(), "waiting": gateway.arrivals.waiting})


async def refuse(request: Request) -> HTTPResponse:
    body = body_of(request)
    status = control_int(body, "status", 400, 599)
    count = None if body.get("count") is None else control_int(body, "count", 1, 1_000_000)
    faults = gateway_of(request).faults
    faults.refuse(status, count)
    logger.info("refusing sends with %d (%s)", status, count or "until accepted")
    return respond({"refusing": faults.state()})


async def accept(request: Request) -> HTTPResponse:
    gateway_of(request).faults.accept()
    return respond({"refusing": None})


def routes() -> Blueprint:
    blueprint = Blueprint("control")
    blueprint.add_route(health, "/health", methods=["GET"])
    blueprint.add_route(state, "/control/state", methods=["GET"])
    blueprint.add_route(refuse, "/control/refuse", methods=["POST"])
    blueprint.add_route(accept, "/control/accept", methods=["POST"])
    return blueprint
