"""The async JSON client our processes use to call our own services (accounts, agent desk).

Two kinds of failure, because callers answer them differently: `ServiceUnavailable` (nothing
usable came back: refused connection, timeout, 5xx, a body that is not JSON, or 401, which
means our own token is wrong) ends in a fallback, while `ServiceRequestError` (any other 4xx)
is an answer about the request itself. Each service's client subclasses both, so its callers
catch its own names.

Each client keeps one aiohttp session, so its calls reuse their keep-alive connections: the
handoff gate calls the desk for every customer message, and a new session (a new TCP
connection) per call was a measurable share of the Rasa process's CPU. The session is made on
the first call, inside the running event loop (a client may be made before there is one),
and made again when a call comes from another loop (tests run several; a session cannot
outlive its loop). Whoever owns a long-lived client closes it when the process stops
(`close`); the action server's clients are the process's `shared()` ones, closed by
`close_shared()`. Idle connections are dropped after KEEPALIVE_S, before our Sanic services
close them (their keep-alive is 5 s), so that no call goes out on a connection the server is
closing. Logs carry the method and masked path only, never a token or a body.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import weakref
from typing import Any, ClassVar, TypeVar
from urllib.parse import quote

import aiohttp

from bot import settings
from bot.phone import mask_phone_numbers

# Idle keep-alive connections are closed after this long: under Sanic's 5 s keep-alive timeout.
KEEPALIVE_S = 4.0


class ServiceUnavailable(Exception):
    """The service could not answer: down, too slow (`slow`), failing (5xx), or refusing our
    token."""

    def __init__(self, message: str, *, slow: bool = False) -> None:
        super().__init__(message)
        self.slow = slow


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


Client = TypeVar("Client", bound="JsonServiceClient")
_shared: dict[type[JsonServiceClient], JsonServiceClient] = {}


async def close_shared() -> None:
    """Closes every `shared()` client of the process (the action server, when it stops)."""
    clients = list(_shared.values())
    _shared.clear()
    for client in clients:
        await client.close()


class JsonServiceClient:
    """Bearer-token JSON calls; subclasses name the service, its errors and how long a call
    may take unless the caller says (`default_timeout_s`). Each logs on the logger of the
    module that defines it (bot.accounts.client, …)."""

    service_name: ClassVar[str] = "service"
    # PREFIX_URL and PREFIX_TOKEN (bot/settings.py): where the service is, what token to send.
    settings_prefix: ClassVar[str] = ""
    unavailable: ClassVar[type[ServiceUnavailable]] = ServiceUnavailable
    request_error: ClassVar[type[ServiceRequestError]] = ServiceRequestError
    default_timeout_s: ClassVar[float] = 3.0
    # Refusals that are ordinary answers (no handoff for this conversation): DEBUG, not INFO.
    routine_refusals: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, base_url: str, token: str, timeout_s: float | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.timeout_s = self.default_timeout_s if timeout_s is None else timeout_s
        self._session: aiohttp.ClientSession | None = None
        self._session_loop: asyncio.AbstractEventLoop | None = None
        self._release: weakref.finalize | None = None

    @classmethod
    def from_env(cls: type[Client]) -> Client:
        prefix = cls.settings_prefix
        return cls(settings.value(f"{prefix}_URL"), settings.given(f"{prefix}_TOKEN"))

    @classmethod
    def shared(cls: type[Client]) -> Client:
        """The process's client as the environment configures it (`from_env`), kept so that
        its connections are reused from call to call. A new one when the configuration
        changed (tests); the old one lets its connections go when it is collected."""
        fresh = cls.from_env()
        current = _shared.get(cls)
        if current is not None and current._config() == fresh._config():
            return current  # type: ignore[return-value]
        _shared[cls] = fresh
        return fresh

    def _config(self) -> tuple[str, str, float]:
        return self.base_url, self._token, self.timeout_s

    @property
    def logger(self) -> logging.Logger:
        return logging.getLogger(type(self).__module__)

    async def _pooled(self) -> aiohttp.ClientSession:
        """This loop's session, made on first use; one bound to another loop is replaced."""
        loop = asyncio.get_running_loop()
        session = self._session
        if session is not None and self._session_loop is loop and not session.closed:
            return session
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_S),
            headers={"Authorization": f"Bearer {self._token}"},
        )
        self._session_loop = loop
        if self._release is not None:
            self._release.detach()
        # A client dropped without `close` (or still open at exit) lets its connections go
        # quietly rather than with aiohttp's "Unclosed client session" errors.
        self._release = weakref.finalize(self, _release, self._session)
        if session is not None:
            await _discard(session)
        return self._session

    async def close(self) -> None:
        """Closes the connections; a later call opens new ones."""
        session, self._session, self._session_loop = self._session, None, None
        if self._release is not None:
            self._release.detach()
            self._release = None
        if session is not None:
            await _discard(session)

    def __repr__(self) -> str:  # the token stays out of logs and tracebacks
        return f"{type(self).__name__}({self.base_url!r}, timeout_s={self.timeout_s})"

    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """One request; the decoded JSON answer, or one of the two errors above."""
        shown, name, log = f"{method} {mask_phone_numbers(path)}", self.service_name, self.logger
        try:
            session = await self._pooled()
            async with session.request(
                method,
                self.base_url + path,
                json=body,
                timeout=aiohttp.ClientTimeout(total=self.timeout_s),
            ) as response:
                status = response.status
                raw = await response.read()
        except asyncio.TimeoutError:
            log.warning("%s: %s timed out after %.1f s", name, shown, self.timeout_s)
            raise self.unavailable(f"{shown}: timed out", slow=True) from None
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


async def _discard(session: aiohttp.ClientSession) -> None:
    """Closes a session, also one whose event loop has ended (its connections went with it:
    aiohttp then only marks it closed)."""
    with contextlib.suppress(Exception):
        await session.close()


def _release(session: aiohttp.ClientSession) -> None:
    """Closes a session's connections without its event loop (which may have ended): aiohttp
    3's connector closes its transports synchronously, or only marks itself closed when the
    loop is gone."""
    connector = session.connector
    if connector is not None and not connector.closed:
        with contextlib.suppress(Exception):
            connector._close()
