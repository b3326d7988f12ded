"""The async JSON client our processes use to call our own services (accounts, agent desk).

Two kinds of failure, because callers answer them differently: `ServiceUnavailable` (nothing
usable came back: refused connection, timeout, 5xx, a body that is not JSON, or 401, which
means our own token is wrong) ends in a fallback, while `ServiceRequestError` (any other 4xx)
is an answer about the request itself. Each service's client subclasses both, so its callers
catch its own names.

A new aiohttp session per call keeps a client stateless across Rasa's event loops and forks;
the services are on the same machine, so the cost of a new connection is negligible. Logs
carry the method and masked path only, never a token or a body.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, ClassVar
from urllib.parse import quote

import aiohttp

from bot.privacy import mask_phone_numbers


class ServiceUnavailable(Exception):
    """The service could not answer: down, too slow, failing (5xx), or refusing our token."""


class ServiceRequestError(Exception):
    """The service refused the request (a 4xx other than 401); `code` is the API error code."""

    def __init__(self, status: int, code: str, body: dict[str, Any]) -> None:
        super().__init__(f"{status} {code}")
        self.status = status
        self.code = code
        self.body = body


def segment(value: str) -> str:
    """A path segment, escaped so that no input can reach another endpoint."""
    return quote(value, safe="")


class JsonServiceClient:
    """Bearer-token JSON calls; subclasses name the service, its logger and its errors."""

    service_name: ClassVar[str] = "service"
    logger: ClassVar[logging.Logger] = logging.getLogger("bot.http_client")
    unavailable: ClassVar[type[ServiceUnavailable]] = ServiceUnavailable
    request_error: ClassVar[type[ServiceRequestError]] = ServiceRequestError
    # Refusals that are ordinary answers (no handoff for this conversation): DEBUG, not INFO.
    routine_refusals: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, base_url: str, token: str, timeout_s: float) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.timeout_s = timeout_s

    def __repr__(self) -> str:  # the token stays out of logs and tracebacks
        return f"{type(self).__name__}({self.base_url!r}, timeout_s={self.timeout_s})"

    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """One request; the decoded JSON answer, or one of the two errors above."""
        shown, name, log = f"{method} {mask_phone_numbers(path)}", self.service_name, self.logger
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
            log.warning("%s: %s timed out after %.1f s", name, shown, self.timeout_s)
            raise self.unavailable(f"{shown}: timed out") from None
        except aiohttp.ClientError as error:
            log.warning("%s: %s failed (%s)", name, shown, type(error).__name__)
            raise self.unavailable(f"{shown}: {type(error).__name__}") from None
        try:
            answer = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            answer = None
        if status == 401 or status >= 500 or answer is None:
            log.warning("%s: %s answered %d", name, shown, status)
            raise self.unavailable(f"{shown}: HTTP {status}")
        if status >= 400:
            error_body = answer if isinstance(answer, dict) else {}
            code = str(error_body.get("error", "unknown"))
            level = logging.DEBUG if code in self.routine_refusals else logging.INFO
            log.log(level, "%s: %s refused: %d %s", name, shown, status, code)
            raise self.request_error(status, code, error_body)
        return answer
