"""The agent desk's HTTP API and web page, served for real on a loopback port inside the test.

Each test gets its own app (Sanic keeps a registry of app names, so each has a unique name),
its own database and a fixed clock (2026-11-22 10:00 +08:00, as in test_store).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote

import aiohttp
import pytest

from bot.accounts.client import AccountClient
from bot.handoff.app import create_app, sweep_interval
from bot.handoff.customer import CustomerCards
from bot.handoff.notices import notice
from bot.handoff.store import HandoffStore
from bot.ops.console import OpsConsole
from tests.accounts.test_store import Clock
from tests.handoff.running import AGENT_TOKEN, INTERNAL_TOKEN, on_duty, running_desk
from tests.handoff.test_store import TRANSCRIPT
from tests.serving import JsonApi, assert_internal_error_hidden, explode

NUMBER = "13800138000"


@dataclass
class Desk(JsonApi):
    store: HandoffStore
    clock: Clock
    default_token: ClassVar[str] = AGENT_TOKEN

    async def internal(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        return await self.call(method, path, body=body, token=INTERNAL_TOKEN)

    async def open(self, sender: str, **fields: Any) -> dict[str, Any]:
        on_duty(self.store)  # the clock may have moved past the last report
        new = {"sender": sender, "channel": "rest", "number": None, "ticket": None}
        status, body = await self.internal(
            "POST", "/internal/handoffs", {**new, "transcript": TRANSCRIPT, **fields}
        )
        assert status == 201, body
        return body["handoff"]


@asynccontextmanager
async def desk_app(tmp_path: Path, claim_timeout_s: float, **options: Any) -> AsyncIterator[Desk]:
    async with (
        running_desk(tmp_path, claim_timeout_s, **options) as running,
        aiohttp.ClientSession() as session,
    ):
        yield Desk(running.url, session, running.store, running.clock)


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    async with desk_app(tmp_path, claim_timeout_s=300) as running:
        yield running


# -- access -------------------------------------------------------------------------------------


async def test_health_needs_no_token(desk: Desk) -> None:
    assert await desk.call("GET", "/health", token=None) == (200, {"status": "ok"})


AGENT_ROUTES = [
    ("GET", "/api/handoffs"),
    ("GET", "/api/handoffs/1"),
    ("POST", "/api/handoffs/1/claim"),
    ("POST", "/api/handoffs/1/reply"),
    ("POST", "/api/handoffs/1/hand-back"),
    ("POST", "/api/handoffs/1/close"),
    ("POST", "/api/handoffs/1/notes"),
    ("POST", "/api/handoffs/1/reveal-number"),
    ("GET", "/api/canned"),
    ("GET", "/api/history"),
    ("POST", "/api/presence"),
    ("GET", "/api/no-such-route"),  # no probing for routes without the token
]
INTERNAL_ROUTES = [
    ("POST", "/internal/handoffs"),
    ("GET", "/internal/handoffs/s1"),
    ("POST", "/internal/inbound/s1"),
    ("POST", "/internal/outbox/take"),
    ("POST", "/internal/handoffs/1/suggestions"),
    ("DELETE", "/internal/handoffs/s1"),
]


@pytest.mark.parametrize("token", [None, "wrong-token", "", AGENT_TOKEN + "x", INTERNAL_TOKEN])
async def test_the_agent_api_needs_the_agent_token(desk: Desk, token: str | None) -> None:
    for method, path in AGENT_ROUTES:
        status, body = await desk.call(method, path, body={"agent": "小王"}, token=token)
        assert (status, body["error"]) == (401, "unauthorized"), (method, path)


@pytest.mark.parametrize("token", [None, "wrong-token", INTERNAL_TOKEN[:-1], AGENT_TOKEN])
async def test_the_internal_api_needs_the_internal_token(desk: Desk, token: str | None) -> None:
    await desk.open("s1")
    for method, path in INTERNAL_ROUTES:
        status, body = await desk.call(method, path, body={"text": "x"}, token=token)
        assert (status, body["error"]) == (401, "unauthorized"), (method, path)
    assert len(desk.store.list_active()) == 1  # nothing was added or taken


async def test_with_the_token_unknown_routes_are_404(desk: Desk) -> None:
    status, body = await desk.call("GET", "/api/no-such-route")
    assert (status, body["error"]) == (404, "unknown_route")
    status, body = await desk.internal("DELETE", "/internal/handoffs/s1")
    assert (status, body["error"]) == (405, "method_not_allowed")
    status, body = await desk.call("GET", "/nowhere", token=None)
    assert (status, body["error"]) == (404, "unknown_route")


def test_the_tokens_must_be_given_and_differ(tmp_path: Path) -> None:
    store = HandoffStore(tmp_path / "handoff.sqlite3")
    try:
        for agent_token, internal_token in (("", "x"), ("x", ""), ("same", "same")):
            with pytest.raises(ValueError):
                cards = CustomerCards(AccountClient("http://127.0.0.1:9", "t"))
                create_app(
                    store, agent_token, internal_token, 300, cards, name=f"d{uuid.uuid4().hex}"
                )
        ops = OpsConsole(store, tmp_path / "reviewed.yml")
        cards = CustomerCards(AccountClient("http://127.0.0.1:9", "t"))
        for ops_token in ("", "x", "y"):  # missing, or the agents' or our processes' token
            with pytest.raises(ValueError):
                name = f"d{uuid.uuid4().hex}"
                create_app(store, "x", "y", 300, cards, name=name, ops=ops, ops_token=ops_token)
    finally:
        store.shutdown()


# -- the web page -------------------------------------------------------------------------------


async def test_the_page_is_served_self_contained(desk: Desk) -> None:
    async with desk.session.get(desk.base_url + "/") as response:
        assert response.status == 200
        assert response.content_type == "text/html"
        page = await response.text()
        policy = response.headers["Content-Security-Policy"]
    for label in ("坐席令牌", "接入", "发送", "交还机器人", "结束", "已被其他坐席接入"):
        assert label in page
    assert "sessionStorage" in page and "textContent" in page
    assert "innerHTML" not in page and "outerHTML" not in page and "eval(" not in page
    assert not re.search(r"https?:|//[a-z0-9]|@import|<link|<iframe|src=", page, re.I)
    assert "connect-src 'self'" in policy and "default-src 'none'" in policy


# -- malformed requests -------------------------------------------------------------------------


async def test_malformed_json_is_400(desk: Desk) -> None:
    handoff = await desk.open("s1")
    for data in (b"{bad json", b"", b"[1, 2]", b'"text"', b"\xff\xfe"):
        for token, path in [
            (INTERNAL_TOKEN, "/internal/handoffs"),
            (INTERNAL_TOKEN, "/internal/inbound/s1"),
            (INTERNAL_TOKEN, "/internal/inbound/nobody"),
            (AGENT_TOKEN, f"/api/handoffs/{handoff['id']}/claim"),
            (AGENT_TOKEN, f"/api/handoffs/{handoff['id']}/reply"),
        ]:
            status, body = await desk.call("POST", path, data=data, token=token)
            assert (status, body["error"]) == (400, "invalid_body"), (path, data)
            assert body["message"]
    status, body = await desk.internal("POST", "/internal/handoffs", {"sender": "s2"})
    assert (status, body["error"], body["field"]) == (400, "invalid_body", "channel")
    status, body = await desk.call("POST", f"/api/handoffs/{handoff['id']}/claim", body={})
    assert (status, body["field"]) == (400, "agent")
    for sender in ("s1", "nobody"):
        for bad in ({"txt": "x"}, {"text": None}, {"text": 5}, {"text": ["x"]}):
            status, body = await desk.internal("POST", f"/internal/inbound/{sender}", bad)
            assert (status, body["error"], body["field"]) == (400, "invalid_body", "text")
    assert desk.store.get(handoff["id"])["status"] == "queued"


async def test_bodies_json_cannot_carry_are_400(desk: Desk) -> None:
    """Found by tests/fuzz, 500s before: nested deeper than Python's parser goes, or with a
    lone surrogate ("\\ud800") that SQLite cannot store."""
    for data in (b"[" * 2000 + b"]" * 2000, b'{"a":' * 2000 + b"1" + b"}" * 2000):
        status, body = await desk.call(
            "POST", "/internal/handoffs", data=data, token=INTERNAL_TOKEN
        )
        assert (status, body["error"]) == (400, "invalid_body"), data[:10]
    lone = json.dumps({"sender": "\udfff", "channel": "rest"}).encode()
    status, body = await desk.call("POST", "/internal/handoffs", data=lone, token=INTERNAL_TOKEN)
    assert (status, body["error"]) == (400, "invalid_body")
    assert desk.store.list_active() == []


async def test_oversized_bodies_are_refused(desk: Desk) -> None:
    huge = [{"author": "customer", "text": "长" * 4000}] * 100
    status, body = await desk.internal(
        "POST", "/internal/handoffs", {"sender": "s1", "channel": "rest", "transcript": huge}
    )
    assert (status, body["error"]) == (413, "payload_too_large")


# -- the conversation, end to end ---------------------------------------------------------------


async def test_a_handoff_from_queue_to_hand_back(desk: Desk) -> None:
    sender = "渠道/用户 1?"  # any character survives the path
    status, opened = await desk.internal(
        "POST",
        "/internal/handoffs",
        {
            "sender": sender,
            "channel": "socketio",
            "number": NUMBER,
            "ticket": "TS202611220042",
            "transcript": TRANSCRIPT,
        },
    )
    assert (status, opened["position"], opened["handoff"]["status"]) == (201, 1, "queued")
    handoff_id = opened["handoff"]["id"]
    status, body = await desk.internal("POST", "/internal/handoffs", {**opened["handoff"]})
    assert (status, body["error"], body["position"]) == (409, "already_active", 1)
    assert body["handoff"]["id"] == handoff_id
    path = quote(sender, safe="")
    assert await desk.internal("GET", f"/internal/handoffs/{path}") == (200, opened)

    status, listed = await desk.call("GET", "/api/handoffs")
    [seen] = listed["handoffs"]
    assert (seen["number"], seen["ticket"], seen["position"]) == (
        "138****8000",
        "TS202611220042",
        1,
    )
    assert NUMBER not in json.dumps(listed)
    status, detail = await desk.call("GET", f"/api/handoffs/{handoff_id}")
    assert [m["text"] for m in detail["handoff"]["messages"]] == [m["text"] for m in TRANSCRIPT]

    status, claimed = await desk.call(
        "POST", f"/api/handoffs/{handoff_id}/claim", body={"agent": "小王"}
    )
    assert (status, claimed["handoff"]["agent"], claimed["handoff"]["position"]) == (
        200,
        "小王",
        None,
    )
    status, taken = await desk.internal(
        "POST", f"/internal/inbound/{path}", {"text": "我的话费不对"}
    )
    assert (status, taken["kept"], taken["outbox"]) == (200, True, [])
    assert (taken["handoff"]["waiting_messages"], taken["position"]) == (1, None)
    status, sent = await desk.call(
        "POST", f"/api/handoffs/{handoff_id}/reply", body={"agent": "小王", "text": "马上帮您查"}
    )
    assert (status, sent["message"]["text"], sent["message"]["delivered"]) == (
        201,
        "人工客服小王：马上帮您查",
        False,
    )
    status, taken = await desk.internal("POST", f"/internal/inbound/{path}", {"text": "好的"})
    assert (status, taken["kept"]) == (200, True)
    assert [m["text"] for m in taken["outbox"]] == ["人工客服小王：马上帮您查"]

    status, ended = await desk.call(
        "POST", f"/api/handoffs/{handoff_id}/hand-back", body={"agent": "小王"}
    )
    assert (status, ended["handoff"]["status"]) == (200, "returned")
    status, body = await desk.internal("GET", f"/internal/handoffs/{path}")
    assert (status, body["error"]) == (404, "no_active_handoff")
    status, body = await desk.internal("POST", f"/internal/inbound/{path}", {"text": "?"})
    assert (status, body["kept"], [m["text"] for m in body["outbox"]]) == (
        200,
        False,
        [notice("handed_back")],
    )
    assert set(body) == {"kept", "outbox"}
    again = await desk.internal("POST", f"/internal/inbound/{path}", {"text": "?"})
    assert again == (200, {"kept": False, "outbox": []})
    detail = desk.store.get(handoff_id)["messages"]
    assert [m["text"] for m in detail if m["author"] == "customer"][-2:] == ["我的话费不对", "好的"]
    status, listed = await desk.call("GET", "/api/handoffs")
    assert listed["handoffs"] == []


async def test_inbound_keeps_the_message_only_while_a_human_has_it(desk: Desk) -> None:
    """One call per customer message: kept for the agent or not, and what waits delivered
    exactly once, in either case."""
    assert await desk.internal("POST", "/internal/inbound/never-seen", {"text": "你好"}) == (
        200,
        {"kept": False, "outbox": []},
    )
    handoff = await desk.open("s1")
    await desk.open("s2")
    status, kept = await desk.internal("POST", "/internal/inbound/s2", {"text": "有人吗"})
    assert (status, kept["kept"], kept["position"], kept["outbox"]) == (200, True, 2, [])
    assert (kept["handoff"]["sender"], kept["handoff"]["status"]) == ("s2", "queued")

    await desk.call("POST", f"/api/handoffs/{handoff['id']}/claim", body={"agent": "小王"})
    await desk.call(
        "POST", f"/api/handoffs/{handoff['id']}/reply", body={"agent": "小王", "text": "您好"}
    )
    status, kept = await desk.internal("POST", "/internal/inbound/s1", {"text": "话费不对"})
    assert (status, kept["kept"], kept["position"], kept["handoff"]["agent"]) == (
        200,
        True,
        None,
        "小王",
    )
    [reply] = kept["outbox"]
    assert (reply["author"], reply["text"], reply["delivered"]) == (
        "agent",
        "人工客服小王：您好",
        True,
    )
    status, again = await desk.internal("POST", "/internal/inbound/s1", {"text": "在吗"})
    assert (status, again["kept"], again["outbox"]) == (200, True, [])  # delivered once
    texts = [m["text"] for m in desk.store.get(handoff["id"])["messages"]]
    assert texts[-3:] == ["人工客服小王：您好", "话费不对", "在吗"]
    status, moved_up = await desk.internal("POST", "/internal/inbound/s2", {"text": ""})
    assert (moved_up["kept"], moved_up["position"]) == (True, 1)  # s1 was claimed

    await desk.call(
        "POST", f"/api/handoffs/{handoff['id']}/reply", body={"agent": "小王", "text": "已退回"}
    )
    await desk.call("POST", f"/api/handoffs/{handoff['id']}/hand-back", body={"agent": "小王"})
    status, back = await desk.internal("POST", "/internal/inbound/s1", {"text": "谢谢"})
    assert (status, back["kept"]) == (200, False)
    assert [m["text"] for m in back["outbox"]] == ["人工客服小王：已退回", notice("handed_back")]
    assert await desk.internal("POST", "/internal/inbound/s1", {"text": "再见"}) == (
        200,
        {"kept": False, "outbox": []},
    )
    texts = [m["text"] for m in desk.store.get(handoff["id"])["messages"]]
    assert "谢谢" not in texts and "再见" not in texts  # the bot had them, not the desk


async def test_refusals_have_their_codes(desk: Desk) -> None:
    handoff = await desk.open("s1")
    base = f"/api/handoffs/{handoff['id']}"
    for method, path in [
        ("GET", "/api/handoffs/999"),
        ("GET", "/api/handoffs/abc"),
        ("POST", "/api/handoffs/-1/claim"),
        ("POST", "/api/handoffs/999/reply"),
    ]:
        status, body = await desk.call(method, path, body={"agent": "小王", "text": "在"})
        assert (status, body["error"]) == (404, "unknown_handoff"), path
    status, body = await desk.call("POST", f"{base}/reply", body={"agent": "小王", "text": "在"})
    assert (status, body["error"]) == (409, "not_claimed_by_you")
    await desk.call("POST", f"{base}/claim", body={"agent": "小王"})
    status, body = await desk.call("POST", f"{base}/claim", body={"agent": "小李"})
    assert (status, body["error"], body["agent"]) == (409, "already_claimed", "小王")
    status, body = await desk.call("POST", f"{base}/close", body={"agent": "小李"})
    assert (status, body["error"]) == (409, "not_claimed_by_you")
    status, body = await desk.call("POST", f"{base}/close", body={"agent": "小王"})
    assert (status, body["handoff"]["status"]) == (200, "closed")
    status, body = await desk.call("POST", f"{base}/hand-back", body={"agent": "小王"})
    assert (status, body["error"], body["status"]) == (409, "not_active", "closed")
    status, body = await desk.internal("POST", "/internal/inbound/s1", {"text": "谢谢"})
    assert (body["kept"], [m["text"] for m in body["outbox"]]) == (False, [notice("closed")])


# -- failures and logs --------------------------------------------------------------------------


async def test_an_internal_error_is_json_without_a_traceback(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(desk.store, "active", explode)
    caplog.set_level(logging.INFO, logger="bot.handoff")
    answer = await desk.internal("GET", f"/internal/handoffs/{NUMBER}")
    logged = "GET /internal/handoffs/138****8000 -> 500 internal"
    assert_internal_error_hidden(answer, caplog, logged)


# -- expiry -------------------------------------------------------------------------------------


def test_the_sweep_interval() -> None:
    assert sweep_interval(300) == 5
    assert sweep_interval(4) == 2


async def test_the_background_task_expires_unclaimed_handoffs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A 0.2 s timeout sweeps every 0.1 s; the clock, not the wait, makes the handoff old."""
    caplog.set_level(logging.INFO, logger="bot.handoff")
    async with desk_app(tmp_path, claim_timeout_s=0.2) as desk:
        await desk.open("s1", ticket="TS202611220042")
        await desk.open("s2")
        desk.store.claim(2, "小王")
        assert desk.store.active("s1") is not None  # the clock has not moved: still queued
        desk.clock.advance(seconds=1)
        deadline = time.monotonic() + 5
        while desk.store.active("s1") is not None:
            assert time.monotonic() < deadline, "not expired within 5 s"
            await asyncio.sleep(0.05)  # polling for the background task, with a deadline
        status, body = await desk.internal("POST", "/internal/inbound/s1", {"text": "在吗"})
        assert (status, body["kept"]) == (200, False)
        assert [m["text"] for m in body["outbox"]] == [
            notice("expired_with_ticket", ticket="TS202611220042")
        ]
        assert desk.store.active("s2") is not None  # claimed: never expires
    assert "handoff 1 expired: nobody claimed it in 0.2 s" in caplog.text
