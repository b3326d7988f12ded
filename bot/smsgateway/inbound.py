"""`POST /control/inbound`: the gateway plays the customer. The message is serialised once,
signed with the webhook secret over those bytes (bot/channels/sms/signature.py) and posted to
the bridge as the operator's gateway would; the bridge's answer is reported, whatever it is."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from typing import Any

import aiohttp
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.sms.signature import signed_headers
from bot.http import respond
from bot.phone import SERVICE_NUMBER
from bot.smsgateway.errors import GatewayError
from bot.smsgateway.fields import body_of, optional_string, string_field
from bot.smsgateway.state import Gateway, gateway_of

logger = logging.getLogger(__name__)

MSG_ID_MAX = 64


async def inbound(request: Request) -> HTTPResponse:
    gateway = gateway_of(request)
    body = body_of(request)
    from_number = string_field(body, "from")
    text = string_field(body, "text", limit=None)
    to_number = optional_string(body, "to", SERVICE_NUMBER)
    msg_id = optional_string(body, "msg_id", uuid.uuid4().hex, limit=MSG_ID_MAX)
    now = time.time()
    payload = {
        "msg_id": msg_id,
        "from": from_number,
        "to": to_number,
        "text": text,
        "timestamp": int(now),
    }
    raw = json.dumps(payload, ensure_ascii=False).encode()  # signed and sent as these bytes
    status, answer = await post_to_bridge(
        gateway, raw, signed_headers(gateway.secret, raw, now=now)
    )
    logger.info("inbound %s: %s -> %s, bridge %d", msg_id, from_number, to_number, status)
    return respond({"msg_id": msg_id, "status": status, "body": answer})


async def post_to_bridge(gateway: Gateway, raw: bytes, headers: dict[str, str]) -> tuple[int, Any]:
    """The bridge's status and its JSON answer (or its text when it is not JSON)."""
    url, timeout_s = gateway.bridge_url, gateway.bridge_timeout_s
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s)) as session,
            session.post(url, data=raw, headers=headers) as response,
        ):
            status, content = response.status, await response.read()
    except asyncio.TimeoutError:
        logger.warning("bridge %s: no answer in %g s", url, timeout_s)
        raise GatewayError("bridge_timeout", bridge_url=url) from None
    except aiohttp.ClientError as failure:
        logger.warning("bridge %s: %s", url, type(failure).__name__)
        raise GatewayError("bridge_unreachable", bridge_url=url) from None
    try:
        return status, json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return status, content.decode("utf-8", errors="replace")


def routes() -> Blueprint:
    blueprint = Blueprint("inbound")
    blueprint.add_route(inbound, "/control/inbound", methods=["POST"])
    return blueprint
