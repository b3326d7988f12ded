"""The mock SMS gateway's HTTP API (docs/sms_gateway_mock.md) around an SmsStore.

Three audiences, a module of routes each (Sanic blueprints), sharing one `state.Gateway`:
- `sending`: our bridge sends each SMS part with `POST /api/send` and the gateway key (a 401
  without it);
- `reading`: a test or the customer's command line reads what was sent with
  `GET /api/messages`, which long-polls: a waiting reader is woken by the next recorded send
  (`state.Arrivals`), not by a timer; `DELETE /api/messages` clears them;
- `inbound` and `control`: `/control/…` plays the other side: an inbound SMS, signed with the
  webhook secret exactly as the operator's gateway would and posted to the bridge, and injected
  send failures (`state.Faults`); `/control/state` and `/health` say what the gateway is doing.

Only `/api/send` needs the key: this is a mock listening on loopback, and reading or clearing
the sent messages is what the tests and the command line do. Answers are JSON; refusals are
`{"code": <non-zero>, "error": "<name>", "message": …}` (`errors`), a send `{"code": 0, "id": …}`.
Neither the key nor the secret is ever logged, and numbers in logs are masked (138****8000);
message texts are not logged at all.
"""

from __future__ import annotations

import logging

from sanic import Sanic

from bot.http import JsonErrorHandler, require_distinct_tokens, tokens_by_prefix
from bot.service_errors import refusal
from bot.smsgateway import control, inbound, reading, sending
from bot.smsgateway.state import Gateway
from bot.smsgateway.store import SmsStore

logger = logging.getLogger(__name__)

DEFAULT_NAME = "sms_gateway"
REQUEST_MAX_BYTES = 64 * 1024
DEFAULT_BRIDGE_TIMEOUT_S = 30.0


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
    require_distinct_tokens(
        "the SMS gateway", {"the gateway key": key, "the webhook secret": secret}
    )
    guard = tokens_by_prefix({"/api/send": key})
    app = Sanic(name, error_handler=JsonErrorHandler(guard, refusal, logger))
    app.config.FALLBACK_ERROR_FORMAT = "json"
    app.config.REQUEST_MAX_SIZE = REQUEST_MAX_BYTES
    app.ctx.gateway = Gateway(store, key, secret, bridge_url, bridge_timeout_s)
    for routes in (control, sending, reading, inbound):
        app.blueprint(routes.routes())
    return app
