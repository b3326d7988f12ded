"""The account service's HTTP API (docs/account_service_api.md) around an AccountStore.

Handlers call the store directly, without a thread pool or aiosqlite: each operation is a few
indexed SQLite statements on a local file (well under a millisecond), cheaper than handing it to
another thread, and a single worker serves a handful of conversations at a time.

Every answer is JSON, errors included: the store's refusals carry their API code, Sanic's own
404/405 become `unknown_route`/`method_not_allowed`, and anything unexpected is a bare
`500 {"error": "internal"}` whose traceback goes to the log, never to the caller. Logged
failures carry masked numbers only (138****8000).
"""

from __future__ import annotations

import hmac
import json
import logging
from functools import partial
from typing import Any

from sanic import Sanic
from sanic.exceptions import MethodNotSupported, PayloadTooLarge, SanicException
from sanic.exceptions import NotFound as RouteNotFound
from sanic.handlers import ErrorHandler
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.response import json as sanic_json

from bot.accounts.store import (
    AccountError,
    AccountStore,
    Conflict,
    InvalidInput,
    Locked,
    NotFound,
    WrongPassword,
    is_valid_number,
)
from bot.privacy import mask_phone_numbers

logger = logging.getLogger(__name__)

DEFAULT_NAME = "accounts"
REQUEST_MAX_BYTES = 64 * 1024  # the largest body is a ticket's description
STATUS_OF = {InvalidInput: 400, WrongPassword: 403, NotFound: 404, Conflict: 409, Locked: 423}

_dumps = partial(json.dumps, ensure_ascii=False, separators=(",", ":"))


def respond(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> HTTPResponse:
    """JSON with the Chinese left readable (no \\u escapes) for anyone using curl."""
    return sanic_json(body, status=status, headers=headers, dumps=_dumps)


def error(status: int, code: str, message: str, **details: Any) -> HTTPResponse:
    return respond({"error": code, "message": message, **details}, status=status)


def is_authorized(request: Request, token: str) -> bool:
    """`Authorization: Bearer <token>`, compared in constant time."""
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        credentials.strip().encode(), token.encode()
    )


def needs_token(request: Request | None) -> bool:
    return request is not None and (request.path == "/v1" or request.path.startswith("/v1/"))


def where(request: Request | None) -> str:
    """The request as logged: method and path, numbers masked."""
    if request is None:
        return "(no request)"
    try:
        return mask_phone_numbers(f"{request.method} {request.path}")
    except Exception:
        return "(unreadable request)"


def checked_number(number: str) -> str:
    """Refuses a malformed number before any look-up."""
    if not is_valid_number(number):
        raise InvalidInput("invalid_number")
    return number


def json_body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("invalid_body") from None
    if not isinstance(body, dict):
        raise InvalidInput("invalid_body")
    return body


def text_field(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str):
        raise InvalidInput("invalid_body", field=name)
    return value


class JsonErrorHandler(ErrorHandler):
    """Turns every exception into a JSON answer and logs it without personal data."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self._token = token

    def default(self, request: Request, exception: Exception) -> HTTPResponse:
        try:
            return self._answer(request, exception)
        except Exception:  # never let Sanic fall back to its HTML/text pages
            logger.exception("error handler failed")
            return error(500, "internal", "Internal error.")

    def _answer(self, request: Request | None, exception: Exception) -> HTTPResponse:
        request_line = where(request)
        if isinstance(exception, AccountError):
            status = next(s for kind, s in STATUS_OF.items() if isinstance(exception, kind))
            logger.info("%s -> %d %s", request_line, status, exception.code)
            return respond(exception.body(), status=status)
        if isinstance(exception, RouteNotFound | MethodNotSupported) and needs_token(request):
            assert request is not None
            if not is_authorized(request, self._token):  # no probing for routes without a token
                logger.info("%s -> 401 unauthorized", request_line)
                return error(401, "unauthorized", "A valid bearer token is required.")
        if isinstance(exception, RouteNotFound):
            logger.info("%s -> 404 unknown_route", request_line)
            return error(404, "unknown_route", "No such endpoint.")
        if isinstance(exception, MethodNotSupported):
            logger.info("%s -> 405 method_not_allowed", request_line)
            response = error(405, "method_not_allowed", "Method not allowed on this endpoint.")
            response.headers.update(exception.headers or {})
            return response
        if isinstance(exception, PayloadTooLarge):
            logger.info("%s -> 413 payload_too_large", request_line)
            return error(413, "payload_too_large", "The request body is too large.")
        status = getattr(exception, "status_code", 500)
        if isinstance(exception, SanicException) and 400 <= status < 500:
            logger.info("%s -> %d invalid_request", request_line, status)
            return error(status, "invalid_request", "Malformed request.")
        logger.error("%s -> 500 internal", request_line, exc_info=exception)
        return error(500, "internal", "Internal error.")


def create_app(store: AccountStore, token: str, name: str = DEFAULT_NAME) -> Sanic:
    """The service; `name` must be unique in the process (Sanic keeps a registry of apps)."""
    if not token:
        raise ValueError("the account service needs a non-empty token")
    app = Sanic(name, error_handler=JsonErrorHandler(token))
    app.config.FALLBACK_ERROR_FORMAT = "json"
    app.config.REQUEST_MAX_SIZE = REQUEST_MAX_BYTES

    async def authorize(request: Request) -> HTTPResponse | None:
        if needs_token(request) and not is_authorized(request, token):
            logger.info("%s -> 401 unauthorized", where(request))
            return error(401, "unauthorized", "A valid bearer token is required.")
        return None

    app.register_middleware(authorize, "request")

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
