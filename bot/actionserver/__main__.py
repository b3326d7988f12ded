"""Runs the action server: `python -m bot.actionserver` (what `make run` starts).

rasa_sdk's own app (its action registry and routes: POST /webhook, GET /actions, GET /health)
for the `actions` package, with one addition: every request but GET /health needs ACTION_TOKEN,
as `?token=` (how Rasa sends endpoints.yml's `token`) or `Authorization: Bearer`. Without it
anyone reaching the port could run our actions, which call the account service with our token,
on a forged tracker. Wrong or missing: 401 `{"error": "unauthorized"}` before any action runs.

Settings: ACTION_* in docs/configuration.md; ACTION_TOKEN is required.
"""

from __future__ import annotations

import hmac
import logging
import sys

from rasa_sdk.endpoint import create_app
from rasa_sdk.plugin import plugin_manager
from sanic import Sanic
from sanic.exceptions import MethodNotSupported, NotFound
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import settings
from bot.http import configure_service_logging, is_authorized, unauthorized, where
from bot.http_client import close_shared
from bot.privacy import protect_process_logs

ACTIONS_PACKAGE = "actions"
# The query parameter Rasa puts endpoints.yml's `token` in (EndpointConfig's `token_name`).
TOKEN_PARAMETER = "token"
OPEN = ("GET", "/health")  # run.py's readiness check

logger = logging.getLogger("bot.actionserver")


def action_token() -> str:
    """Without it anyone who reaches the port could run our actions."""
    (token,) = settings.distinct_secrets("action server", ["ACTION_TOKEN"])
    return token


def has_token(request: Request, token: str) -> bool:
    """`?token=` or `Authorization: Bearer`, compared in constant time."""
    given = request.args.get(TOKEN_PARAMETER)
    if given is not None and hmac.compare_digest(given.encode(), token.encode()):
        return True
    return is_authorized(request, token)


def require_token(app: Sanic, token: str) -> None:
    """401 before any handler runs; an unknown route or method is 401 too for a caller without
    the token (rasa_sdk's own error answer otherwise), so the token guards every path."""

    async def authorize(request: Request) -> HTTPResponse | None:
        if (request.method, request.path) == OPEN or has_token(request, token):
            return None
        logger.info("%s -> 401 unauthorized", where(request))
        return unauthorized()

    app.register_middleware(authorize, "request")
    rasa_sdk_answer = app.error_handler.lookup(Exception())

    async def no_such_route(request: Request, exception: Exception) -> HTTPResponse:
        if not has_token(request, token):
            logger.info("%s -> 401 unauthorized", where(request))
            return unauthorized()
        return await rasa_sdk_answer(request, exception)

    app.exception(NotFound, MethodNotSupported)(no_such_route)


def close_clients_on_stop(app: Sanic) -> None:
    """The actions' clients (account service, agent desk) keep their connections for as long
    as the server runs (bot/http_client.py); they are closed when it stops."""

    async def close_clients(app: Sanic, loop: object) -> None:
        await close_shared()

    app.register_listener(close_clients, "before_server_stop")


def log_to_stderr() -> None:
    """The actions log on `actions.*`, which propagates to the root logger: its handler masks
    personal data, as rasa_sdk's loggers do, from before the actions are loaded
    (configure_service_logging does it again for Sanic's loggers and ours)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s [%(levelname)s] %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    protect_process_logs(logging.getLogger("rasa_sdk"))


def main() -> None:
    token = action_token()
    host, listen_port = settings.listen_address("ACTION")
    log_to_stderr()
    # As `rasa run actions` makes it: no CORS origins (Rasa calls server to server), no reload.
    app = create_app(ACTIONS_PACKAGE, cors_origins=None, auto_reload=False)
    require_token(app, token)
    close_clients_on_stop(app)
    plugin_manager().hook.attach_sanic_app_extensions(app=app)  # as rasa_sdk's run() does
    configure_service_logging()
    app.run(
        host=host,
        port=listen_port,
        workers=settings.count("ACTION_WORKERS"),
        debug=False,
        access_log=False,
        auto_reload=False,
    )


if __name__ == "__main__":
    main()
