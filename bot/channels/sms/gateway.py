"""The operator's SMS gateway, as the bridge calls it to send replies (`POST <send_url>` with
`{"to", "from", "text"}` and the gateway's key as a bearer token)."""

from __future__ import annotations

import logging

from bot.http_client import JsonServiceClient, ServiceRequestError, ServiceUnavailable


class GatewayUnavailable(ServiceUnavailable):
    """Down, slow, failing or refusing our key: worth trying again later."""


class GatewayRefused(ServiceRequestError):
    """The gateway refused this message (4xx): trying the same again would not help,
    except after 429 (too many requests)."""


class GatewayClient(JsonServiceClient):
    service_name = "SMS gateway"
    logger = logging.getLogger("bot.channels.sms.gateway")
    unavailable = GatewayUnavailable
    request_error = GatewayRefused

    def __init__(self, send_url: str, key: str, timeout_s: float = 5.0) -> None:
        super().__init__(send_url, key, timeout_s)

    async def send(self, to: str, sender: str, text: str) -> None:
        await self._call("POST", "", {"to": to, "from": sender, "text": text})
