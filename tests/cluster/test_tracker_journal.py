"""A conversation goes on while its database is down, on either process, and what was said
meanwhile reaches the database in order and once when it is back (bot/tracker_journal.py).
Real PostgreSQL and Redis servers; two stores stand for two Rasa processes."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.cluster.postgres import LocalPostgres
from bot.cluster.redis import LocalRedis
from bot.tracker_journal import JournaledTrackerStore
from bot.tracker_store import REDACTED, RedactingSQLTrackerStore
from tests.conftest import free_port

DOMAIN = Domain.from_dict(
    {
        "slots": {
            "verified_number": {"type": "text", "mappings": [{"type": "custom"}]},
            "requested_slot": {"type": "text", "mappings": [{"type": "custom"}]},
        }
    }
)


@pytest.fixture(scope="module")
def postgres() -> Iterator[LocalPostgres]:
    folder = Path(tempfile.mkdtemp(prefix="pytest-journal-"))
    folder.chmod(0o755)  # the server runs as the postgres OS user
    server = LocalPostgres(folder / "data", free_port(), uuid.uuid4().hex)
    server.start()
    server.create_database("tracker")
    yield server
    server.stop()


@pytest.fixture
def database_up(postgres: LocalPostgres) -> Iterator[LocalPostgres]:
    postgres.start()
    yield postgres
    postgres.start()  # whatever a test did, the next one finds it up


def process(postgres: LocalPostgres, redis: LocalRedis, journal: Path) -> JournaledTrackerStore:
    return JournaledTrackerStore(
        DOMAIN, host=postgres.url("tracker"), journal=str(journal), copies=redis.url()
    )


async def in_database(postgres: LocalPostgres, sender: str) -> list[str]:
    """What the database holds of the conversation, as type:text/name/key."""
    store = RedactingSQLTrackerStore(DOMAIN, host=postgres.url("tracker"))
    try:
        tracker = await store.retrieve(sender)
    finally:
        store.engine.dispose()
    return [] if tracker is None else [described(event) for event in tracker.events]


def described(event: object) -> str:
    for attribute in ("text", "action_name", "key"):
        value = getattr(event, attribute, None)
        if value:
            return f"{type(event).__name__}:{value}"
    return type(event).__name__


async def turn(store: JournaledTrackerStore, sender: str, *events: object) -> DialogueStateTracker:
    """One turn as Rasa takes it: read the conversation, add to it, save it."""
    tracker = await store.retrieve(sender) or DialogueStateTracker(sender, DOMAIN.slots)
    for event in events:
        tracker.update(event)  # type: ignore[arg-type]
    await store.save(tracker)
    return tracker


async def test_a_verified_customer_stays_verified_on_either_process_and_nothing_is_lost(
    database_up: LocalPostgres, local_redis: LocalRedis, tmp_path: Path
) -> None:
    sender = f"journal-{uuid.uuid4().hex[:8]}"
    first = process(database_up, local_redis, tmp_path / "first.sqlite3")
    second = process(database_up, local_redis, tmp_path / "second.sqlite3")
    await turn(
        first,
        sender,
        UserUttered("查余额", message_id="m1"),
        SlotSet("requested_slot", "service_password"),
        BotUttered("请输入服务密码"),
    )
    await turn(
        first,
        sender,
        UserUttered("258013", message_id="m2"),
        SlotSet("verified_number", "13800138000"),
        SlotSet("requested_slot", None),
        BotUttered("您的余额为56.80元"),
    )
    database_up.stop()
    # The database is gone: the other process continues the conversation, verified.
    during = await second.retrieve(sender)
    assert during is not None and during.get_slot("verified_number") == "13800138000"
    await turn(second, sender, UserUttered("我的流量", message_id="m3"), BotUttered("剩余3.8GB"))
    # ... and back on the first, from what the second added.
    again = await turn(first, sender, UserUttered("谢谢", message_id="m4"), BotUttered("不客气"))
    assert [e.text for e in again.events if isinstance(e, UserUttered)][-2:] == ["我的流量", "谢谢"]
    assert second.journal.waiting() and first.journal.waiting()
    database_up.start()
    # The next turn writes the conversation first, then its own events; the journals add
    # nothing more.
    await turn(second, sender, UserUttered("再见", message_id="m5"), BotUttered("再见"))
    assert await first.replay() == 0 and await second.replay() == 0
    assert first.journal.waiting() == second.journal.waiting() == []
    stored = await in_database(database_up, sender)
    assert [e for e in stored if e.startswith("UserUttered")] == [
        "UserUttered:查余额",
        f"UserUttered:{REDACTED}",
        "UserUttered:我的流量",
        "UserUttered:谢谢",
        "UserUttered:再见",
    ]
    assert stored.count("BotUttered:剩余3.8GB") == 1


async def test_a_conversation_nobody_continues_is_replayed_from_the_journal_once(
    database_up: LocalPostgres, local_redis: LocalRedis, tmp_path: Path
) -> None:
    sender = f"journal-{uuid.uuid4().hex[:8]}"
    store = process(database_up, local_redis, tmp_path / "journal.sqlite3")
    await turn(store, sender, UserUttered("彩铃怎么收费"), BotUttered("6元/月"))
    database_up.stop()
    await turn(store, sender, UserUttered("怎么开通"), BotUttered("发送KTCL到10086"))
    await turn(store, sender, ActionExecuted("action_listen"))
    assert await store.replay() == 0  # still down: kept
    assert len(store.journal.waiting()) == 1
    # Redis lost its copies too (restarted meanwhile): the journal alone brings it back.
    local_redis.stop()
    local_redis.start()
    database_up.start()
    assert await store.replay() == 1
    assert await store.replay() == 0
    # Written again (a crash between the database's commit and the journal's delete): nothing
    # is added twice.
    tracker = await store.retrieve(sender)
    assert tracker is not None
    await store._to_database(tracker)
    assert await in_database(database_up, sender) == [
        "UserUttered:彩铃怎么收费",
        "BotUttered:6元/月",
        "UserUttered:怎么开通",
        "BotUttered:发送KTCL到10086",
        "ActionExecuted:action_listen",
    ]
