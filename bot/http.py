"""What our Sanic services (the account service, the agent desk) share: JSON answers, bearer
tokens and an error handler that answers every failure in JSON.

Each service keeps its own error codes and logger; this module only knows that a refusal has
an HTTP status and a JSON body, and that some path prefixes need a token. Logged request lines
have their phone numbers masked (138****8000), and an unexpected exception is a bare
`500 {"error": "internal"}` whose traceback goes to the log, never to the caller.
"""

from __future__ import annotations

import hmac
import json
import logging
import sys
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, Protocol

from sanic import Sanic
from sanic.exceptions import InvalidUsage, MethodNotSupported, PayloadTooLarge, SanicException
from sanic.exceptions import NotFound as RouteNotFound
from sanic.handlers import ErrorHandler
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.response import json as sanic_json

from bot.phone import mask_phone_numbers
from bot.privacy import protect_process_logs

# The token a request needs, by path, or None when the path is open (health, a web page).
TokenGuard = Callable[[Request | None], str | None]
# A service's own refusal as (status, JSON body with "error"), or None for any other exception.
Refusal = Callable[[Exception], tuple[int, dict[str, Any]] | None]


class InvalidField(InvalidUsage):
    """A 400 that says which field of the body is wrong and how (Sanic's own 4xx errors are
    answered with a generic message: they may echo what the caller sent)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def invalid_field(exception: Exception) -> tuple[int, dict[str, Any]] | None:
    """The Refusal of an InvalidField: `invalid_<field>` and its message."""
    if isinstance(exception, InvalidField):
        return 400, {"error": f"invalid_{exception.field}", "message": str(exception)}
    return None


_dumps = partial(json.dumps, ensure_ascii=False, separators=(",", ":"))


# Our self-contained pages (the desk's, the operators'): their own inline script and style,
# and calls to the server that serves them; nothing from elsewhere.
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


def respond(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> HTTPResponse:
    """JSON with the Chinese left readable (no \\u escapes) for anyone using curl."""
    return sanic_json(body, status=status, headers=headers, dumps=_dumps)


def error(status: int, code: str, message: str, **details: Any) -> HTTPResponse:
    return respond({"error": code, "message": message, **details}, status=status)


def unauthorized() -> HTTPResponse:
    return error(401, "unauthorized", "A valid bearer token is required.")


def is_authorized(request: Request, token: str) -> bool:
    """`Authorization: Bearer <token>`, compared in constant time. Sanic hands over header
    bytes that are not UTF-8 as lone surrogates: they are compared too (and differ), never an
    error."""
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        credentials.strip().encode("utf-8", "surrogatepass"), token.encode()
    )


def require_distinct_tokens(service: str, tokens: Mapping[str, str]) -> None:
    """A service's tokens (or key and secret), by what each is called: a ValueError unless all
    are non-empty and no two are the same, so that none can stand in for another."""
    names = " and ".join(tokens)
    if not all(tokens.values()):
        raise ValueError(f"{service} needs {names}, non-empty")
    if len(set(tokens.values())) < len(tokens):
        raise ValueError(f"{names} must differ")


def tokens_by_prefix(tokens: Mapping[str, str]) -> TokenGuard:
    """A guard giving each path prefix ("/v1") its token; every other path is open."""
    if not all(tokens.values()):
        raise ValueError("every guarded prefix needs a non-empty token")
    guarded = dict(tokens)

    def required(request: Request | None) -> str | None:
        if request is None:
            return None
        for prefix, token in guarded.items():
            if request.path == prefix or request.path.startswith(prefix + "/"):
                return token
        return None

    return required


def where(request: Request | None) -> str:
    """The request as logged: method and path, numbers masked."""
    if request is None:
        return "(no request)"
    try:
        return mask_phone_numbers(f"{request.method} {request.path}")
    except Exception:
        return "(unreadable request)"


def json_object(request: Request) -> dict[str, Any] | None:
    """The body as a JSON object, or None when it is anything else (the caller's 400): also
    when it is nested deeper than the parser goes, or holds a lone surrogate ("\\ud800"),
    which neither SQLite nor a UTF-8 answer can carry."""
    try:
        body = json.loads(request.body or b"")
        if not isinstance(body, dict):
            return None
        _dumps(body).encode()
    except (ValueError, UnicodeError, RecursionError):
        return None
    return body


def require_tokens(app: Sanic, guard: TokenGuard, logger: logging.Logger) -> None:
    """Answers 401 before any handler runs when a guarded path lacks its token."""

    async def authorize(request: Request) -> HTTPResponse | None:
        token = guard(request)
        if token is not None and not is_authorized(request, token):
            logger.info("%s -> 401 unauthorized", where(request))
            return unauthorized()
        return None

    app.register_middleware(authorize, "request")


class JsonErrorHandler(ErrorHandler):
    """Turns every exception into a JSON answer and logs it without personal data.

    `refusal` maps the service's own exceptions to their answer; `guard` keeps callers without
    the token from probing which guarded routes exist (they get 401, not 404/405).
    """

    def __init__(
        self,
        guard: TokenGuard,
        refusal: Refusal,
        logger: logging.Logger,
        routine: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__()
        self._guard = guard
        self._refusal = refusal
        self._logger = logger
        self._routine = routine  # refusals that are normal answers: logged at DEBUG only

    def default(self, request: Request, exception: Exception) -> HTTPResponse:
        try:
            return self._answer(request, exception)
        except Exception:  # never let Sanic fall back to its HTML/text pages
            self._logger.exception("error handler failed")
            return error(500, "internal", "Internal error.")

    def _answer(self, request: Request | None, exception: Exception) -> HTTPResponse:
        log, request_line = self._logger, where(request)
        refused = self._refusal(exception)
        if refused is not None:
            status, body = refused
            level = logging.DEBUG if body.get("error") in self._routine else logging.INFO
            log.log(level, "%s -> %d %s", request_line, status, body.get("error"))
            return respond(body, status=status)
        if isinstance(exception, RouteNotFound | MethodNotSupported) and request is not None:
            token = self._guard(request)
            if token is not None and not is_authorized(request, token):
                log.info("%s -> 401 unauthorized", request_line)
                return unauthorized()
        if isinstance(exception, RouteNotFound):
            log.info("%s -> 404 unknown_route", request_line)
            return error(404, "unknown_route", "No such endpoint.")
        if isinstance(exception, MethodNotSupported):
            log.info("%s -> 405 method_not_allowed", request_line)
            response = error(405, "method_not_allowed", "Method not allowed on this endpoint.")
            response.headers.update(exception.headers or {})
            return response
        if isinstance(exception, PayloadTooLarge):
            log.info("%s -> 413 payload_too_large", request_line)
            return error(413, "payload_too_large", "The request body is too large.")
        status = getattr(exception, "status_code", 500)
        if isinstance(exception, SanicException) and 400 <= status < 500:
            log.info("%s -> %d invalid_request", request_line, status)
            return error(status, "invalid_request", "Malformed request.")
        log.error("%s -> 500 internal", request_line, exc_info=exception)
        return error(500, "internal", "Internal error.")


def configure_service_logging() -> None:
    """Our records to stderr; every logger that may see a number masks it.

    Sanic set up its own loggers and handlers when the app was made, so this runs after.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s [%(levelname)s] %(name)s: %(message)s"))
    ours = logging.getLogger("bot")
    ours.addHandler(handler)
    ours.setLevel(logging.INFO)
    ours.propagate = False  # Sanic's loggers propagate to the root: no second copy of ours there
    protect_process_logs(ours)


class ClosableStore(Protocol):
    def shutdown(self) -> None: ...


def serve(app: Sanic, store: ClosableStore, host: str, port: int) -> None:
    """Runs a service's app in the foreground, one worker, its logs masked; the store is
    closed when the server stops."""
    configure_service_logging()

    async def close_store(*_: object) -> None:
        store.shutdown()

    app.register_listener(close_store, "after_server_stop")
    app.run(host=host, port=port, workers=1, debug=False, access_log=False)
