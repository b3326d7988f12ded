"""A Sanic app served for real on a loopback port inside a test, and raw requests to it."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from enum import Enum
from typing import Any, ClassVar, NoReturn, TypeVar

import aiohttp
import pytest
from sanic import Sanic

# Sanic 21.12 rewrites some of its own methods when an app starts; a second app in the same
# process fails unless test mode keeps the originals (what sanic-testing sets too).
Sanic.test_mode = True


def new_app() -> Sanic:
    """An app as Rasa makes its own (`configure_logging=False`), under a name of its own."""
    return Sanic(f"compat_{uuid.uuid4().hex}", configure_logging=False)


@asynccontextmanager
async def serving(app: Sanic) -> AsyncIterator[str]:
    """The app on a free loopback port, with its listeners running: its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = await app.create_server(sock=sock, return_asyncio_server=True, access_log=False)
    assert server is not None
    await server.startup()
    await server.before_start()
    await server.after_start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await server.before_stop()
        await server.close()
        await server.after_stop()
        sock.close()


async def raw_request(
    base_url: str, method: str, path: str, headers: dict[str, bytes], body: bytes = b""
) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of one HTTP/1.1 request sent byte for byte as given (header
    values no HTTP client would send)."""
    host, port = base_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    head = [f"{method} {path} HTTP/1.1".encode(), f"Host: {host}".encode(), b"Connection: close"]
    head += [name.encode() + b": " + value for name, value in headers.items()]
    head.append(f"Content-Length: {len(body)}".encode())
    writer.write(b"\r\n".join(head) + b"\r\n\r\n" + body)
    await writer.drain()
    answer = await reader.read()
    writer.close()
    status_line, _, rest = answer.partition(b"\r\n")
    header_block, _, content = rest.partition(b"\r\n\r\n")
    fields = {}
    for line in header_block.split(b"\r\n"):
        name, _, value = line.decode("latin-1").partition(":")
        fields[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), fields, content


def explode(what: object) -> NoReturn:
    """A store method that fails unexpectedly (patched in to test the 500 answer)."""
    raise RuntimeError(f"database exploded while reading {what}")


def assert_internal_error_hidden(
    answer: tuple[int, dict[str, Any]], caplog: pytest.LogCaptureFixture, logged: str
) -> None:
    """A bare JSON 500 for the caller; the traceback and the (masked) request line `logged`
    go to the log, once."""
    status, body = answer
    assert (status, body["error"]) == (500, "internal")
    assert "Traceback" not in json.dumps(body) and "exploded" not in json.dumps(body)
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert record.exc_info is not None  # the traceback goes to the log
    assert record.getMessage() == logged


Refusal = TypeVar("Refusal", bound=Exception)


async def refusal_of(call: Awaitable[Any], expected: type[Refusal]) -> tuple[Refusal, float]:
    """What a client call raised (it must raise `expected`), and after how many seconds."""
    started = time.monotonic()
    with pytest.raises(expected) as raised:
        await call
    return raised.value, time.monotonic() - started


class _Default(Enum):
    TOKEN = "the API's own token"


@dataclass
class JsonApi:
    """A service's JSON API called over a real session; each call sends `default_token`
    unless it says otherwise (None: no Authorization header)."""

    base_url: str
    session: aiohttp.ClientSession
    default_token: ClassVar[str] = ""

    async def call(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        data: bytes | None = None,
        token: str | _Default | None = _Default.TOKEN,
        authorization: str | None = None,
    ) -> tuple[int, Any]:
        """Status and decoded JSON; fails the test if the answer is not JSON."""
        sent = self.default_token if token is _Default.TOKEN else token
        headers = {}
        if authorization is not None:
            headers["Authorization"] = authorization
        elif sent is not None:
            headers["Authorization"] = f"Bearer {sent}"
        async with self.session.request(
            method, self.base_url + path, json=body, data=data, headers=headers
        ) as response:
            text = await response.text()
            assert response.content_type == "application/json", text
            return response.status, json.loads(text)
