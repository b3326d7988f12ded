"""`python -m bot.smsgateway send`: a customer texting the assistant from a terminal.

The message goes to the running mock gateway's `/control/inbound`, which signs it and posts
it to the bridge as the operator's gateway would; the replies are what the bridge sends
through the gateway to the customer's number, read by long-polling `/api/messages` from the
last id there was before sending. It waits `wait_s` for the first reply, then stops once no
new one came for QUIET_AFTER_REPLY_S (a long answer comes as several parts). Exit code 0 when
a reply came, 1 otherwise.
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

import requests

QUIET_AFTER_REPLY_S = 3.0
MAX_POLL_S = 30.0  # the gateway's longest long-poll
CALL_TIMEOUT_S = 10.0
START_HINT = "start it with `make run`"
# Hints for the bridge's usual refusals.
REFUSAL_HINTS = {
    401: "the signature was rejected: do the gateway and the assistant share SMS_WEBHOOK_SECRET?",
    404: "the running assistant has no SMS channel at this address (SMS_BRIDGE_URL)",
}


class GatewayDown(Exception):
    """The gateway did not answer or answered nonsense."""


def _call(method: str, url: str, timeout_s: float, **kwargs: Any) -> requests.Response:
    try:
        return requests.request(method, url, timeout=timeout_s, **kwargs)
    except requests.RequestException as failure:
        raise GatewayDown(type(failure).__name__) from None


def _messages(gateway: str, number: str, after: int = 0, wait_s: float = 0) -> list[dict]:
    params: dict[str, Any] = {"to": number, "after": after}
    if wait_s > 0:
        params["wait"] = f"{wait_s:.3f}"
    response = _call("GET", f"{gateway}/api/messages", wait_s + CALL_TIMEOUT_S, params=params)
    try:
        return list(response.json()["messages"])
    except (ValueError, KeyError, TypeError):
        raise GatewayDown(f"HTTP {response.status_code}") from None


def send(
    gateway: str,
    number: str,
    text: str,
    wait_s: float,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    gateway = gateway.rstrip("/")
    try:
        before = _messages(gateway, number)
    except GatewayDown:
        print(f"The SMS gateway is not running at {gateway}: {START_HINT}.", file=err)
        return 1
    last = max((message["id"] for message in before), default=0)

    try:
        response = _call(
            "POST",
            f"{gateway}/control/inbound",
            # The bridge may take a while: the gateway waits for it up to 30 s.
            40.0,
            json={"from": number, "text": text},
        )
        answer = response.json()
    except (GatewayDown, ValueError) as failure:
        print(f"The SMS gateway at {gateway} failed to take the message: {failure}", file=err)
        return 1
    if response.status_code in (502, 504):
        bridge = answer.get("bridge_url", "the assistant")
        print(f"The gateway could not reach the assistant at {bridge}: {START_HINT}.", file=err)
        return 1
    if response.status_code != 200:
        print(f"The gateway refused the message: {response.status_code} {answer}", file=err)
        return 1
    print(f"→ {number}: {text}", file=out, flush=True)
    status = answer.get("status")
    if not isinstance(status, int) or not 200 <= status < 300:
        hint = REFUSAL_HINTS.get(status) if isinstance(status, int) else None
        print(
            f"The assistant refused the message: the bridge said {status} {answer.get('body')}"
            + (f" ({hint})" if hint else ""),
            file=err,
        )
        return 1

    replied = False
    deadline = time.monotonic() + wait_s
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            arrived = _messages(gateway, number, last, min(remaining, MAX_POLL_S))
        except GatewayDown:
            print(f"The SMS gateway at {gateway} stopped answering.", file=err)
            return 0 if replied else 1
        for message in arrived:
            print(f"← {message['from']}: {message['text']}", file=out, flush=True)
            last = max(last, message["id"])
        if arrived:
            replied = True
            deadline = time.monotonic() + QUIET_AFTER_REPLY_S
    if not replied:
        print(
            f"没有收到回复 (no reply in {wait_s:g} s): the assistant may not be running "
            f"({START_HINT}) or may be slow (try a longer --wait).",
            file=err,
        )
        return 1
    return 0
