"""What bot/rasa_compat/tracker_store.py changes in Rasa's SQL tracker store, and what of
Rasa's it relies on. (What the redacting store keeps out of the database:
tests/unit/test_tracker_store.py.)"""

from __future__ import annotations

import inspect
import sqlite3
from collections.abc import Iterable
from pathlib import Path

import pytest
import yaml
from rasa.core.tracker_store import SQLTrackerStore, create_tracker_store
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.rasa_compat.tracker_store import FilteringSQLTrackerStore
from bot.settings import sqlite_url
from bot.tracker_journal import JournaledTrackerStore

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "258013"


def user(text: str) -> UserUttered:
    return UserUttered(text, {"name": "inform", "confidence": 1.0}, parse_data={"text": text})


def conversation() -> DialogueStateTracker:
    return DialogueStateTracker.from_events(
        "web-1",
        [
            user("查余额"),
            SlotSet("requested_slot", "service_password"),
            ActionExecuted("action_listen"),
            user(PASSWORD),
        ],
    )


def stored_rows(path: Path) -> list[str]:
    with sqlite3.connect(path) as database:
        return [row[0] for row in database.execute("SELECT data FROM events ORDER BY id")]


def test_the_method_we_override_is_rasas_with_its_signature() -> None:
    signature = inspect.signature(SQLTrackerStore._additional_events)
    assert list(signature.parameters) == ["self", "session", "tracker"]
    ours = inspect.signature(FilteringSQLTrackerStore._additional_events)
    assert list(ours.parameters) == list(signature.parameters)
    assert "host" in inspect.signature(SQLTrackerStore.__init__).parameters


async def test_rasa_writes_what_additional_events_yields(tmp_path: Path) -> None:
    class WritesNothing(SQLTrackerStore):
        def _additional_events(self, session: object, tracker: DialogueStateTracker) -> Iterable:
            return iter(())

    path = tmp_path / "nothing.sqlite3"
    await WritesNothing(Domain.empty(), dialect="sqlite", db=str(path)).save(conversation())
    assert stored_rows(path) == []


async def test_rasas_own_store_keeps_the_password_and_ours_lets_a_subclass_choose(
    tmp_path: Path,
) -> None:
    seen: list[tuple[int, int]] = []

    class Marking(FilteringSQLTrackerStore):
        def events_to_store(self, events: list[Event], first: int) -> Iterable[Event]:
            seen.append((len(events), first))
            return [user("（改过）") if isinstance(e, UserUttered) else e for e in events[first:]]

    rasas = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "rasa.sqlite3"))
    ours = Marking(Domain.empty(), host=sqlite_url(tmp_path / "ours.sqlite3"))
    tracker = conversation()
    for store in (rasas, ours):
        await store.save(tracker)
    tracker.update(user("还有吗"))
    await ours.save(tracker)

    assert any(PASSWORD in row for row in stored_rows(tmp_path / "rasa.sqlite3"))
    rows = stored_rows(tmp_path / "ours.sqlite3")
    assert len(rows) == len(tracker.events)
    assert not any(PASSWORD in row or "还有吗" in row for row in rows)
    # The second save: the whole conversation seen, only its newest event written.
    assert seen == [(len(tracker.events) - 1, 0), (len(tracker.events), len(tracker.events) - 1)]


async def test_the_default_writes_every_new_event_as_rasa_does(tmp_path: Path) -> None:
    rasas = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "rasa.sqlite3"))
    ours = FilteringSQLTrackerStore(Domain.empty(), host=sqlite_url(tmp_path / "ours.sqlite3"))
    tracker = conversation()
    for store in (rasas, ours):
        await store.save(tracker)
    assert stored_rows(tmp_path / "ours.sqlite3") == stored_rows(tmp_path / "rasa.sqlite3")


def test_rasa_gives_the_store_of_endpoints_yml_its_url_as_host(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKER_JOURNAL", str(tmp_path / "journal.sqlite3"))
    configured = yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8"))
    path = tmp_path / "tracker.sqlite3"
    endpoint = EndpointConfig(url=sqlite_url(path), type=configured["tracker_store"]["type"])
    store = create_tracker_store(endpoint, Domain.empty())
    assert type(store) is JournaledTrackerStore  # async: not wrapped by Rasa
    assert store.engine.url.database == str(path.resolve())


def test_sessions_use_the_engine_that_checks_connections(tmp_path: Path) -> None:
    store = FilteringSQLTrackerStore(Domain.empty(), host=sqlite_url(tmp_path / "t.sqlite3"))
    assert store.engine.pool._pre_ping
    with store.session_scope() as session:  # how Rasa opens every session
        assert session.get_bind() is store.engine
