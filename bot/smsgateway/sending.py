"""`POST /api/send`: our bridge sends one SMS part, with the gateway key. Recorded (and the
waiting readers woken) unless a fault is injected; never more than one part's units."""

from __future__ import annotations

import logging

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.sms.segments import SINGLE_LIMIT
from bot.channels.sms.segments import units as sms_units
from bot.http import is_authorized, respond
from bot.smsgateway.errors import GatewayError
from bot.smsgateway.fields import body_of, string_field
from bot.smsgateway.state import gateway_of

logger = logging.getLogger(__name__)

PART_MAX_UNITS = SINGLE_LIMIT  # one SMS part in UCS-2, as phones count it


async def send(request: Request) -> HTTPResponse:
    gateway = gateway_of(request)
    if not is_authorized(request, gateway.key):
        raise GatewayError("unauthorized")  # before a refusal is used up
    refused_with = gateway.faults.take()
    if refused_with is not None:
        raise GatewayError("refused", status=refused_with)
    body = body_of(request)
    to_number, from_number = string_field(body, "to"), string_field(body, "from")
    text = string_field(body, "text", limit=None)
    units = sms_units(text)
    if units > PART_MAX_UNITS:
        raise GatewayError("text_too_long", units=units, limit=PART_MAX_UNITS)
    message = gateway.store.record(to_number, from_number, text)
    gateway.arrivals.notify()
    logger.info("sent %d: %s -> %s, %d units", message["id"], from_number, to_number, units)
    return respond({"code": 0, "id": message["id"]})


def routes() -> Blueprint:
    blueprint = Blueprint("sending")
    blueprint.add_route(send, "/api/send", methods=["POST"])
    return blueprint
