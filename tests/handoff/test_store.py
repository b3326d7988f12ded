"""The handoff store keeps the queue, the transcripts and the customer's outbox right.

The clock is fixed at 2026-11-22 10:00 (+08:00) and moved forward instead of waiting; the
claim timeout in these tests is 300 s, the desk's default.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from bot.handoff import notices
from bot.handoff.notices import notice
from bot.handoff.store import TEXT_MAX, HandoffStore
from bot.service_errors import Conflict, InvalidInput, NotFound, ServiceError
from bot.sql_store import SchemaMismatch
from tests.accounts.test_store import Clock

TIMEOUT_S = 300
TRANSCRIPT = [
    {"author": "customer", "text": "我的话费怎么扣这么多", "at": "2026-11-22T01:58:00+00:00"},
    {"author": "bot", "text": "抱歉，我没有理解您的意思。", "at": "2026-11-22T01:58:01+00:00"},
    {"author": "customer", "text": "转人工", "at": None},
]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "handoff.sqlite3"


@pytest.fixture
def store(db_path: Path, clock: Clock) -> Iterator[HandoffStore]:
    opened = HandoffStore(db_path, now=clock.now)
    yield opened
    opened.shutdown()


def open_for(
    store: HandoffStore, sender: str, ticket: str | None = None, number: str | None = None
) -> dict[str, Any]:
    handoff, _ = store.open_handoff(sender, "rest", number, ticket, TRANSCRIPT)
    return handoff


def refused(error: pytest.ExceptionInfo[ServiceError]) -> tuple[type, str]:
    return type(error.value), error.value.code


# -- the queue ----------------------------------------------------------------------------------


def test_positions_follow_the_queue(store: HandoffStore, clock: Clock) -> None:
    first, position = store.open_handoff("s1", "rest", "138****8000", None, TRANSCRIPT)
    assert (first["status"], first["position"], position) == ("queued", 1, 1)
    assert first["created_at"] == "2026-11-22T10:00:00+08:00"
    second = open_for(store, "s2")
    third = open_for(store, "s3")  # same second as the second one: the id orders them
    assert [store.active(s)[1] for s in ("s1", "s2", "s3")] == [1, 2, 3]  # type: ignore[index]

    claimed = store.claim(second["id"], "小王")
    assert (claimed["status"], claimed["agent"], claimed["position"]) == ("claimed", "小王", None)
    assert store.active("s2") == (claimed, None)
    assert store.active("s3")[1] == 2  # type: ignore[index]
    listed = store.list_active()
    assert [(h["id"], h["position"]) for h in listed] == [
        (first["id"], 1),
        (third["id"], 2),
        (second["id"], None),
    ]
    assert store.active("nobody") is None


def test_the_transcript_is_kept_with_the_handoff(store: HandoffStore) -> None:
    handoff = open_for(store, "s1")
    got = store.get(handoff["id"])
    assert [(m["author"], m["text"], m["at"], m["delivered"]) for m in got["messages"]] == [
        ("customer", "我的话费怎么扣这么多", "2026-11-22T01:58:00+00:00", True),
        ("bot", "抱歉，我没有理解您的意思。", "2026-11-22T01:58:01+00:00", True),
        ("customer", "转人工", None, True),
    ]
    assert got["waiting_messages"] == 0  # the transcript is not waiting for an answer
    with pytest.raises(NotFound) as unknown:
        store.get(handoff["id"] + 1)
    assert unknown.value.code == "unknown_handoff"


def test_one_active_handoff_per_sender(store: HandoffStore) -> None:
    first = open_for(store, "s1", ticket="TS202611220042")
    with pytest.raises(Conflict) as twice:
        open_for(store, "s1")
    assert twice.value.code == "already_active"
    assert twice.value.details["position"] == 1
    assert twice.value.details["handoff"]["id"] == first["id"]
    store.claim(first["id"], "小王")
    store.hand_back(first["id"], "小王")
    again = open_for(store, "s1")  # once back with the bot, the customer can ask again
    assert again["id"] != first["id"]
    with pytest.raises(sqlite3.IntegrityError):  # the database itself refuses a second one
        store._conn.execute(
            "INSERT INTO handoffs (sender, channel, status, created_at, created_ts)"
            " VALUES ('s1', 'rest', 'queued', 'x', 0)"
        )


# -- claiming -----------------------------------------------------------------------------------


def race(desks: list[HandoffStore], agents: tuple[str, ...], handoff_id: int) -> dict[str, Any]:
    """Each agent claims at the same moment on its own connection; the agent's name when it
    won, the refusal when it lost."""
    start = threading.Barrier(len(agents))
    outcomes: dict[str, Any] = {}

    def claim(desk: HandoffStore, agent: str) -> None:
        start.wait()
        try:
            outcomes[agent] = desk.claim(handoff_id, agent)["agent"]
        except ServiceError as error:
            outcomes[agent] = error

    threads = [
        threading.Thread(target=claim, args=pair) for pair in zip(desks, agents, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    return outcomes


def test_two_agents_racing_for_one_claim_exactly_one_wins(
    db_path: Path, clock: Clock, store: HandoffStore
) -> None:
    """Each agent has its own connection, as two desk processes on one file would."""
    handoffs = [open_for(store, f"race-{n}") for n in range(10)]
    desks = [HandoffStore(db_path, now=clock.now) for _ in range(2)]
    try:
        for handoff in handoffs:
            outcomes = race(desks, ("小王", "小李"), handoff["id"])
            winners = [agent for agent, outcome in outcomes.items() if outcome == agent]
            losers = [o for o in outcomes.values() if isinstance(o, Conflict)]
            assert len(winners) == 1 and len(losers) == 1, outcomes
            assert losers[0].code == "already_claimed"
            assert losers[0].details["agent"] == winners[0]
            assert store.get(handoff["id"])["agent"] == winners[0]
    finally:
        for desk in desks:
            desk.shutdown()


def test_claim_refusals(store: HandoffStore) -> None:
    handoff = open_for(store, "s1")
    assert store.claim(handoff["id"], " 小王 ")["agent"] == "小王"  # the name is trimmed
    assert store.claim(handoff["id"], "小王")["status"] == "claimed"  # again: harmless
    with pytest.raises(Conflict) as taken:
        store.claim(handoff["id"], "小李")
    assert (taken.value.code, taken.value.details) == ("already_claimed", {"agent": "小王"})
    store.close(handoff["id"], "小王")
    with pytest.raises(Conflict) as ended:
        store.claim(handoff["id"], "小王")
    assert (ended.value.code, ended.value.details) == ("not_active", {"status": "closed"})
    with pytest.raises(NotFound) as unknown:
        store.claim(999, "小王")
    assert unknown.value.code == "unknown_handoff"
    for agent in ("", "   ", None, 7, "名" * 201):
        with pytest.raises(InvalidInput):
            store.claim(handoff["id"], agent)  # type: ignore[arg-type]


# -- talking ------------------------------------------------------------------------------------


def test_only_the_claiming_agent_replies(store: HandoffStore) -> None:
    handoff = open_for(store, "s1")
    with pytest.raises(Conflict) as unclaimed:
        store.reply(handoff["id"], "小王", "您好")
    assert unclaimed.value.code == "not_claimed_by_you"
    store.claim(handoff["id"], "小王")
    with pytest.raises(Conflict) as someone_else:
        store.reply(handoff["id"], "小李", "您好")
    assert (someone_else.value.code, someone_else.value.details) == (
        "not_claimed_by_you",
        {"agent": "小王"},
    )
    message = store.reply(handoff["id"], "小王", "  您好，我来帮您查一下 {ticket}  ")
    assert message["author"] == "agent" and message["delivered"] is False
    assert message["text"] == notice(
        "agent_reply", agent="小王", text="您好，我来帮您查一下 {ticket}"
    )
    assert message["text"] == "人工客服小王：您好，我来帮您查一下 {ticket}"
    for text in ("", "  ", None, "字" * (TEXT_MAX + 1)):
        with pytest.raises(InvalidInput):
            store.reply(handoff["id"], "小王", text)  # type: ignore[arg-type]


def test_the_outbox_is_delivered_exactly_once(store: HandoffStore) -> None:
    handoff = open_for(store, "s1")
    kept, outbox = store.inbound("s1", "有人吗")
    assert kept is not None and (kept["status"], kept["position"], outbox) == ("queued", 1, [])
    store.claim(handoff["id"], "小王")
    assert store.get(handoff["id"])["waiting_messages"] == 1
    first = store.reply(handoff["id"], "小王", "您好")
    second = store.reply(handoff["id"], "小王", "请问是哪个月的话费？")
    assert store.get(handoff["id"])["waiting_messages"] == 0

    current, outbox = store.inbound("s1", "十月的")
    assert current is not None and (current["status"], current["position"]) == ("claimed", None)
    assert [(m["id"], m["delivered"]) for m in outbox] == [
        (first["id"], True),
        (second["id"], True),
    ]
    assert current["waiting_messages"] == 1
    assert store.inbound("s1", "在吗")[1] == []
    third = store.reply(handoff["id"], "小王", "在的")
    assert [m["id"] for m in store.inbound("s1", "好的")[1]] == [third["id"]]
    assert store.inbound("s1", "谢谢")[1] == []
    assert all(m["delivered"] for m in store.get(handoff["id"])["messages"])
    live = store.get(handoff["id"])["messages"][len(TRANSCRIPT) :]
    kept_for_agent = [m["text"] for m in live if m["author"] == "customer"]
    assert kept_for_agent == ["有人吗", "十月的", "在吗", "好的", "谢谢"]


def test_without_a_handoff_a_message_is_not_kept(store: HandoffStore) -> None:
    assert store.inbound("s1", "你好") == (None, [])  # a sender the desk never saw
    handoff = open_for(store, "s1")
    assert [m["text"] for m in store.get(handoff["id"])["messages"]] == [
        line["text"] for line in TRANSCRIPT
    ]
    kept, _ = store.inbound("s1", "长" * (TEXT_MAX + 10))
    assert kept is not None and kept["id"] == handoff["id"]
    assert store.get(handoff["id"])["messages"][-1]["text"] == "长" * TEXT_MAX  # cut, not lost
    kept, _ = store.inbound("s1", "")  # a message without text (a picture) still counts
    assert kept is not None and kept["waiting_messages"] == 2
    for sender in ("s1", "nobody"):
        with pytest.raises(InvalidInput) as no_text:
            store.inbound(sender, None)  # type: ignore[arg-type]
        assert no_text.value.body()["field"] == "text"


# -- the end of a handoff -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "status", "notice_name"),
    [("hand_back", "returned", "handed_back"), ("close", "closed", "closed")],
)
def test_hand_back_and_close_leave_a_notice(
    store: HandoffStore, clock: Clock, operation: str, status: str, notice_name: str
) -> None:
    handoff = open_for(store, "s1")
    store.claim(handoff["id"], "小王")
    with pytest.raises(Conflict) as not_yours:
        getattr(store, operation)(handoff["id"], "小李")
    assert not_yours.value.code == "not_claimed_by_you"
    store.reply(handoff["id"], "小王", "已为您处理")
    clock.advance(minutes=2)
    ended = getattr(store, operation)(handoff["id"], "小王")
    assert (ended["status"], ended["ended_at"]) == (status, "2026-11-22T10:02:00+08:00")
    assert store.active("s1") is None
    kept, taken = store.inbound("s1", "谢谢")  # not kept: what waits comes before the bot's answer
    assert kept is None
    assert [(m["author"], m["text"]) for m in taken] == [
        ("agent", "人工客服小王：已为您处理"),
        ("system", notice(notice_name)),
    ]
    assert store.inbound("s1", "再见") == (None, [])
    assert store.get(handoff["id"])["messages"][-1]["text"] == notice(notice_name)
    for again in ("hand_back", "close"):
        with pytest.raises(Conflict) as ended_already:
            getattr(store, again)(handoff["id"], "小王")
        assert ended_already.value.code == "not_active"
    with pytest.raises(Conflict) as late:
        store.reply(handoff["id"], "小王", "还有事吗")
    assert late.value.code == "not_active"


def test_a_pushing_channel_learns_which_notice_ends_an_agents_service(
    store: HandoffStore, clock: Clock
) -> None:
    served = open_for(store, "s1")
    store.claim(served["id"], "小王")
    store.reply(served["id"], "小王", "已为您处理")
    store.close(served["id"], "小王")
    unserved = open_for(store, "s2")
    clock.advance(minutes=10)
    store.expire_unclaimed(60)  # nobody came: its notice ends no service
    taken = store.take_channel_outbox("rest")
    assert [(m["sender"], m["author"], m["ends_service"]) for m in taken] == [
        ("s1", "agent", False),
        ("s1", "system", True),
        ("s2", "system", False),
    ]
    assert unserved["status"] == "queued"


def test_a_queued_handoff_cannot_be_ended_without_a_claim(store: HandoffStore) -> None:
    handoff = open_for(store, "s1")
    for operation in (store.hand_back, store.close):
        with pytest.raises(Conflict) as unclaimed:
            operation(handoff["id"], "小王")
        assert unclaimed.value.code == "not_claimed_by_you"


# -- expiry -------------------------------------------------------------------------------------


def test_expiry_only_after_the_timeout(store: HandoffStore, clock: Clock) -> None:
    with_ticket = open_for(store, "s1", ticket="TS202611220042")
    clock.advance(seconds=10)
    without = open_for(store, "s2")
    claimed = open_for(store, "s3")
    store.claim(claimed["id"], "小王")

    clock.advance(seconds=TIMEOUT_S - 11)
    assert store.expire_unclaimed(TIMEOUT_S) == []
    clock.advance(seconds=1)  # the first one has now waited exactly the timeout
    [expired] = store.expire_unclaimed(TIMEOUT_S)
    assert (expired["id"], expired["status"], expired["position"]) == (
        with_ticket["id"],
        "expired",
        None,
    )
    assert store.active("s2")[1] == 1  # type: ignore[index]  # moved up the queue
    assert store.expire_unclaimed(TIMEOUT_S) == []  # an expired one expires once
    clock.advance(seconds=10)
    assert [h["id"] for h in store.expire_unclaimed(TIMEOUT_S)] == [without["id"]]
    clock.advance(hours=2)
    assert store.expire_unclaimed(TIMEOUT_S) == []  # a claimed handoff never expires
    assert store.active("s3") is not None

    assert [m["text"] for m in store.inbound("s1", "在吗")[1]] == [
        notice("expired_with_ticket", ticket="TS202611220042")
    ]
    assert "TS202611220042" in notice("expired_with_ticket", ticket="TS202611220042")
    assert [m["text"] for m in store.inbound("s2", "在吗")[1]] == [notice("expired")]
    with pytest.raises(Conflict) as too_late:
        store.claim(with_ticket["id"], "小王")
    assert too_late.value.code == "not_active"


# -- durability and input -----------------------------------------------------------------------


def test_everything_survives_a_restart(db_path: Path, clock: Clock) -> None:
    before = HandoffStore(db_path, now=clock.now)
    queued = open_for(before, "s1", number="138****8000")
    claimed = open_for(before, "s2")
    before.claim(claimed["id"], "小王")
    reply = before.reply(claimed["id"], "小王", "您好")
    listed, detail = before.list_active(), before.get(claimed["id"])
    before.shutdown()

    after = HandoffStore(db_path, now=clock.now)
    try:
        assert after.list_active() == listed
        assert after.get(claimed["id"]) == detail
        assert after.active("s1") == (queued, 1)
        assert [m["id"] for m in after.inbound("s2", "在吗")[1]] == [reply["id"]]
        assert open_for(after, "s3")["id"] > claimed["id"]
    finally:
        after.shutdown()


def test_a_database_of_another_version_is_refused(db_path: Path, store: HandoffStore) -> None:
    with closing(sqlite3.connect(db_path)) as conn, conn:
        conn.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    with pytest.raises(SchemaMismatch):
        HandoffStore(db_path)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"sender": ""}, "sender"),
        ({"sender": 42}, "sender"),
        ({"channel": None}, "channel"),
        ({"number": 13800138000}, "number"),
        ({"ticket": ""}, "ticket"),
        ({"transcript": "hello"}, "transcript"),
        ({"transcript": [{"author": "robot", "text": "x"}]}, "transcript"),
        ({"transcript": [{"author": "bot"}]}, "transcript"),
        ({"transcript": [{"author": "bot", "text": "x", "at": 5}]}, "transcript"),
        ({"transcript": ["x"]}, "transcript"),
    ],
)
def test_malformed_handoffs_are_refused(
    store: HandoffStore, change: dict[str, Any], field: str
) -> None:
    fields = {"sender": "s1", "channel": "rest", "number": None, "ticket": None}
    fields["transcript"] = TRANSCRIPT
    with pytest.raises(InvalidInput) as refused_input:
        store.open_handoff(**{**fields, **change})
    assert refused_input.value.body() == {
        "error": "invalid_body",
        "message": refused_input.value.message,
        "field": field,
    }
    assert store.list_active() == []


def test_the_notices_are_checked_when_loaded(tmp_path: Path) -> None:
    assert set(notices.templates()) == set(notices.FIELDS)
    assert "{position}" not in notice("queued", position=2) and "2" in notice("queued", position=2)
    missing = tmp_path / "missing.yml"
    missing.write_text("handoff_messages:\n  queued: '第{position}位'\n", encoding="utf-8")
    with pytest.raises(ValueError, match="agent_reply is missing"):
        notices.templates(missing)
    misspelt = tmp_path / "misspelt.yml"
    entries = {name: "'x'" for name in notices.FIELDS} | {"queued": "'前面{ahaed}位'"}
    misspelt.write_text(
        "handoff_messages:\n" + "".join(f"  {k}: {v}\n" for k, v in entries.items()),
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="queued: bad placeholder"):
        notices.templates(misspelt)
