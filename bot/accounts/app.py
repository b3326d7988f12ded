"""The account service's HTTP API (docs/account_service_api.md) around an AccountStore.

Handlers call the store directly, without a thread pool or aiosqlite: each operation is a few
indexed SQLite statements on a local file (well under a millisecond), cheaper than handing it to
another thread, and a single worker serves a handful of conversations at a time. On PostgreSQL
(ACCOUNTS_DATABASE_URL) it is a few round trips on the loopback, still about a millisecond.

Every answer is JSON, errors included (bot/http.py): the store's refusals carry their API
code, Sanic's own 404/405 become `unknown_route`/`method_not_allowed`, a database server that
cannot be reached (PostgreSQL restarting) is `503 {"error": "unavailable"}` — the next request
connects again — and anything unexpected is a bare `500 {"error": "internal"}` whose traceback
goes to the log, never to the caller.
Logged failures carry masked numbers only (138****8000).
"""

from __future__ import annotations

import logging
from typing import Any

from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.accounts.store import AccountStore
from bot.http import JsonErrorHandler, json_object, require_tokens, respond, tokens_by_prefix
from bot.phone import is_mobile_number
from bot.service_errors import InvalidInput
from bot.service_errors import refusal as service_refusal
from bot.sql_store import StoreUnavailable

logger = logging.getLogger(__name__)

DEFAULT_NAME = "accounts"
REQUEST_MAX_BYTES = 64 * 1024  # the largest body is a ticket's description
UNAVAILABLE = {
    "error": "unavailable",
    "message": "The account database cannot be reached; try again shortly.",
}


def refusal(exception: Exception) -> tuple[int, dict[str, Any]] | None:
    """The store's refusals, with the status of their kind; 503 while the database is down."""
    if isinstance(exception, StoreUnavailable):
        return 503, dict(UNAVAILABLE)
    return service_refusal(exception)


def checked_number(number: str) -> str:
    """Refuses a malformed number before any look-up."""
    if not is_mobile_number(number):
        raise InvalidInput("invalid_number")
    return number


def json_body(request: Request) -> dict[str, Any]:
    body = json_object(request)
    if body is None:
        raise InvalidInput("invalid_body")
    return body


def text_field(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str):
        raise InvalidInput("invalid_body", field=name)
    return value


def create_app(store: AccountStore, token: str, name: str = DEFAULT_NAME) -> Sanic:
    """The service; `name` must be unique in the process (Sanic keeps a registry of apps)."""
    if not token:
        raise ValueError("the account service needs a non-empty token")
    guard = tokens_by_prefix({"/v1": token})
    app = Sanic(name, error_handler=JsonErrorHandler(guard, refusal, logger))
    app.config.FALLBACK_ERROR_FORMAT = "json"
    app.config.REQUEST_MAX_SIZE = REQUEST_MAX_BYTES
    require_tokens(app, guard, logger)

    @app.get("/health")
    async def health(request: Request) -> HTTPResponse:
        return respond({"status": "ok"})

    @app.get("/v1/catalogue")
    async def catalogue(request: Request) -> HTTPResponse:
        return respond(store.catalogue())

    @app.get("/v1/accounts/<number:str>")
    async def summary(request: Request, number: str) -> HTTPResponse:
        return respond(store.summary(checked_number(number)))

    @app.get("/v1/accounts/<number:str>/usage")
    async def usage(request: Request, number: str) -> HTTPResponse:
        return respond(store.usage(checked_number(number)))

    @app.get("/v1/accounts/<number:str>/bills/<month:str>")
    async def bill(request: Request, number: str, month: str) -> HTTPResponse:
        return respond(store.bill(checked_number(number), month))

    @app.get("/v1/accounts/<number:str>/services")
    async def services(request: Request, number: str) -> HTTPResponse:
        return respond(store.services(checked_number(number)))

    @app.post("/v1/accounts/<number:str>/services/<code:str>")
    async def subscribe(request: Request, number: str, code: str) -> HTTPResponse:
        return respond(store.subscribe(checked_number(number), code), status=201)

    @app.delete("/v1/accounts/<number:str>/services/<code:str>")
    async def unsubscribe(request: Request, number: str, code: str) -> HTTPResponse:
        return respond(store.unsubscribe(checked_number(number), code))

    @app.put("/v1/accounts/<number:str>/plan")
    async def change_plan(request: Request, number: str) -> HTTPResponse:
        checked_number(number)
        return respond(store.change_plan(number, text_field(json_body(request), "plan")))

    @app.get("/v1/accounts/<number:str>/transfer-check")
    async def transfer_check(request: Request, number: str) -> HTTPResponse:
        return respond(store.transfer_check(checked_number(number)))

    @app.post("/v1/accounts/<number:str>/verify")
    async def verify(request: Request, number: str) -> HTTPResponse:
        checked_number(number)
        body = json_body(request)
        if "password" not in body:
            raise InvalidInput("invalid_body", field="password")
        return respond(store.verify(number, body["password"]))

    @app.post("/v1/tickets")
    async def create_ticket(request: Request) -> HTTPResponse:
        body = json_body(request)
        number = checked_number(text_field(body, "number"))
        fields = {name: text_field(body, name) for name in ("category", "description", "channel")}
        return respond({"ticket": store.create_ticket(number, **fields)}, status=201)

    @app.get("/v1/tickets/<ticket_id:str>")
    async def ticket(request: Request, ticket_id: str) -> HTTPResponse:
        return respond({"ticket": store.ticket(ticket_id)})

    @app.get("/v1/accounts/<number:str>/tickets")
    async def tickets(request: Request, number: str) -> HTTPResponse:
        return respond({"tickets": store.tickets(checked_number(number))})

    return app
