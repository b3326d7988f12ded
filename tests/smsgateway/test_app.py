"""The mock SMS gateway: `python -m bot.smsgateway` for real on a free loopback port, a tiny
recording HTTP server in this process playing the bridge, and the customer's `send` command.

One gateway and one bridge serve the module; each test texts from its own numbers, and the
bridge's behaviour and any injected fault are reset before each test.
"""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import requests

from bot.channels.sms.segments import units as ucs2_units
from bot.channels.sms.signature import is_authentic
from bot.smsgateway import __main__ as gateway_main
from bot.smsgateway.app import create_app
from bot.smsgateway.cli import send
from bot.smsgateway.fields import MAX_WAIT_S
from bot.smsgateway.sending import PART_MAX_UNITS
from bot.smsgateway.store import SmsStore
from tests.conftest import ROOT, free_port, run_module, service_environment, service_process
from tests.serving import serving

KEY = "key-" + uuid.uuid4().hex
SECRET = "secret-" + uuid.uuid4().hex
SERVICE = "10086"
_numbers = itertools.count(1)


def new_number() -> str:
    """A customer of this test only."""
    return f"1390000{next(_numbers):04d}"


# -- the bridge: records what the gateway posts, answers as told, may reply through the gateway --


class RecordingBridge:
    def __init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _BridgeHandler)
        self.server.daemon_threads = True
        self.server.bridge = self  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/sms/webhook"
        self.gateway_url = ""
        self.reset()

    def reset(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        self.answer: bytes = b'{"ok": true}'
        self.content_type = "application/json"
        self.replies: list[str] = []  # sent back to the customer through the gateway

    def reply(self, number: str, texts: list[str]) -> None:
        """What the real bridge does with the assistant's answer: one send per SMS part."""
        for text in texts:
            response = requests.post(
                f"{self.gateway_url}/api/send",
                json={"to": number, "from": SERVICE, "text": text},
                headers={"Authorization": f"Bearer {KEY}"},
                timeout=10,
            )
            response.raise_for_status()


class _BridgeHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        bridge: RecordingBridge = self.server.bridge  # type: ignore[attr-defined]
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        bridge.received.append(({k.lower(): v for k, v in self.headers.items()}, raw))
        self.send_response(bridge.status)
        self.send_header("Content-Type", bridge.content_type)
        self.send_header("Content-Length", str(len(bridge.answer)))
        self.end_headers()
        self.wfile.write(bridge.answer)
        if bridge.replies:  # after answering, as a bridge that replies asynchronously
            number = json.loads(raw)["from"]
            threading.Thread(target=bridge.reply, args=(number, list(bridge.replies))).start()

    def log_message(self, *args: Any) -> None:
        pass


@dataclass
class Gateway:
    url: str
    log_path: Path
    bridge: RecordingBridge

    def call(
        self, method: str, path: str, *, key: str | None = None, **kwargs: Any
    ) -> tuple[int, Any]:
        """Status and decoded JSON; fails the test if the answer is not JSON."""
        headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
        response = requests.request(method, self.url + path, headers=headers, timeout=40, **kwargs)
        assert response.headers["Content-Type"].startswith("application/json"), response.text
        return response.status_code, response.json()

    def send(self, to: str, text: str, sender: str = SERVICE) -> tuple[int, Any]:
        return self.call(
            "POST", "/api/send", key=KEY, json={"to": to, "from": sender, "text": text}
        )

    def messages(self, **params: Any) -> list[dict[str, Any]]:
        status, body = self.call("GET", "/api/messages", params=params)
        assert status == 200, body
        return body["messages"]


@pytest.fixture(scope="module")
def bridge() -> Iterator[RecordingBridge]:
    recording = RecordingBridge()
    thread = threading.Thread(target=recording.server.serve_forever, daemon=True)
    thread.start()
    yield recording
    recording.server.shutdown()
    recording.server.server_close()


def gateway_environment(folder: Path, port: int, bridge_url: str) -> dict[str, str]:
    return service_environment(
        "SMS_GATEWAY",
        port,
        folder / "not-yet" / "smsgateway.sqlite3",
        SMS_GATEWAY_KEY=KEY,
        SMS_WEBHOOK_SECRET=SECRET,
        SMS_BRIDGE_URL=bridge_url,
    )


@pytest.fixture(scope="module")
def module_gateway(
    tmp_path_factory: pytest.TempPathFactory, bridge: RecordingBridge
) -> Iterator[Gateway]:
    folder, port = tmp_path_factory.mktemp("smsgateway"), free_port()
    env = gateway_environment(folder, port, bridge.url)
    running = Gateway(f"http://127.0.0.1:{port}", folder / "gateway.log", bridge)
    bridge.gateway_url = running.url
    with service_process("bot.smsgateway", env, running.log_path, f"{running.url}/health"):
        yield running


@pytest.fixture
def gateway(module_gateway: Gateway) -> Gateway:
    module_gateway.bridge.reset()
    assert module_gateway.call("POST", "/control/accept") == (200, {"refusing": None})
    return module_gateway


# -- sending ------------------------------------------------------------------------------------


def test_health(gateway: Gateway) -> None:
    assert gateway.call("GET", "/health") == (200, {"status": "ok"})


def test_a_send_is_recorded_and_listed(gateway: Gateway) -> None:
    customer, other = new_number(), new_number()
    status, first = gateway.send(customer, "您的话费余额为56.80元。")
    assert status == 200 and first["code"] == 0 and isinstance(first["id"], int)
    _, second = gateway.send(customer, "如需帮助请回复“人工”。")
    gateway.send(other, "别人的短信")
    assert second["id"] > first["id"]

    listed = gateway.messages(to=customer)
    assert [(m["id"], m["to"], m["from"], m["text"]) for m in listed] == [
        (first["id"], customer, SERVICE, "您的话费余额为56.80元。"),
        (second["id"], customer, SERVICE, "如需帮助请回复“人工”。"),
    ]
    assert all(
        re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", m["at"]) for m in listed
    )
    assert [m["id"] for m in gateway.messages(to=customer, after=first["id"])] == [second["id"]]
    assert gateway.messages(to=customer, after=second["id"]) == []
    everyone = gateway.messages(after=first["id"] - 1)
    assert [m["id"] for m in everyone] == sorted(m["id"] for m in everyone)
    assert {m["to"] for m in everyone} >= {customer, other}
    # The bridge may send its key when reading; it is accepted, as no key is.
    status, body = gateway.call("GET", "/api/messages", key=KEY, params={"to": customer})
    assert status == 200 and body["messages"] == listed


def test_clearing_keeps_ids_growing(gateway: Gateway) -> None:
    customer = new_number()
    _, before = gateway.send(customer, "旧短信")
    status, body = gateway.call("DELETE", "/api/messages")
    assert status == 200 and body["deleted"] >= 1
    assert gateway.messages() == []
    _, after = gateway.send(customer, "新短信")
    assert after["id"] > before["id"]  # a reader remembering `after` misses nothing
    assert [m["text"] for m in gateway.messages(to=customer)] == ["新短信"]


@pytest.mark.parametrize(
    "authorization", [None, "Bearer wrong", f"Bearer {KEY}x", f"Basic {KEY}", SECRET, KEY]
)
def test_sending_needs_the_key(gateway: Gateway, authorization: str | None) -> None:
    customer = new_number()
    headers = {} if authorization is None else {"Authorization": authorization}
    response = requests.post(
        f"{gateway.url}/api/send",
        json={"to": customer, "from": SERVICE, "text": "hi"},
        headers=headers,
        timeout=10,
    )
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized" and response.json()["code"] != 0
    assert gateway.messages(to=customer) == []


@pytest.mark.parametrize(
    ("body", "error", "field"),
    [
        (b"{not json", "invalid_body", None),
        (b'["to", "from", "text"]', "invalid_body", None),
        (b"", "invalid_body", None),
        ({"from": SERVICE, "text": "hi"}, "invalid_field", "to"),
        ({"to": "NUMBER", "from": 10086, "text": "hi"}, "invalid_field", "from"),
        ({"to": "NUMBER", "from": SERVICE}, "invalid_field", "text"),
        ({"to": "NUMBER", "from": SERVICE, "text": ["hi"]}, "invalid_field", "text"),
        ({"to": "", "from": SERVICE, "text": "hi"}, "invalid_field", "to"),
        ({"to": "NUMBER", "from": SERVICE, "text": ""}, "empty_text", None),
        ({"to": "NUMBER", "from": SERVICE, "text": " \n"}, "empty_text", None),
    ],
)
def test_malformed_sends_are_400(
    gateway: Gateway, body: Any, error: str, field: str | None
) -> None:
    customer = new_number()
    if isinstance(body, dict):
        kwargs: dict[str, Any] = {
            "json": {k: customer if v == "NUMBER" else v for k, v in body.items()}
        }
    else:
        kwargs = {"data": body}
    status, answer = gateway.call("POST", "/api/send", key=KEY, **kwargs)
    assert (status, answer["error"]) == (400, error)
    assert isinstance(answer["code"], int) and answer["code"] != 0
    assert answer.get("field") == field
    assert gateway.messages(to=customer) == []


def test_what_json_cannot_carry_is_400_and_a_non_utf8_key_401(gateway: Gateway) -> None:
    """Found by tests/fuzz, 500s before."""
    customer = new_number()
    lone = json.dumps({"to": customer, "from": SERVICE, "text": "\ud800"}).encode()
    for data in (lone, b"[" * 2000 + b"]" * 2000):
        status, answer = gateway.call("POST", "/api/send", key=KEY, data=data)
        assert (status, answer["error"], answer["code"]) == (400, "invalid_body", 1002)
    response = requests.post(
        f"{gateway.url}/api/send",
        json={"to": customer, "from": SERVICE, "text": "hi"},
        headers={"Authorization": b"Bearer \xff\xfe"},
        timeout=10,
    )
    assert (response.status_code, response.json()["error"]) == (401, "unauthorized")
    assert gateway.messages(to=customer) == []


def test_ucs2_units() -> None:
    assert ucs2_units("查余额") == 3
    assert ucs2_units("ok😀") == 4  # outside the BMP: a surrogate pair
    assert ucs2_units("") == 0


def test_at_most_one_sms_part(gateway: Gateway) -> None:
    customer = new_number()
    assert gateway.send(customer, "费" * PART_MAX_UNITS)[0] == 200
    assert gateway.send(customer, "费" * (PART_MAX_UNITS - 2) + "😀")[0] == 200  # 70 units
    for too_long in ("费" * (PART_MAX_UNITS + 1), "费" * (PART_MAX_UNITS - 1) + "😀"):
        status, answer = gateway.send(customer, too_long)
        assert (status, answer["error"]) == (400, "text_too_long")
        assert answer["units"] == PART_MAX_UNITS + 1 and answer["limit"] == PART_MAX_UNITS
    assert len(gateway.messages(to=customer)) == 2


# -- injected faults ----------------------------------------------------------------------------


def test_refuse_a_number_of_sends(gateway: Gateway) -> None:
    customer = new_number()
    status, body = gateway.call("POST", "/control/refuse", json={"status": 503, "count": 2})
    assert (status, body) == (200, {"refusing": {"status": 503, "remaining": 2}})
    for _ in range(2):
        status, answer = gateway.send(customer, "会被拒绝")
        assert (status, answer["error"]) == (503, "refused") and answer["code"] != 0
    assert gateway.call("GET", "/control/state")[1]["refusing"] is None
    assert gateway.send(customer, "第三条")[0] == 200
    assert [m["text"] for m in gateway.messages(to=customer)] == ["第三条"]


def test_refuse_until_accepted(gateway: Gateway) -> None:
    customer = new_number()
    gateway.call("POST", "/control/refuse", json={"status": 500})
    # A caller without the key is told so, and does not use up a refusal.
    assert gateway.call("POST", "/api/send", json={"to": customer})[0] == 401
    for _ in range(3):
        assert gateway.send(customer, "拒绝")[0] == 500
    assert gateway.call("GET", "/control/state")[1]["refusing"] == {
        "status": 500,
        "remaining": None,
    }
    assert gateway.call("POST", "/control/accept") == (200, {"refusing": None})
    assert gateway.send(customer, "好了")[0] == 200
    assert [m["text"] for m in gateway.messages(to=customer)] == ["好了"]


@pytest.mark.parametrize(
    "body",
    [{}, {"status": 200}, {"status": "503"}, {"status": 503, "count": 0}, {"status": True}],
)
def test_malformed_refusals_are_400(gateway: Gateway, body: dict[str, Any]) -> None:
    status, answer = gateway.call("POST", "/control/refuse", json=body)
    assert (status, answer["error"]) == (400, "invalid_control")
    assert gateway.call("GET", "/control/state")[1]["refusing"] is None


# -- long-polling -------------------------------------------------------------------------------


# "At once" is measured against the wait a call asked for, never against the machine's speed:
# a call that waited its poll out took all of MAX_WAIT_S, one that was answered took less.


def until(condition: Any, timeout_s: float = 10) -> None:
    """Polls for a precondition (the reader is waiting); the result is never waited for so."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.01)


def test_a_waiting_reader_gets_a_send_at_once(gateway: Gateway) -> None:
    customer, other = new_number(), new_number()
    _, old = gateway.send(customer, "旧的")
    with ThreadPoolExecutor(1) as pool:
        reading = pool.submit(gateway.messages, to=customer, after=old["id"], wait=MAX_WAIT_S)
        until(lambda: gateway.call("GET", "/control/state")[1]["waiting"] >= 1)
        gateway.send(other, "不是给这位客户的")  # wakes the reader, who goes on waiting
        started = time.monotonic()
        _, new = gateway.send(customer, "新的")
        arrived = reading.result()
        took = time.monotonic() - started
    assert [(m["id"], m["text"]) for m in arrived] == [(new["id"], "新的")]
    assert took < MAX_WAIT_S  # woken by the send, not by the end of its poll
    assert gateway.call("GET", "/control/state")[1]["waiting"] == 0


def test_a_long_poll_with_nothing_new_ends_empty(gateway: Gateway) -> None:
    started = time.monotonic()
    assert gateway.messages(to=new_number(), wait=0.3) == []
    assert 0.3 <= time.monotonic() - started < MAX_WAIT_S  # its own wait, not the longest


def test_a_long_poll_with_something_there_answers_at_once(gateway: Gateway) -> None:
    customer = new_number()
    gateway.send(customer, "已经在了")
    started = time.monotonic()
    assert [m["text"] for m in gateway.messages(to=customer, wait=MAX_WAIT_S)] == ["已经在了"]
    assert time.monotonic() - started < MAX_WAIT_S  # did not wait at all


@pytest.mark.parametrize(
    "params", [{"after": "-1"}, {"after": "x"}, {"wait": "soon"}, {"wait": "-1"}, {"wait": "nan"}]
)
def test_malformed_queries_are_400(gateway: Gateway, params: dict[str, str]) -> None:
    status, answer = gateway.call("GET", "/api/messages", params=params)
    assert (status, answer["error"], answer["field"]) == (400, "invalid_query", next(iter(params)))


# -- inbound: the gateway plays the customer ----------------------------------------------------


def received_payload(bridge: RecordingBridge) -> tuple[dict[str, str], bytes, dict[str, Any]]:
    assert len(bridge.received) == 1
    headers, raw = bridge.received[0]
    return headers, raw, json.loads(raw)


def test_inbound_is_signed_over_the_exact_bytes(gateway: Gateway) -> None:
    customer = new_number()
    gateway.bridge.answer = '{"status": "accepted", "说": "好"}'.encode()
    before = int(time.time())
    status, answer = gateway.call(
        "POST", "/control/inbound", json={"from": customer, "text": "查余额😀"}
    )
    assert status == 200, answer
    headers, raw, payload = received_payload(gateway.bridge)

    assert is_authentic(SECRET, headers["x-timestamp"], headers["x-signature"], raw)
    assert not is_authentic(KEY, headers["x-timestamp"], headers["x-signature"], raw)
    assert not is_authentic(SECRET, headers["x-timestamp"], headers["x-signature"], raw + b" ")
    assert headers["content-type"] == "application/json"
    assert "查余额😀".encode() in raw  # UTF-8 as is, not \u escapes
    assert set(payload) == {"msg_id", "from", "to", "text", "timestamp"}
    assert re.fullmatch(r"[0-9a-f]{32}", payload["msg_id"])
    assert (payload["from"], payload["to"], payload["text"]) == (customer, SERVICE, "查余额😀")
    assert isinstance(payload["timestamp"], int)
    assert before <= payload["timestamp"] <= time.time()
    assert str(payload["timestamp"]) == headers["x-timestamp"]
    assert answer == {
        "msg_id": payload["msg_id"],
        "status": 200,
        "body": {"status": "accepted", "说": "好"},
    }


def test_inbound_with_its_own_id_and_service_number(gateway: Gateway) -> None:
    customer = new_number()
    gateway.bridge.status, gateway.bridge.answer = 401, b"bad signature"
    gateway.bridge.content_type = "text/plain"
    status, answer = gateway.call(
        "POST",
        "/control/inbound",
        json={"from": customer, "text": "ye", "msg_id": "m-1", "to": "1008611"},
    )
    _, _, payload = received_payload(gateway.bridge)
    assert (payload["msg_id"], payload["to"], payload["text"]) == ("m-1", "1008611", "ye")
    # The bridge's refusal is reported, not turned into the gateway's own error.
    assert (status, answer) == (200, {"msg_id": "m-1", "status": 401, "body": "bad signature"})


@pytest.mark.parametrize(
    "body",
    [{"text": "hi"}, {"from": "NUMBER"}, {"from": "NUMBER", "text": ""}, {"from": 1, "text": "x"}],
)
def test_malformed_inbound_is_400_and_not_posted(gateway: Gateway, body: dict[str, Any]) -> None:
    body = {k: new_number() if v == "NUMBER" else v for k, v in body.items()}
    status, answer = gateway.call("POST", "/control/inbound", json=body)
    assert status == 400 and answer["error"] in ("invalid_field", "empty_text")
    assert gateway.bridge.received == []


async def test_bridge_down_is_502_and_too_slow_504(tmp_path: Path, silent_server: str) -> None:
    store = SmsStore(tmp_path / "sms.sqlite3")
    nobody = f"http://127.0.0.1:{free_port()}/webhooks/sms/webhook"
    try:
        for bridge_url, status, error in (
            (nobody, 502, "bridge_unreachable"),
            (silent_server, 504, "bridge_timeout"),
        ):
            app = create_app(
                store, KEY, SECRET, bridge_url, bridge_timeout_s=0.5, name=f"g{uuid.uuid4().hex}"
            )
            async with (
                serving(app) as base_url,
                aiohttp.ClientSession() as session,
                session.post(
                    f"{base_url}/control/inbound", json={"from": "13900000000", "text": "hi"}
                ) as response,
            ):
                assert response.content_type == "application/json"
                answer = await response.json()
            assert (response.status, answer["error"]) == (status, error)
            assert answer["code"] != 0 and answer["bridge_url"] == bridge_url
    finally:
        store.shutdown()


# -- the store, start-up and logs ---------------------------------------------------------------


def test_messages_survive_a_restart_and_ids_are_never_reused(tmp_path: Path) -> None:
    path = tmp_path / "sms.sqlite3"
    store = SmsStore(path)
    first = store.record("13900000001", SERVICE, "一")
    store.clear()
    second = store.record("13900000001", SERVICE, "二")
    store.shutdown()
    store = SmsStore(path)
    try:
        assert [m["text"] for m in store.messages()] == ["二"]
        assert store.record("13900000001", SERVICE, "三")["id"] > second["id"] > first["id"]
    finally:
        store.shutdown()


def test_key_and_secret_are_required_and_different(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SMS_GATEWAY_KEY", "same")
    monkeypatch.setenv("SMS_WEBHOOK_SECRET", "same")
    with pytest.raises(SystemExit, match="are the same"):
        gateway_main.credentials()
    monkeypatch.setenv("SMS_WEBHOOK_SECRET", "")
    with pytest.raises(SystemExit, match="SMS_WEBHOOK_SECRET not set"):
        gateway_main.credentials()
    monkeypatch.setenv("SMS_WEBHOOK_SECRET", "other")
    assert gateway_main.credentials() == ["same", "other"]
    store = SmsStore(tmp_path / "sms.sqlite3")
    try:
        for key, secret in (("", "x"), ("x", ""), ("same", "same")):
            with pytest.raises(ValueError):
                create_app(store, key, secret, "http://127.0.0.1:1/", name=f"g{uuid.uuid4().hex}")
    finally:
        store.shutdown()


def test_the_process_refuses_to_start_without_the_key(tmp_path: Path) -> None:
    env = gateway_environment(tmp_path, free_port(), "http://127.0.0.1:1/")
    del env["SMS_GATEWAY_KEY"]
    refused = run_module("bot.smsgateway", env)
    assert refused.returncode == 1
    assert "SMS_GATEWAY_KEY not set" in refused.stderr and "Traceback" not in refused.stderr
    assert SECRET not in refused.stderr


def test_the_log_shows_neither_key_secret_nor_whole_numbers(gateway: Gateway) -> None:
    customer = new_number()
    gateway.send(customer, "余额56.80元")
    gateway.call("POST", "/api/send", key="wrong", json={})
    gateway.call("POST", "/control/inbound", json={"from": customer, "text": "查余额"})
    log = gateway.log_path.read_text()
    assert f"{customer[:3]}****{customer[-4:]}" in log
    assert customer not in log and KEY not in log and SECRET not in log
    assert "余额56.80元" not in log and "查余额" not in log  # texts are not logged


# -- the customer's command line ----------------------------------------------------------------

SEND_WAIT_S = 120  # `send --wait`: far longer than the replies take to come


def test_send_prints_the_replies_as_they_arrive(gateway: Gateway) -> None:
    customer = new_number()
    gateway.send(customer, "上次的回复")  # before sending: not shown
    gateway.bridge.replies = ["您的话费余额为56.80元，", "号码状态：正常。"]
    started = time.monotonic()
    done = subprocess.run(
        [
            sys.executable,
            *("-m", "bot.smsgateway", "send", "--from", customer, "--text", "查余额"),
            *("--gateway", gateway.url, "--wait", str(SEND_WAIT_S)),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=SEND_WAIT_S * 2,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"→ {customer}: 查余额",
        f"← {SERVICE}: 您的话费余额为56.80元，",
        f"← {SERVICE}: 号码状态：正常。",
    ]
    assert time.monotonic() - started < SEND_WAIT_S  # stopped after the replies, not --wait
    _, _, payload = received_payload(gateway.bridge)
    assert (payload["from"], payload["text"]) == (customer, "查余额")


def test_send_without_a_reply_says_so(gateway: Gateway, capsys: pytest.CaptureFixture[str]) -> None:
    customer = new_number()
    assert send(gateway.url, customer, "有人吗", wait_s=0.5) == 1
    out, err = capsys.readouterr()
    assert out == f"→ {customer}: 有人吗\n"
    assert "没有收到回复" in err and "make run" in err


def test_send_reports_the_bridges_refusal(
    gateway: Gateway, capsys: pytest.CaptureFixture[str]
) -> None:
    gateway.bridge.status, gateway.bridge.answer = 401, b'{"error": "bad_signature"}'
    assert send(gateway.url, new_number(), "查余额", wait_s=5) == 1
    _, err = capsys.readouterr()
    assert "bridge said 401" in err and "SMS_WEBHOOK_SECRET" in err


def test_send_without_a_gateway_says_how_to_start_it(capsys: pytest.CaptureFixture[str]) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    assert (
        gateway_main.main(["send", "--from", "13900000000", "--text", "hi", "--gateway", nowhere])
        == 1
    )
    _, err = capsys.readouterr()
    assert nowhere in err and "make run" in err
