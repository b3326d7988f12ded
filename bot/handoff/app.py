"""The agent desk's HTTP API (docs/agent_desk_api.md) and web page around a HandoffStore.

Two tokens, two audiences: `/api/…` is for human agents (the web page sends their token),
`/internal/…` for our own processes; neither token opens the other's routes, so an agent
cannot act as the gate and a leaked gate token does not show the queue. `/` (the page) and
`/health` need none: the page asks for the token and keeps it in the browser tab only.

Handlers call the store directly, as the account service does: each operation is a few
indexed SQLite statements on a local file. A background task expires the handoffs nobody
claimed in time. The customer card comes from the account service (bot/handoff/customer.py);
a request for a human while nobody is online, or outside the service hours, is answered at
once (`unstaffed`) so that the bot can tell the customer instead of queueing them for nobody.
Every answer is JSON, errors included (bot/http.py), and an unexpected
exception is a bare 500 whose traceback goes to the log with numbers masked.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, raw

from bot.clock import Clock, local_now
from bot.handoff import canned
from bot.handoff.customer import CustomerCards, surname_on
from bot.handoff.presence import ServiceHours
from bot.handoff.store import HandoffStore
from bot.http import (
    PAGE_HEADERS,
    JsonErrorHandler,
    json_object,
    require_distinct_tokens,
    require_tokens,
    respond,
    tokens_by_prefix,
)
from bot.ops.console import OpsConsole
from bot.ops.routes import add_ops_routes
from bot.phone import mask_phone_numbers
from bot.service_errors import InvalidInput, NotFound, refusal

logger = logging.getLogger(__name__)

# What an agent does to a handoff (claim, hand back, close): by its id, in the agent's name.
AgentAct = Callable[[int, Any], dict[str, Any]]

DEFAULT_NAME = "agent_desk"
PAGE_FILE = Path(__file__).with_name("static") / "desk.html"
REQUEST_MAX_BYTES = 512 * 1024  # the largest body is a handoff with a long transcript
MAX_SWEEP_INTERVAL_S = 5.0


@dataclass(frozen=True)
class DeskOptions:
    """How the desk treats time: presence, service hours, and the page's colour limits."""

    presence_ttl_s: float = 30.0
    service_hours: ServiceHours = field(default_factory=lambda: ServiceHours.parse("00:00-24:00"))
    wait_warn_s: float = 60.0
    wait_alert_s: float = 180.0
    reply_warn_s: float = 60.0
    reply_alert_s: float = 120.0

    def limits(self) -> dict[str, float]:
        return {
            "wait_warn_s": self.wait_warn_s,
            "wait_alert_s": self.wait_alert_s,
            "reply_warn_s": self.reply_warn_s,
            "reply_alert_s": self.reply_alert_s,
        }


def unstaffed_because(online: list[str], options: DeskOptions, now: Clock) -> str | None:
    """Why no agent can take a conversation now (outside_hours, nobody_online), or None;
    `online`: the agents online now."""
    if not options.service_hours.open_at(now()):
        return "outside_hours"
    if not online:
        return "nobody_online"
    return None


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


def query_limit(request: Request) -> int | None:
    value = request.args.get("limit")
    if value is None:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 4:
        raise InvalidInput("invalid_query", field="limit")
    return int(value)


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
    cards: CustomerCards,
    options: DeskOptions | None = None,
    now: Clock = local_now,
    name: str = DEFAULT_NAME,
    ops: OpsConsole | None = None,
    ops_token: str = "",
) -> Sanic:
    """The desk; `name` must be unique in the process (Sanic keeps a registry of apps).
    `now` is the clock the service hours are read with (the store's, in tests). With `ops`
    and its token the operator page is served too (bot/ops/routes.py)."""
    options = options or DeskOptions()
    tokens = {"the agent token": agent_token, "the internal token": internal_token}
    if ops is not None:
        tokens["the operators' token"] = ops_token
    require_distinct_tokens("the agent desk", tokens)
    if not claim_timeout_s > 0:
        raise ValueError("the claim timeout must be positive")
    page = PAGE_FILE.read_bytes()
    canned.canned_replies()  # checked now: a broken file stops the desk at start-up
    prefixes = {"/api": agent_token, "/internal": internal_token}
    if ops is not None:
        prefixes["/ops/api"] = ops_token
    guard = tokens_by_prefix(prefixes)
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

    async def close_cards(app: Sanic, _: object) -> None:
        await cards.close()

    app.register_listener(start_expiry, "after_server_start")
    app.register_listener(stop_expiry, "before_server_stop")
    app.register_listener(close_cards, "after_server_stop")

    @app.get("/")
    async def desk_page(request: Request) -> HTTPResponse:
        return raw(page, content_type="text/html; charset=utf-8", headers=PAGE_HEADERS)

    @app.get("/health")
    async def health(request: Request) -> HTTPResponse:
        return respond({"status": "ok"})

    # -- agents ---------------------------------------------------------------------------------

    @app.get("/api/handoffs")
    async def list_handoffs(request: Request) -> HTTPResponse:
        online = store.online_agents(options.presence_ttl_s)
        return respond(
            {
                "handoffs": [for_agents(h) for h in store.list_active()],
                "online": online,
                "staffed": unstaffed_because(online, options, now) is None,
                "limits": options.limits(),
            }
        )

    @app.get("/api/handoffs/<handoff_id:str>")
    async def get_handoff(request: Request, handoff_id: str) -> HTTPResponse:
        handoff = store.get(handoff_number(handoff_id))
        customer = await cards.card(handoff["number"])
        return respond({"handoff": {**for_agents(handoff), "customer": customer}})

    @app.post("/api/handoffs/<handoff_id:str>/notes")
    async def add_note(request: Request, handoff_id: str) -> HTTPResponse:
        number, body = handoff_number(handoff_id), body_of(request)
        note = store.add_note(number, body.get("agent"), body.get("text"))
        return respond({"note": note}, status=201)

    @app.post("/api/handoffs/<handoff_id:str>/reveal-number")
    async def reveal_number(request: Request, handoff_id: str) -> HTTPResponse:
        number = handoff_number(handoff_id)
        full, reveal = store.reveal_number(number, body_of(request).get("agent"))
        logger.info("handoff %d: %s was shown the full number", number, reveal["agent"])
        return respond({"number": full, "reveal": reveal})

    @app.get("/api/canned")
    async def canned_replies(request: Request) -> HTTPResponse:
        query = request.args.get("q", "")
        if len(query) > 100:
            raise InvalidInput("invalid_query", field="q")
        which = request.args.get("handoff")
        if which is None:
            return respond({"canned": canned.search(query)})
        handoff = store.get(handoff_number(which))
        card = await cards.card(handoff["number"])
        values = canned.placeholder_values(
            surname_on(card), handoff["ticket"], (request.args.get("agent") or "").strip()[:40]
        )
        return respond({"canned": canned.search(query, values)})

    @app.get("/api/history")
    async def history(request: Request) -> HTTPResponse:
        found = store.history(request.args.get("q", ""), query_limit(request))
        return respond({"handoffs": [for_agents(h) for h in found]})

    @app.post("/api/presence")
    async def presence(request: Request) -> HTTPResponse:
        body = body_of(request)
        online = store.report_presence(
            body.get("agent"), body.get("online"), options.presence_ttl_s
        )
        why = unstaffed_because(online, options, now)
        return respond(
            {"online": online, "staffed": why is None, "in_service_hours": why != "outside_hours"}
        )

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

    if ops is not None:
        add_ops_routes(app, ops)

    # -- our processes --------------------------------------------------------------------------

    @app.post("/internal/handoffs")
    async def open_handoff(request: Request) -> HTTPResponse:
        body = body_of(request)
        sender, channel = body.get("sender"), body.get("channel")
        why = unstaffed_because(store.online_agents(options.presence_ttl_s), options, now)
        if why is not None and not (isinstance(sender, str) and store.active(sender)):
            store.record_unstaffed(sender, channel, body.get("ticket"), body.get("reason"), why)
            logger.info("handoff request answered at once: %s", why)
            hours = options.service_hours.text
            answer = {"handoff": None, "position": None, "unstaffed": why, "service_hours": hours}
            return respond(answer)
        handoff, position = store.open_handoff(
            sender,
            channel,
            body.get("number"),
            body.get("ticket"),
            body.get("transcript", []),
            body.get("reason"),
            body.get("suggestions"),
            body.get("suggestions_for"),
        )
        return respond({"handoff": handoff, "position": position}, status=201)

    @app.post("/internal/handoffs/<handoff_id:str>/suggestions")
    async def set_suggestions(request: Request, handoff_id: str) -> HTTPResponse:
        number, body = handoff_number(handoff_id), body_of(request)
        handoff = store.set_suggestions(number, body.get("message_id"), body.get("suggestions"))
        return respond({"handoff": handoff})

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
        position, message_id = handoff["position"], handoff.pop("message_id")
        kept = {"kept": True, "handoff": handoff, "position": position, "message_id": message_id}
        return respond({**kept, "outbox": outbox})

    @app.post("/internal/outbox/take")
    async def take_channel_outbox(request: Request) -> HTTPResponse:
        body = body_of(request)
        return respond(
            {"outbox": store.take_channel_outbox(body.get("channel"), body.get("senders"))}
        )

    return app
