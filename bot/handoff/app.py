"""The agent desk's HTTP API (docs/agent_desk_api.md) and web page around a HandoffStore.

Two tokens, two audiences: `/api/…` is for human agents (the web page sends their token),
`/internal/…` for our own processes; neither token opens the other's routes, so an agent
cannot act as the gate and a leaked gate token does not show the queue. `/` (the page) and
`/health` need none: the page asks for the token and keeps it in the browser tab only.

Handlers call the store directly, as the account service does: each operation is a few
indexed SQLite statements on a local file. A background task expires the handoffs nobody
claimed in time. Every answer is JSON, errors included (bot/http.py), and an unexpected
exception is a bare 500 whose traceback goes to the log with numbers masked.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, raw

from bot.handoff.store import HandoffStore
from bot.http import (
    JsonErrorHandler,
    json_object,
    require_distinct_tokens,
    require_tokens,
    respond,
    tokens_by_prefix,
)
from bot.phone import mask_phone_numbers
from bot.service_errors import InvalidInput, NotFound, refusal

logger = logging.getLogger(__name__)

# What an agent does to a handoff (claim, hand back, close): by its id, in the agent's name.
AgentAct = Callable[[int, Any], dict[str, Any]]

DEFAULT_NAME = "agent_desk"
PAGE_FILE = Path(__file__).with_name("static") / "desk.html"
REQUEST_MAX_BYTES = 512 * 1024  # the largest body is a handoff with a long transcript
MAX_SWEEP_INTERVAL_S = 5.0
# The page's own inline script and style, and calls to this server: nothing from elsewhere.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
        "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def sweep_interval(claim_timeout_s: float) -> float:
    """Often enough that a handoff expires at most half its timeout late, and at most 5 s."""
    return min(MAX_SWEEP_INTERVAL_S, claim_timeout_s / 2)


def handoff_number(value: str) -> int:
    """A handoff id from the path; anything that is not one names no handoff."""
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise NotFound("unknown_handoff")
    return int(value)


def sender_of(segment: str) -> str:
    """The sender id from its path segment: Sanic 21.12 hands parameters over still
    percent-encoded, and a Rasa sender id may hold any character."""
    return unquote(segment)


def body_of(request: Request) -> dict[str, Any]:
    body = json_object(request)
    if body is None:
        raise InvalidInput("invalid_body")
    return body


def for_agents(handoff: dict[str, Any]) -> dict[str, Any]:
    """A handoff as agents see it: the customer's number masked (138****8000)."""
    number = handoff.get("number")
    return {**handoff, "number": mask_phone_numbers(number) if number else number}


def expire_now(store: HandoffStore, claim_timeout_s: float) -> None:
    """One sweep; a failure is logged and the next sweep tries again."""
    try:
        expired = store.expire_unclaimed(claim_timeout_s)
    except Exception:
        logger.exception("expiring unclaimed handoffs failed")
        return
    for handoff in expired:
        logger.info("handoff %d expired: nobody claimed it in %g s", handoff["id"], claim_timeout_s)


def create_app(
    store: HandoffStore,
    agent_token: str,
    internal_token: str,
    claim_timeout_s: float,
    name: str = DEFAULT_NAME,
) -> Sanic:
    """The desk; `name` must be unique in the process (Sanic keeps a registry of apps)."""
    require_distinct_tokens(
        "the agent desk", {"the agent token": agent_token, "the internal token": internal_token}
    )
    if not claim_timeout_s > 0:
        raise ValueError("the claim timeout must be positive")
    page = PAGE_FILE.read_bytes()
    guard = tokens_by_prefix({"/api": agent_token, "/internal": internal_token})
    # "No handoff" is the usual answer about a conversation, not worth a log line.
    routine = frozenset({"no_active_handoff"})
    app = Sanic(name, error_handler=JsonErrorHandler(guard, refusal, logger, routine))
    app.config.FALLBACK_ERROR_FORMAT = "json"
    app.config.REQUEST_MAX_SIZE = REQUEST_MAX_BYTES
    require_tokens(app, guard, logger)

    async def expire_periodically() -> None:
        interval = sweep_interval(claim_timeout_s)
        while True:
            expire_now(store, claim_timeout_s)
            await asyncio.sleep(interval)

    async def start_expiry(app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
        # What `app.add_task` does under `app.run`; Sanic 21.12 refuses `add_task` from a
        # listener when started by `create_server` (the tests), hence the loop's own call.
        app.ctx.expiry = loop.create_task(expire_periodically(), name="handoff-expiry")

    async def stop_expiry(app: Sanic, _: object) -> None:
        task = getattr(app.ctx, "expiry", None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app.register_listener(start_expiry, "after_server_start")
    app.register_listener(stop_expiry, "before_server_stop")

    @app.get("/")
    async def desk_page(request: Request) -> HTTPResponse:
        return raw(page, content_type="text/html; charset=utf-8", headers=PAGE_HEADERS)

    @app.get("/health")
    async def health(request: Request) -> HTTPResponse:
        return respond({"status": "ok"})

    # -- agents ---------------------------------------------------------------------------------

    @app.get("/api/handoffs")
    async def list_handoffs(request: Request) -> HTTPResponse:
        return respond({"handoffs": [for_agents(h) for h in store.list_active()]})

    @app.get("/api/handoffs/<handoff_id:str>")
    async def get_handoff(request: Request, handoff_id: str) -> HTTPResponse:
        return respond({"handoff": for_agents(store.get(handoff_number(handoff_id)))})

    def agent_acts(request: Request, handoff_id: str, act: AgentAct) -> HTTPResponse:
        number, agent = handoff_number(handoff_id), body_of(request).get("agent")
        return respond({"handoff": for_agents(act(number, agent))})

    @app.post("/api/handoffs/<handoff_id:str>/claim")
    async def claim(request: Request, handoff_id: str) -> HTTPResponse:
        return agent_acts(request, handoff_id, store.claim)

    @app.post("/api/handoffs/<handoff_id:str>/reply")
    async def reply(request: Request, handoff_id: str) -> HTTPResponse:
        number, body = handoff_number(handoff_id), body_of(request)
        message = store.reply(number, body.get("agent"), body.get("text"))
        return respond({"message": message}, status=201)

    @app.post("/api/handoffs/<handoff_id:str>/hand-back")
    async def hand_back(request: Request, handoff_id: str) -> HTTPResponse:
        return agent_acts(request, handoff_id, store.hand_back)

    @app.post("/api/handoffs/<handoff_id:str>/close")
    async def close(request: Request, handoff_id: str) -> HTTPResponse:
        return agent_acts(request, handoff_id, store.close)

    # -- our processes --------------------------------------------------------------------------

    @app.post("/internal/handoffs")
    async def open_handoff(request: Request) -> HTTPResponse:
        body = body_of(request)
        handoff, position = store.open_handoff(
            body.get("sender"),
            body.get("channel"),
            body.get("number"),
            body.get("ticket"),
            body.get("transcript", []),
        )
        return respond({"handoff": handoff, "position": position}, status=201)

    @app.get("/internal/handoffs/<sender:str>")
    async def active(request: Request, sender: str) -> HTTPResponse:
        found = store.active(sender_of(sender))
        if found is None:
            raise NotFound("no_active_handoff")
        handoff, position = found
        return respond({"handoff": handoff, "position": position})

    @app.post("/internal/inbound/<sender:str>")
    async def inbound(request: Request, sender: str) -> HTTPResponse:
        handoff, outbox = store.inbound(sender_of(sender), body_of(request).get("text"))
        if handoff is None:
            return respond({"kept": False, "outbox": outbox})
        position = handoff["position"]
        return respond({"kept": True, "handoff": handoff, "position": position, "outbox": outbox})

    @app.post("/internal/outbox/take")
    async def take_channel_outbox(request: Request) -> HTTPResponse:
        body = body_of(request)
        return respond(
            {"outbox": store.take_channel_outbox(body.get("channel"), body.get("senders"))}
        )

    return app
