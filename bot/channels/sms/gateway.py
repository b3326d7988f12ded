"""The operator's SMS gateway, as the bridge calls it to send replies (`POST <send_url>` with
`{"to", "from", "text"}` and the gateway's key as a bearer token)."""

from __future__ import annotations

from bot.http_client import JsonServiceClient, ServiceRequestError, ServiceUnavailable


class GatewayUnavailable(ServiceUnavailable):
    """Down, slow, failing or refusing our key: worth trying again later."""


class GatewayRefused(ServiceRequestError):
    """The gateway refused this message (4xx): trying the same again would not help,
    except after 429 (too many requests)."""


class GatewayClient(JsonServiceClient):
    """Its base URL is the gateway's send URL, its token the gateway's key."""

    service_name = "SMS gateway"
    unavailable = GatewayUnavailable
    request_error = GatewayRefused
    default_timeout_s = 5.0

    async def send(self, to: str, sender: str, text: str) -> None:
        await self._call("POST", "", {"to": to, "from": sender, "text": text})
