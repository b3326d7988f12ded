"""The mock SMS gateway's HTTP API (docs/sms_gateway_mock.md) around an SmsStore.

Three audiences:
- our bridge sends each SMS part with `POST /api/send` and the gateway key (a 401 without it);
- a test or the customer's command line reads what was sent with `GET /api/messages`, which
  long-polls: a waiting reader is woken by the next recorded send (an asyncio.Event that every
  send sets and replaces), not by a timer;
- `/control/…` plays the other side: an inbound SMS, signed with the webhook secret exactly as
  the operator's gateway would and posted to the bridge, and injected send failures.

Only `/api/send` needs the key: this is a mock listening on loopback, and reading or clearing
the sent messages is what the tests and the command line do. Answers are JSON; refusals are
`{"code": <non-zero>, "error": "<name>", "message": …}`, a send `{"code": 0, "id": …}`.
Neither the key nor the secret is ever logged, and numbers in logs are masked (138****8000);
message texts are not logged at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import time
import uuid
from typing import Any

import aiohttp
from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.sms.segments import SINGLE_LIMIT
from bot.channels.sms.segments import units as sms_units
from bot.channels.sms.signature import signed_headers
from bot.http import JsonErrorHandler, is_authorized, json_object, respond, tokens_by_prefix
from bot.smsgateway.store import SmsStore
from bot.sql_store import ServiceError

logger = logging.getLogger(__name__)

DEFAULT_NAME = "sms_gateway"
SERVICE_NUMBER = "10086"
PART_MAX_UNITS = SINGLE_LIMIT  # one SMS part in UCS-2, as phones count it
MAX_WAIT_S = 30.0
NUMBER_MAX = 32  # characters of a `to` or `from` field
MSG_ID_MAX = 64
REQUEST_MAX_BYTES = 64 * 1024
DEFAULT_BRIDGE_TIMEOUT_S = 30.0

# name: (HTTP status, the gateway's numeric code, message)
ERRORS: dict[str, tuple[int, int, str]] = {
    "unauthorized": (
        401,
        1001,
        "A valid key is required: Authorization: Bearer <SMS_GATEWAY_KEY>.",
    ),
    "invalid_body": (400, 1002, "The request body must be a JSON object."),
    "invalid_field": (400, 1003, "This field must be a non-empty string."),
    "empty_text": (400, 1004, "The text is empty."),
    "text_too_long": (
        400,
        1005,
        "The text is longer than one SMS part (70 UCS-2 code units); send each part on its own.",
    ),
    "invalid_query": (400, 1006, "A query parameter is malformed."),
    "invalid_control": (400, 1007, "The control request is malformed."),
    "refused": (503, 1100, "Refused by fault injection (POST /control/refuse); not recorded."),
    "bridge_unreachable": (502, 1201, "The bridge could not be reached."),
    "bridge_timeout": (504, 1202, "The bridge did not answer in time."),
}

ERROR_MESSAGES = {name: message for name, (_, _, message) in ERRORS.items()}


class GatewayError(ServiceError):
    """A refusal of the gateway's API; its body carries the numeric `code` too."""

    messages = ERROR_MESSAGES

    def __init__(self, code: str, *, status: int | None = None, **details: Any) -> None:
        super().__init__(code, **details)
        self.status = status or ERRORS[code][0]

    def body(self) -> dict[str, Any]:
        return {"code": ERRORS[self.code][1], **super().body()}


def refusal(exception: Exception) -> tuple[int, dict[str, Any]] | None:
    if not isinstance(exception, GatewayError):
        return None
    return exception.status, exception.body()


def body_of(request: Request) -> dict[str, Any]:
    body = json_object(request)
    if body is None:
        raise GatewayError("invalid_body")
    return body


def string_field(body: dict[str, Any], name: str, *, limit: int | None = NUMBER_MAX) -> str:
    """A non-empty string (surrounding blanks are not content), at most `limit` characters."""
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        if name == "text" and isinstance(value, str):
            raise GatewayError("empty_text")
        raise GatewayError("invalid_field", field=name)
    if limit is not None and len(value) > limit:
        raise GatewayError("invalid_field", field=name)
    return value


def optional_string(body: dict[str, Any], name: str, default: str, limit: int = NUMBER_MAX) -> str:
    return default if body.get(name) is None else string_field(body, name, limit=limit)


def after_id(request: Request) -> int:
    value = request.args.get("after")
    if value is None:
        return 0
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise GatewayError("invalid_query", field="after")
    return int(value)


def wait_seconds(request: Request) -> float:
    """`wait` in seconds (fractions allowed), at most MAX_WAIT_S; 0 when absent."""
    value = request.args.get("wait")
    if value is None:
        return 0.0
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds >= 0):
        raise GatewayError("invalid_query", field="wait")
    return min(seconds, MAX_WAIT_S)


def control_int(body: dict[str, Any], name: str, low: int, high: int) -> int:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise GatewayError("invalid_control", field=name, allowed=[low, high])
    return value


class Arrivals:
    """Wakes the long-polling readers: `notify` sets the current event and puts a fresh one in
    its place, so a reader that took the event before looking at the store cannot miss a send
    recorded after it looked."""

    def __init__(self) -> None:
        self.current = asyncio.Event()
        self.waiting = 0
        self.closing = False

    def notify(self) -> None:
        event, self.current = self.current, asyncio.Event()
        event.set()


def create_app(
    store: SmsStore,
    key: str,
    secret: str,
    bridge_url: str,
    *,
    bridge_timeout_s: float = DEFAULT_BRIDGE_TIMEOUT_S,
    name: str = DEFAULT_NAME,
) -> Sanic:
    """The gateway; `name` must be unique in the process (Sanic keeps a registry of apps)."""
    if not key or not secret:
        raise ValueError("the SMS gateway needs its key and the webhook secret, non-empty")
    if key == secret:
        raise ValueError("the gateway key and the webhook secret must differ")
    guard = tokens_by_prefix({"/api/send": key})
    app = Sanic(name, error_handler=JsonErrorHandler(guard, refusal, logger))
    app.config.FALLBACK_ERROR_FORMAT = "json"
    app.config.REQUEST_MAX_SIZE = REQUEST_MAX_BYTES
    arrivals = Arrivals()
    # The injected failure: {"status": 503, "remaining": N or None (until /control/accept)}.
    faults: dict[str, Any] = {}

    async def wake_readers(app: Sanic, _: object) -> None:
        # Shutting down: the long-polling readers answer now with what they have.
        arrivals.closing = True
        arrivals.notify()

    app.register_listener(wake_readers, "before_server_stop")

    def refusing() -> dict[str, Any] | None:
        return dict(faults) or None

    @app.get("/health")
    async def health(request: Request) -> HTTPResponse:
        return respond({"status": "ok"})

    # -- the bridge sends ---------------------------------------------------------------------

    @app.post("/api/send")
    async def send(request: Request) -> HTTPResponse:
        if not is_authorized(request, key):
            raise GatewayError("unauthorized")
        if faults:
            status = faults["status"]
            if faults["remaining"] is not None:
                faults["remaining"] -= 1
                if faults["remaining"] <= 0:
                    faults.clear()
            raise GatewayError("refused", status=status)
        body = body_of(request)
        to_number, from_number = string_field(body, "to"), string_field(body, "from")
        text = string_field(body, "text", limit=None)
        units = sms_units(text)
        if units > PART_MAX_UNITS:
            raise GatewayError("text_too_long", units=units, limit=PART_MAX_UNITS)
        message = store.record(to_number, from_number, text)
        arrivals.notify()
        logger.info("sent %d: %s -> %s, %d units", message["id"], from_number, to_number, units)
        return respond({"code": 0, "id": message["id"]})

    # -- reading what was sent ----------------------------------------------------------------

    @app.get("/api/messages")
    async def messages(request: Request) -> HTTPResponse:
        to_number, after, wait = request.args.get("to"), after_id(request), wait_seconds(request)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while True:
            arrival = arrivals.current  # taken before looking: no send slips in between
            found = store.messages(to_number, after)
            remaining = deadline - loop.time()
            if found or remaining <= 0 or arrivals.closing:
                return respond({"messages": found})
            arrivals.waiting += 1
            try:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(arrival.wait(), remaining)
            finally:
                arrivals.waiting -= 1

    @app.delete("/api/messages")
    async def clear(request: Request) -> HTTPResponse:
        return respond({"deleted": store.clear()})

    # -- playing the operator's side ----------------------------------------------------------

    @app.get("/control/state")
    async def state(request: Request) -> HTTPResponse:
        return respond({"refusing": refusing(), "waiting": arrivals.waiting})

    @app.post("/control/refuse")
    async def refuse(request: Request) -> HTTPResponse:
        body = body_of(request)
        status = control_int(body, "status", 400, 599)
        count = None if body.get("count") is None else control_int(body, "count", 1, 1_000_000)
        faults.clear()
        faults.update(status=status, remaining=count)
        logger.info("refusing sends with %d (%s)", status, count or "until accepted")
        return respond({"refusing": refusing()})

    @app.post("/control/accept")
    async def accept(request: Request) -> HTTPResponse:
        faults.clear()
        return respond({"refusing": None})

    @app.post("/control/inbound")
    async def inbound(request: Request) -> HTTPResponse:
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
        status, answer = await post_to_bridge(raw, signed_headers(secret, raw, now=now))
        logger.info("inbound %s: %s -> %s, bridge %d", msg_id, from_number, to_number, status)
        return respond({"msg_id": msg_id, "status": status, "body": answer})

    async def post_to_bridge(raw: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        try:
            async with (
                aiohttp.ClientSession(
                    timeout=aiohttp.ClientTimeout(total=bridge_timeout_s)
                ) as session,
                session.post(bridge_url, data=raw, headers=headers) as response,
            ):
                status, content = response.status, await response.read()
        except asyncio.TimeoutError:
            logger.warning("bridge %s: no answer in %g s", bridge_url, bridge_timeout_s)
            raise GatewayError("bridge_timeout", bridge_url=bridge_url) from None
        except aiohttp.ClientError as failure:
            logger.warning("bridge %s: %s", bridge_url, type(failure).__name__)
            raise GatewayError("bridge_unreachable", bridge_url=bridge_url) from None
        try:
            return status, json.loads(content)
        except (ValueError, UnicodeDecodeError):
            return status, content.decode("utf-8", errors="replace")

    return app
