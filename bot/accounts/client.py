"""The async client the action server uses to call the account service.

Two kinds of failure, because the assistant answers them differently:
`AccountServiceUnavailable` (nothing usable came back: refused connection, timeout, 5xx, or
401, which means our own token is wrong) ends in an apology, while `AccountRequestError` (any
other 4xx) is an answer about the customer's request (wrong password, not subscribed, …).

The request, JSON and error mapping are bot/http_client.py's, shared with the agent desk's
client. Logs carry the masked number only, never a password or a response body.
"""

from __future__ import annotations

from typing import Any

from bot.http_client import JsonServiceClient, ServiceRequestError, ServiceUnavailable, segment


class AccountServiceUnavailable(ServiceUnavailable):
    """The service could not answer: down, too slow, failing (5xx), or refusing our token."""


class AccountRequestError(ServiceRequestError):
    """The service refused the request (a 4xx other than 401); `code` is the API error code."""


class AccountClient(JsonServiceClient):
    service_name = "account service"
    settings_prefix = "ACCOUNTS"
    unavailable = AccountServiceUnavailable
    request_error = AccountRequestError

    def _account(self, number: str, *rest: str) -> str:
        return "/".join(("/v1/accounts", segment(number), *(segment(part) for part in rest)))

    async def catalogue(self) -> dict[str, Any]:
        """The plans and services on sale (not in the brief's list; the actions use it)."""
        return await self._call("GET", "/v1/catalogue")

    async def summary(self, number: str) -> dict[str, Any]:
        return await self._call("GET", self._account(number))

    async def usage(self, number: str) -> dict[str, Any]:
        return await self._call("GET", self._account(number, "usage"))

    async def bill(self, number: str, month: str) -> dict[str, Any]:
        """`month` is "YYYY-MM"; this month's bill is a running total (`final` false)."""
        return await self._call("GET", self._account(number, "bills", month))

    async def services(self, number: str) -> dict[str, Any]:
        return await self._call("GET", self._account(number, "services"))

    async def subscribe(self, number: str, code: str) -> dict[str, Any]:
        return await self._call("POST", self._account(number, "services", code))

    async def unsubscribe(self, number: str, code: str) -> dict[str, Any]:
        return await self._call("DELETE", self._account(number, "services", code))

    async def change_plan(self, number: str, plan_code: str) -> dict[str, Any]:
        return await self._call("PUT", self._account(number, "plan"), {"plan": plan_code})

    async def transfer_check(self, number: str) -> dict[str, Any]:
        return await self._call("GET", self._account(number, "transfer-check"))

    async def verify(self, number: str, password: str) -> dict[str, Any]:
        return await self._call("POST", self._account(number, "verify"), {"password": password})

    async def create_ticket(
        self, number: str, category: str, description: str, channel: str
    ) -> dict[str, Any]:
        body = {"number": number, "category": category, "description": description}
        return await self._call("POST", "/v1/tickets", {**body, "channel": channel})

    async def ticket(self, ticket_id: str) -> dict[str, Any]:
        return await self._call("GET", f"/v1/tickets/{segment(ticket_id)}")

    async def tickets(self, number: str) -> list[dict[str, Any]]:
        """The number's tickets, newest first."""
        return (await self._call("GET", self._account(number, "tickets")))["tickets"]
