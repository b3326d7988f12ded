"""What the desk tells and gives the agent beside the transcript: why the bot handed over,
who the customer is, the assistant's suggested answers, prepared replies, notes, timers,
who is online (and the answer when nobody is), and the history.

The desk and the account service are the real apps, each on its own port and store; the
clock is fixed at 2026-11-22 10:00 (+08:00) and moved forward instead of waiting.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import uuid
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.accounts.client import AccountClient
from bot.handoff.app import DeskOptions, create_app
from bot.handoff.canned import canned_replies
from bot.handoff.customer import CustomerCards
from bot.handoff.presence import ServiceHours
from bot.handoff.records import MIGRATIONS, SCHEMA
from bot.handoff.store import HandoffStore
from tests.handoff.running import (
    ACCOUNTS_TOKEN,
    AGENT_TOKEN,
    INTERNAL_TOKEN,
    ON_DUTY,
    on_duty,
    running_desk,
)
from tests.handoff.test_app import Desk
from tests.handoff.test_store import TRANSCRIPT
from tests.serving import serving

NUMBER = "13800138000"  # 张伟, 全球通畅享58元套餐, 彩铃 and 来电显示 (bot/accounts/seed.yml)
ASKED = {"kind": "asked"}
CAILING_FEE = {"title": "彩铃怎么收费", "text": "彩铃功能费6元/月（单独订购时收取）。"}


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    async with (
        running_desk(tmp_path) as running,
        aiohttp.ClientSession() as session,
    ):
        yield Desk(running.url, session, running.store, running.clock)


@pytest.fixture
async def accounts_desk(tmp_path: Path) -> AsyncIterator[tuple[Desk, Any]]:
    async with (
        running_desk(tmp_path) as running,
        aiohttp.ClientSession() as session,
    ):
        yield Desk(running.url, session, running.store, running.clock), running.accounts


async def detail(desk: Desk, handoff_id: int) -> dict[str, Any]:
    status, body = await desk.call("GET", f"/api/handoffs/{handoff_id}")
    assert status == 200, body
    return body["handoff"]


async def say(desk: Desk, sender: str, text: str) -> dict[str, Any]:
    status, body = await desk.internal("POST", f"/internal/inbound/{sender}", {"text": text})
    assert status == 200, body
    return body


# -- why and who ----------------------------------------------------------------------------


async def test_each_reason_is_kept_with_the_handoff(desk: Desk) -> None:
    reasons = [
        ASKED,
        {"kind": "misunderstood", "messages": ["asdfgh", "🙃🙃"]},
        {"kind": "complaint", "ticket": "TS202611220042"},
        {"kind": "unsatisfied", "rating": 1},
    ]
    for index, reason in enumerate(reasons):
        handoff = await desk.open(f"s{index}", reason=reason)
        assert (await detail(desk, handoff["id"]))["reason"] == reason
    _status, listed = await desk.call("GET", "/api/handoffs")
    assert [h["reason"] for h in listed["handoffs"]] == reasons


@pytest.mark.parametrize(
    "reason",
    [{"kind": "bored"}, "asked", {"kind": "unsatisfied", "rating": 9}, {"kind": "misunderstood"}],
)
async def test_a_malformed_reason_is_400(desk: Desk, reason: Any) -> None:
    body = {"sender": "s", "channel": "rest", "reason": reason, "transcript": []}
    status, answer = await desk.internal("POST", "/internal/handoffs", body)
    assert (status, answer["error"], answer["field"]) == (400, "invalid_body", "reason")


async def test_a_verified_customer_has_a_card_from_the_account_service(
    accounts_desk: tuple[Desk, Any],
) -> None:
    desk, accounts = accounts_desk
    ticket = accounts.create_ticket(NUMBER, "计费争议", "彩铃没订却扣费", "rest")
    handoff = await desk.open("s1", number=NUMBER, reason=ASKED)
    card = (await detail(desk, handoff["id"]))["customer"]
    assert card["number"] == "138****8000" and card["owner"] == "张*"
    assert card["plan"]["name"] == "全球通畅享58元套餐" and card["plan"]["monthly_fee_fen"] == 5800
    assert (card["balance_fen"], card["status"], card["contract"]) == (5680, "active", None)
    assert {service["name"] for service in card["services"]} >= {"彩铃"}
    assert [t["id"] for t in card["open_tickets"]] == [ticket["id"]]
    _status, listed = await desk.call("GET", "/api/handoffs")
    everything = json.dumps([listed, await detail(desk, handoff["id"])], ensure_ascii=False)
    assert NUMBER not in everything  # masked everywhere but in a reveal


async def test_an_unverified_conversation_has_no_card(desk: Desk) -> None:
    handoff = await desk.open("s1")
    assert (await detail(desk, handoff["id"]))["customer"] is None


async def test_the_card_says_so_when_the_account_service_is_down(tmp_path: Path) -> None:
    store = HandoffStore(tmp_path / "handoff.sqlite3")
    on_duty(store)
    cards = CustomerCards(AccountClient("http://127.0.0.1:9", "unused", timeout_s=1))
    app = create_app(store, AGENT_TOKEN, INTERNAL_TOKEN, 300, cards, name=f"d{uuid.uuid4().hex}")
    try:
        async with serving(app) as url, aiohttp.ClientSession() as session:
            desk = Desk(url, session, store, None)  # type: ignore[arg-type]
            status, opened = await desk.internal(
                "POST", "/internal/handoffs", {"sender": "s", "channel": "rest", "number": NUMBER}
            )
            assert status == 201, opened
            card = (await detail(desk, opened["handoff"]["id"]))["customer"]
            assert card == {"number": "138****8000", "unavailable": True}
    finally:
        store.shutdown()


async def test_revealing_the_number_is_logged_with_the_agents_name(
    desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    handoff = await desk.open("s1", number=NUMBER)
    path = f"/api/handoffs/{handoff['id']}/reveal-number"
    with caplog.at_level(logging.INFO, logger="bot.handoff.app"):
        status, revealed = await desk.call("POST", path, body={"agent": "小王"})
    assert (status, revealed["number"], revealed["reveal"]["agent"]) == (200, NUMBER, "小王")
    assert (await detail(desk, handoff["id"]))["reveals"] == [revealed["reveal"]]
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "小王" in logged and NUMBER not in logged

    unverified = await desk.open("s2")
    status, refused = await desk.call(
        "POST", f"/api/handoffs/{unverified['id']}/reveal-number", body={"agent": "小王"}
    )
    assert (status, refused["error"]) == (409, "not_verified")
    status, refused = await desk.call("POST", path, body={})
    assert (status, refused["field"]) == (400, "agent")


# -- help with the answer -------------------------------------------------------------------


async def test_suggestions_follow_the_customers_latest_message(desk: Desk) -> None:
    handoff = await desk.open(
        "s1", suggestions=[CAILING_FEE], suggestions_for=TRANSCRIPT[0]["text"]
    )
    shown = await detail(desk, handoff["id"])
    assert shown["suggestions"] == [CAILING_FEE]
    assert shown["suggestions_for"]["text"] == TRANSCRIPT[0]["text"]

    kept = await say(desk, "s1", "流量超了怎么算")
    data = {"title": "流量超出怎么收费", "text": "0.29元/MB"}
    path = f"/internal/handoffs/{handoff['id']}/suggestions"
    status, _ = await desk.internal(
        "POST", path, {"message_id": kept["message_id"], "suggestions": [data]}
    )
    assert status == 200
    shown = await detail(desk, handoff["id"])
    assert (shown["suggestions"], shown["suggestions_for"]["text"]) == ([data], "流量超了怎么算")

    nothing = await say(desk, "s1", "在吗")  # nothing to suggest: the last ones stay
    body = {"message_id": nothing["message_id"], "suggestions": []}
    assert (await desk.internal("POST", path, body))[0] == 200
    assert (await detail(desk, handoff["id"]))["suggestions"] == [data]

    bot_line = shown["messages"][1]["id"]  # not the customer's: refused
    status, refused = await desk.internal(
        "POST", path, {"message_id": bot_line, "suggestions": [data]}
    )
    assert (status, refused["field"]) == (400, "message_id")


async def test_canned_replies_are_found_by_keyword_and_filled_in(desk: Desk) -> None:
    handoff = await desk.open("s1", number=NUMBER, ticket="TS202611220042")
    status, found = await desk.call("GET", f"/api/canned?q=工单&handoff={handoff['id']}&agent=小王")
    assert status == 200
    texts = [reply["text"] for reply in found["canned"]]
    assert texts and all("TS202611220042" in text for text in texts)
    status, found = await desk.call("GET", f"/api/canned?q=hi&handoff={handoff['id']}&agent=小王")
    assert found["canned"][0]["text"].startswith("张先生/女士好，我是人工客服小王")

    stranger = await desk.open("s2")
    status, found = await desk.call("GET", f"/api/canned?q=hi&handoff={stranger['id']}&agent=小李")
    assert found["canned"][0]["text"].startswith("您好，我是人工客服小李")
    status, found = await desk.call("GET", f"/api/canned?q=工单&handoff={stranger['id']}")
    assert all("【工单号】" in reply["text"] for reply in found["canned"])

    status, raw = await desk.call("GET", "/api/canned")
    assert len(raw["canned"]) >= 10 and "{agent}" in raw["canned"][0]["text"]
    assert (await desk.call("GET", "/api/canned?q=没有这种回复"))[1] == {"canned": []}
    status, missing = await desk.call("GET", "/api/canned?handoff=999")
    assert (status, missing["error"]) == (404, "unknown_handoff")


# -- notes ------------------------------------------------------------------------------------


async def test_notes_are_kept_for_agents_and_never_reach_the_customer(desk: Desk) -> None:
    handoff = await desk.open("s1")
    path = f"/api/handoffs/{handoff['id']}/notes"
    status, added = await desk.call("POST", path, body={"agent": "小王", "text": " 客户要求回电 "})
    assert (status, added["note"]["agent"], added["note"]["text"]) == (201, "小王", "客户要求回电")
    await desk.call("POST", f"/api/handoffs/{handoff['id']}/claim", body={"agent": "小王"})
    await desk.call("POST", f"/api/handoffs/{handoff['id']}/close", body={"agent": "小王"})
    status, _later = await desk.call("POST", path, body={"agent": "小李", "text": "已回电"})
    assert status == 201  # an ended handoff can still be noted
    assert [n["text"] for n in (await detail(desk, handoff["id"]))["notes"]] == [
        "客户要求回电",
        "已回电",
    ]
    outbox = (await say(desk, "s1", "你好"))["outbox"]
    assert outbox and not any("回电" in message["text"] for message in outbox)
    for body in ({"agent": "小王", "text": " "}, {"agent": "小王", "text": "长" * 2001}):
        status, refused = await desk.call("POST", path, body=body)
        assert (status, refused["field"]) == (400, "text")
    status, refused = await desk.call(
        "POST", "/api/handoffs/999/notes", body={"agent": "小王", "text": "x"}
    )
    assert (status, refused["error"]) == (404, "unknown_handoff")


# -- time -------------------------------------------------------------------------------------


async def test_the_queue_tells_how_long_the_customer_has_waited_for_an_answer(desk: Desk) -> None:
    handoff = await desk.open("s1")
    desk.clock.advance(seconds=30)
    await say(desk, "s1", "有人吗")
    desk.clock.advance(seconds=30)
    await say(desk, "s1", "快点")
    _, listed = await desk.call("GET", "/api/handoffs")
    [seen] = listed["handoffs"]
    assert seen["waiting_since"] == "2026-11-22T10:00:30+08:00"  # the first unanswered
    assert seen["created_at"] == "2026-11-22T10:00:00+08:00"
    assert listed["limits"] == DeskOptions().limits()
    await desk.call("POST", f"/api/handoffs/{handoff['id']}/claim", body={"agent": "小王"})
    await desk.call(
        "POST", f"/api/handoffs/{handoff['id']}/reply", body={"agent": "小王", "text": "在的"}
    )
    _status, listed = await desk.call("GET", "/api/handoffs")
    assert listed["handoffs"][0]["waiting_since"] is None


async def test_the_limits_are_the_configured_ones(tmp_path: Path) -> None:
    options = DeskOptions(wait_warn_s=5, wait_alert_s=10, reply_warn_s=7, reply_alert_s=9)
    async with running_desk(tmp_path, options=options) as running, aiohttp.ClientSession() as s:
        desk = Desk(running.url, s, running.store, running.clock)
        limits = (await desk.call("GET", "/api/handoffs"))[1]["limits"]
    assert limits == {"wait_warn_s": 5, "wait_alert_s": 10, "reply_warn_s": 7, "reply_alert_s": 9}


# -- presence ---------------------------------------------------------------------------------


async def test_an_agent_is_online_while_their_page_reports(desk: Desk) -> None:
    status, seen = await desk.call("POST", "/api/presence", body={"agent": "小王"})
    assert (status, set(seen["online"]), seen["staffed"]) == (200, {"小王", ON_DUTY}, True)
    desk.clock.advance(seconds=DeskOptions().presence_ttl_s + 1)  # both pages went quiet
    status, seen = await desk.call("GET", "/api/handoffs")
    assert (seen["online"], seen["staffed"]) == ([], False)
    await desk.call("POST", "/api/presence", body={"agent": "小王"})
    status, seen = await desk.call("POST", "/api/presence", body={"agent": "小王", "online": False})
    assert seen["online"] == []  # logged out
    status, refused = await desk.call(
        "POST", "/api/presence", body={"agent": "小王", "online": "no"}
    )
    assert (status, refused["field"]) == (400, "online")


async def test_with_nobody_online_a_request_is_answered_at_once_not_queued(desk: Desk) -> None:
    await desk.call("POST", "/api/presence", body={"agent": ON_DUTY, "online": False})
    body = {"sender": "s1", "channel": "rest", "ticket": "TS202611220042", "reason": ASKED}
    status, answer = await desk.internal("POST", "/internal/handoffs", body)
    assert (status, answer["unstaffed"], answer["handoff"]) == (200, "nobody_online", None)
    assert desk.store.list_active() == []
    assert (await say(desk, "s1", "有人吗"))["kept"] is False  # the bot answers
    with closing(sqlite3.connect(desk.store.location)) as conn:
        assert conn.execute("SELECT sender, why FROM unstaffed").fetchall() == [
            ("s1", "nobody_online")
        ]


async def test_outside_the_service_hours_a_request_is_answered_at_once(tmp_path: Path) -> None:
    options = DeskOptions(service_hours=ServiceHours.parse("08:00-09:30"))  # it is 10:00
    async with running_desk(tmp_path, options=options) as running, aiohttp.ClientSession() as s:
        desk = Desk(running.url, s, running.store, running.clock)
        status, answer = await desk.internal(
            "POST", "/internal/handoffs", {"sender": "s1", "channel": "rest"}
        )
        assert (status, answer["unstaffed"], answer["service_hours"]) == (
            200,
            "outside_hours",
            "08:00-09:30",
        )
        status, seen = await desk.call("POST", "/api/presence", body={"agent": "小王"})
        assert (seen["staffed"], seen["in_service_hours"]) == (False, False)


async def test_a_conversation_already_queued_stays_queued_when_agents_leave(desk: Desk) -> None:
    handoff = await desk.open("s1")
    await desk.call("POST", "/api/presence", body={"agent": ON_DUTY, "online": False})
    body = {"sender": "s1", "channel": "rest"}
    status, answer = await desk.internal("POST", "/internal/handoffs", body)
    assert (status, answer["error"], answer["handoff"]["id"]) == (
        409,
        "already_active",
        handoff["id"],
    )


@pytest.mark.parametrize(
    ("hours", "open_at", "closed_at"),
    [
        ("08:00-22:00", ["08:00", "21:59"], ["07:59", "22:00"]),
        ("20:00-02:00", ["20:00", "01:59"], ["02:00", "19:59"]),
        ("00:00-24:00", ["00:00", "23:59"], []),
    ],
)
def test_service_hours(hours: str, open_at: list[str], closed_at: list[str]) -> None:
    from datetime import datetime

    parsed = ServiceHours.parse(hours)
    at = lambda hhmm: datetime.fromisoformat(f"2026-11-22T{hhmm}:00+08:00")  # noqa: E731
    assert [parsed.open_at(at(t)) for t in open_at] == [True] * len(open_at)
    assert [parsed.open_at(at(t)) for t in closed_at] == [False] * len(closed_at)


@pytest.mark.parametrize("hours", ["8-22", "08:00-25:00", "24:00-08:00", "always"])
def test_malformed_service_hours_are_refused(hours: str) -> None:
    with pytest.raises(ValueError, match="08:00-22:00"):
        ServiceHours.parse(hours)


# -- history ----------------------------------------------------------------------------------


async def test_ended_conversations_are_found_by_number_ticket_or_text(desk: Desk) -> None:
    first = await desk.open("s1", number=NUMBER, ticket="TS202611220042")
    await say(desk, "s1", "宽带一直掉线")
    second = await desk.open("s2")
    await desk.call(
        "POST", f"/api/handoffs/{second['id']}/notes", body={"agent": "小王", "text": "已回访"}
    )
    still_queued = await desk.open("s3", number=NUMBER)
    for handoff in (first, second):
        await desk.call("POST", f"/api/handoffs/{handoff['id']}/claim", body={"agent": "小王"})
        await desk.call("POST", f"/api/handoffs/{handoff['id']}/close", body={"agent": "小王"})

    async def found(query: str) -> list[int]:
        status, body = await desk.call("GET", f"/api/history?q={query}")
        assert status == 200, body
        return [handoff["id"] for handoff in body["handoffs"]]

    assert await found("") == [second["id"], first["id"]]  # newest first, the active one not
    assert await found("8000") == [first["id"]]
    assert await found("TS2026") == [first["id"]]
    assert await found("掉线") == [first["id"]]
    assert await found("已回访") == [second["id"]]
    assert await found("%") == []  # a literal percent sign, not a wildcard
    assert still_queued["id"] not in await found(NUMBER)
    status, body = await desk.call("GET", "/api/history?q=8000")
    [entry] = body["handoffs"]
    assert (entry["outcome"], entry["notes"], entry["number"]) == ("closed", 0, "138****8000")
    for limit in ("0", "201", "x"):
        status, refused = await desk.call("GET", f"/api/history?limit={limit}")
        assert (status, refused["error"]) == (400, "invalid_query")


# -- an older database ------------------------------------------------------------------------


def test_a_version_1_database_is_migrated_with_its_handoffs(tmp_path: Path) -> None:
    location = tmp_path / "handoff.sqlite3"
    # The tables and indexes before reasons, notes, presence (2) and reviews (3).
    version_1 = SCHEMA[: len(SCHEMA) - len(MIGRATIONS["1"]) - len(MIGRATIONS["2"])]
    with closing(sqlite3.connect(location)) as conn:
        for statement in version_1:
            conn.execute(statement)
        conn.execute("INSERT INTO meta VALUES ('schema_version', '1')")
        conn.execute(
            """INSERT INTO handoffs (sender, channel, status, created_at, created_ts)
               VALUES ('old', 'rest', 'queued', '2026-11-21T10:00:00+08:00', 0)"""
        )
        conn.commit()
    store = HandoffStore(location)
    try:
        [old] = store.list_active()
        assert (old["sender"], old["reason"]) == ("old", None)
        assert store.add_note(old["id"], "小王", "迁移后仍可备注")["text"] == "迁移后仍可备注"
        assert store.get(old["id"])["suggestions"] == []
    finally:
        store.shutdown()


async def test_the_card_is_kept_briefly_and_a_failure_not_at_all(tmp_path: Path) -> None:
    now = [0.0]
    async with running_desk(tmp_path) as running:
        client = AccountClient(running.accounts_url, ACCOUNTS_TOKEN)
        cards = CustomerCards(client, ttl_s=20, clock=lambda: now[0])
        before = await cards.card(NUMBER)
        running.accounts.unsubscribe(NUMBER, "cailing")
        now[0] = 19.0
        assert await cards.card(NUMBER) == before  # the page asks every 3 s
        now[0] = 21.0
        assert "彩铃" not in {s["name"] for s in (await cards.card(NUMBER))["services"]}
        await client.close()
    down = CustomerCards(AccountClient("http://127.0.0.1:9", "t", timeout_s=1))
    assert (await down.card(NUMBER))["unavailable"] is True
    await down.close()


def test_a_canned_reply_with_an_unknown_placeholder_stops_the_desk(tmp_path: Path) -> None:
    broken = tmp_path / "canned.yml"
    broken.write_text(
        "canned_replies:\n  - {key: hi, title: 问候, text: '{name}您好'}\n", encoding="utf-8"
    )
    with pytest.raises(ValueError, match="bad placeholder"):
        canned_replies(broken)
