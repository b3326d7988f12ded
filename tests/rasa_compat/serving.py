"""A Sanic app served for real on a loopback port inside a test, and raw requests to it."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

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
