"""bot/http_client.py keeps one session per client: its calls reuse one keep-alive connection,
and a restarted server, another event loop or a closed client only cost a new one.

The server is a stand-in (aiohttp.web on a loopback port) that counts the TCP connections its
requests came on (the client's port tells them apart)."""

from __future__ import annotations

import asyncio
import gc
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from bot.accounts.client import AccountClient
from bot.handoff.client import DeskClient
from bot.http_client import (
    JsonServiceClient,
    ServiceRequestError,
    ServiceUnavailable,
    close_shared,
)


class Service:
    """A JSON service on a fixed port that can be stopped and started again."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.connections: list[int] = []  # the client's port of each request
        self.tokens: list[str] = []
        self._runner: web.AppRunner | None = None

    async def answer(self, request: web.Request) -> web.Response:
        peer = request.transport.get_extra_info("peername") if request.transport else None
        self.connections.append(peer[1] if peer else -1)
        self.tokens.append(request.headers.get("Authorization", ""))
        if request.match_info["what"] == "slow":
            await asyncio.sleep(1)
        if request.match_info["what"] == "refused":
            return web.json_response({"error": "no_such_thing"}, status=404)
        return web.json_response({"ok": True, "echo": await request.json()})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/{what}", self.answer)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


@pytest.fixture
async def service() -> AsyncIterator[Service]:
    running = Service()
    await running.start()
    yield running
    await running.stop()


class Client(JsonServiceClient):
    service_name = "stand-in"

    async def post(self, what: str, n: int) -> dict:
        return await self._call("POST", f"/{what}", {"n": n})


async def test_calls_reuse_one_connection(service: Service) -> None:
    client = Client(service.url, "secret", timeout_s=2.0)
    for n in range(5):
        assert await client.post("echo", n) == {"ok": True, "echo": {"n": n}}
    assert len(service.connections) == 5 and len(set(service.connections)) == 1
    assert set(service.tokens) == {"Bearer secret"}
    await client.close()


async def test_concurrent_calls_share_the_session(service: Service) -> None:
    client = Client(service.url, "secret", timeout_s=2.0)
    answers = await asyncio.gather(*(client.post("echo", n) for n in range(10)))
    assert [a["echo"]["n"] for a in answers] == list(range(10))
    assert await client.post("echo", 10) == {"ok": True, "echo": {"n": 10}}
    assert len(set(service.connections)) <= 10  # pooled: no more than were ever in flight
    await client.close()


async def test_a_restarted_server_costs_one_new_connection(service: Service) -> None:
    client = Client(service.url, "secret", timeout_s=2.0)
    await client.post("echo", 1)
    await service.stop()
    with pytest.raises(ServiceUnavailable):  # down: the usual error, at once
        await client.post("echo", 2)
    await service.start()
    assert await client.post("echo", 3) == {"ok": True, "echo": {"n": 3}}
    assert await client.post("echo", 4) == {"ok": True, "echo": {"n": 4}}
    first, *after = service.connections
    assert len(after) == 2 and after[0] == after[1] != first
    await client.close()


async def test_restarted_between_calls_without_a_failed_call(service: Service) -> None:
    client = Client(service.url, "secret", timeout_s=2.0)
    await client.post("echo", 1)
    await service.stop()
    await service.start()
    assert await client.post("echo", 2) == {"ok": True, "echo": {"n": 2}}
    assert len(set(service.connections)) == 2
    await client.close()


async def test_timeout_and_refusals_per_call_as_before(service: Service) -> None:
    client = Client(service.url, "secret", timeout_s=0.3)
    with pytest.raises(ServiceUnavailable, match="timed out"):
        await client.post("slow", 1)
    with pytest.raises(ServiceRequestError) as refused:
        await client.post("refused", 2)
    assert (refused.value.status, refused.value.code) == (404, "no_such_thing")
    assert await client.post("echo", 3) == {"ok": True, "echo": {"n": 3}}  # still usable
    await client.close()


async def test_a_closed_client_opens_a_new_connection(service: Service) -> None:
    client = Client(service.url, "secret", timeout_s=2.0)
    await client.post("echo", 1)
    await client.close()
    await client.close()  # twice is harmless
    await client.post("echo", 2)
    assert len(set(service.connections)) == 2
    await client.close()


async def test_a_dropped_client_lets_its_connections_go_quietly(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    client = Client(service.url, "secret", timeout_s=2.0)
    await client.post("echo", 1)
    del client
    gc.collect()
    await asyncio.sleep(0.05)
    assert "Unclosed" not in caplog.text


def test_a_client_made_outside_a_loop_works_in_several_loops() -> None:
    """A client is made before any loop runs (the channels are), and tests run one loop
    after another: a session bound to a finished loop is replaced, not reused."""
    service = Service()
    client = Client(service.url, "secret", timeout_s=2.0)

    async def one_loop(n: int) -> dict:
        await service.start()
        try:
            return await client.post("echo", n)
        finally:
            await service.stop()

    assert asyncio.run(one_loop(1)) == {"ok": True, "echo": {"n": 1}}
    assert asyncio.run(one_loop(2)) == {"ok": True, "echo": {"n": 2}}
    assert len(set(service.connections)) == 2
    asyncio.run(client.close())


def test_shared_clients_follow_the_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACCOUNTS_URL", "http://127.0.0.1:1")
    monkeypatch.setenv("HANDOFF_URL", "http://127.0.0.1:2")
    accounts, desk = AccountClient.shared(), DeskClient.shared()
    assert AccountClient.shared() is accounts and DeskClient.shared() is desk
    assert accounts is not AccountClient.from_env()
    monkeypatch.setenv("ACCOUNTS_URL", "http://127.0.0.1:3")
    moved = AccountClient.shared()
    assert moved is not accounts and moved.base_url == "http://127.0.0.1:3"
    assert DeskClient.shared() is desk
    asyncio.run(close_shared())
    assert DeskClient.shared() is not desk


@pytest.mark.parametrize(
    ("client_class", "prefix", "default_port", "timeout_s"),
    [(AccountClient, "ACCOUNTS", 8088, 3.0), (DeskClient, "HANDOFF", 8090, 2.0)],
)
def test_a_client_is_configured_from_its_settings(
    monkeypatch: pytest.MonkeyPatch,
    client_class: type[JsonServiceClient],
    prefix: str,
    default_port: int,
    timeout_s: float,
) -> None:
    monkeypatch.setenv(f"{prefix}_URL", "http://127.0.0.1:9999/")
    monkeypatch.setenv(f"{prefix}_TOKEN", "secret-token")
    client = client_class.from_env()
    assert (client.base_url, client.timeout_s) == ("http://127.0.0.1:9999", timeout_s)
    assert "secret-token" not in repr(client)
    monkeypatch.delenv(f"{prefix}_URL")
    monkeypatch.delenv(f"{prefix}_PORT", raising=False)
    assert client_class.from_env().base_url == f"http://127.0.0.1:{default_port}"
    monkeypatch.setenv(f"{prefix}_PORT", "9123")  # the port is written once: the URL follows it
    assert client_class.from_env().base_url == "http://127.0.0.1:9123"
