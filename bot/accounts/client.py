"""The async client the action server uses to call the account service.

Two kinds of failure, because the assistant answers them differently:
`AccountServiceUnavailable` (nothing usable came back: refused connection, timeout, 5xx, or
401, which means our own token is wrong) ends in an apology, while `AccountRequestError` (any
other 4xx) is an answer about the customer's request (wrong password, not subscribed, …).

A new aiohttp session per call keeps the client stateless across Rasa SDK's event loop and
forks; the service is on the same machine, so the cost of a new connection is negligible.
Logs carry the masked number only, never a password or a response body.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from typing import Any
from urllib.parse import quote

import aiohttp

from bot.privacy import mask_phone_numbers

logger = logging.getLogger("bot.accounts.client")

DEFAULT_URL = "http://127.0.0.1:8088"


class AccountServiceUnavailable(Exception):
    """The service could not answer: down, too slow, failing (5xx), or refusing our token."""


class AccountRequestError(Exception):
    """The service refused the request (a 4xx other than 401); `code` is the API error code."""

    def __init__(self, status: int, code: str, body: dict[str, Any]) -> None:
        super().__init__(f"{status} {code}")
        self.status = status
        self.code = code
        self.body = body


def _segment(value: str) -> str:
    """A path segment, escaped so that no input can reach another endpoint."""
    return quote(value, safe="")


class AccountClient:
    def __init__(self, base_url: str, token: str, timeout_s: float = 3.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.timeout_s = timeout_s

    def __repr__(self) -> str:  # the token stays out of logs and tracebacks
        return f"AccountClient({self.base_url!r}, timeout_s={self.timeout_s})"

    @classmethod
    def from_env(cls) -> AccountClient:
        return cls(
            os.environ.get("ACCOUNTS_URL") or DEFAULT_URL, os.environ.get("ACCOUNTS_TOKEN", "")
        )

    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """One request; the decoded JSON answer, or one of the two errors above."""
        shown = f"{method} {mask_phone_numbers(path)}"
        try:
            async with (
                aiohttp.ClientSession(
                    timeout=aiohttp.ClientTimeout(total=self.timeout_s),
                    headers={"Authorization": f"Bearer {self._token}"},
                ) as session,
                session.request(method, self.base_url + path, json=body) as response,
            ):
                status = response.status
                raw = await response.read()
        except asyncio.TimeoutError:
            logger.warning("account service: %s timed out after %.1f s", shown, self.timeout_s)
            raise AccountServiceUnavailable(f"{shown}: timed out") from None
        except aiohttp.ClientError as error:
            logger.warning("account service: %s failed (%s)", shown, type(error).__name__)
            raise AccountServiceUnavailable(f"{shown}: {type(error).__name__}") from None
        try:
            answer = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            answer = None
        if status == 401 or status >= 500 or answer is None:
            logger.warning("account service: %s answered %d", shown, status)
            raise AccountServiceUnavailable(f"{shown}: HTTP {status}")
        if status >= 400:
            error_body = answer if isinstance(answer, dict) else {}
            code = str(error_body.get("error", "unknown"))
            logger.info("account service: %s refused: %d %s", shown, status, code)
            raise AccountRequestError(status, code, error_body)
        return answer

    def _account(self, number: str, *rest: str) -> str:
        return "/".join(("/v1/accounts", _segment(number), *(_segment(part) for part in rest)))

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
        return await self._call("GET", f"/v1/tickets/{_segment(ticket_id)}")

    async def tickets(self, number: str) -> list[dict[str, Any]]:
        """The number's tickets, newest first."""
        return (await self._call("GET", self._account(number, "tickets")))["tickets"]
