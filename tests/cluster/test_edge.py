"""nginx at the edge of the production profile (bot/cluster/nginx.py), in front of stand-in
Rasa processes that record what reaches them: per-address limits, and the request id that
lets a retried message be answered once."""

from __future__ import annotations

import http.client
import json
import math
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.cluster.nginx import EdgeLimits, LocalNginx
from bot.ports import free_port


class StandIn(ThreadingHTTPServer):
    """A Rasa process as nginx sees it: answers `[]`, or dies on a message for `/die`."""

    def __init__(self, dies: bool = False) -> None:
        self.dies = dies
        self.request_ids: list[str] = []
        super().__init__(("127.0.0.1", free_port()), Handler)


class Handler(BaseHTTPRequestHandler):
    server: StandIn

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.request_ids.append(self.headers.get("X-Request-Id") or "")
        if self.server.dies:  # the process died before answering: nginx tries the next one
            self.close_connection = True
            self.connection.close()
            return
        self._answer()

    def _answer(self) -> None:
        body = b"[]"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def stand_ins() -> Iterator[list[StandIn]]:
    servers = [StandIn(dies=True), StandIn()]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield servers
    for server in servers:
        server.shutdown()
        server.server_close()


def edge(folder: Path, stand_ins: list[StandIn], limits: EdgeLimits) -> LocalNginx:
    nginx = LocalNginx(folder, free_port(), [s.server_address[1] for s in stand_ins], limits)
    nginx.start("/webhooks/rest/")
    return nginx


def post(port: int, source: str = "127.0.0.1") -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=10, source_address=(source, 0)
    )
    try:
        body = json.dumps({"sender": "edge", "message": "你好"})
        connection.request(
            "POST", "/webhooks/rest/webhook", body, {"Content-Type": "application/json"}
        )
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_one_address_over_its_limit_gets_a_json_429_and_another_address_is_served(
    tmp_path: Path, stand_ins: list[StandIn]
) -> None:
    for server in stand_ins:
        server.dies = False
    nginx = edge(tmp_path, stand_ins, EdgeLimits(per_second=1, burst=5, connections=50))
    try:
        started = time.monotonic()
        answers = [post(nginx.listen_port) for _ in range(20)]
        elapsed = time.monotonic() - started
        served = [status for status, _, _ in answers if status == 200]
        refused = [(headers, body) for status, headers, body in answers if status == 429]
        assert len(served) + len(refused) == 20
        # The first request and the burst of 5 at once (less the start's health check), then
        # 1 a second.
        assert 5 <= len(served) <= 6 + math.ceil(elapsed)
        assert refused
        headers, body = refused[0]
        assert json.loads(body)["error"] == "too_many_requests"
        assert headers["Retry-After"] == "5"
        # A customer behind another address is not held back by the first one's flood.
        assert post(nginx.listen_port, source="127.0.0.2")[0] == 200
    finally:
        nginx.stop()


def test_a_request_passed_to_the_next_process_keeps_its_request_id(
    tmp_path: Path, stand_ins: list[StandIn]
) -> None:
    nginx = edge(tmp_path, stand_ins, EdgeLimits(per_second=100, burst=100, connections=50))
    try:
        for _ in range(4):  # least_conn picks either first: the dying one is met at least once
            status, _, _ = post(nginx.listen_port)
            assert status == 200
        dying, serving = stand_ins
        assert dying.request_ids, "nginx never tried the dying process"
        for request_id in dying.request_ids:
            assert request_id in serving.request_ids  # the retry, under the same id
        assert len(set(serving.request_ids)) == len(serving.request_ids) == 4
    finally:
        nginx.stop()
