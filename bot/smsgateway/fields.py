"""Reading a request's body and query the way every route of the gateway does: a malformed
one is a GatewayError (400) naming the field."""

from __future__ import annotations

import math
from typing import Any

from sanic.request import Request

from bot.http import json_object
from bot.smsgateway.errors import GatewayError

NUMBER_MAX = 32  # characters of a `to` or `from` field
MAX_WAIT_S = 30.0  # the longest long-poll


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
