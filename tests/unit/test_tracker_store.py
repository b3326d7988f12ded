"""The tracker store keeps conversations, never the service passwords typed in them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.tracker_store import REDACTED, RedactingSQLTrackerStore


def user(text: str) -> UserUttered:
    return UserUttered(text, {"name": "inform", "confidence": 1.0}, parse_data={"text": text})


async def test_the_password_answer_is_stored_redacted_and_the_rest_as_said(tmp_path: Path) -> None:
    path = tmp_path / "tracker.sqlite3"
    store = RedactingSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path))
    tracker = DialogueStateTracker.from_events(
        "web-1",
        [
            user("查余额"),
            SlotSet("requested_slot", "phone_number"),
            ActionExecuted("action_listen"),
            user("13800138000"),
            SlotSet("requested_slot", "service_password"),
            ActionExecuted("action_listen"),
            user("我的密码是 258013"),
            SlotSet("requested_slot", None),
        ],
    )
    await store.save(tracker)
    tracker.update(user("我忘记密码了"))  # said later, in another turn: kept
    await store.save(tracker)

    stored = await store.retrieve("web-1")
    assert stored is not None
    texts = [event.text for event in stored.events if isinstance(event, UserUttered)]
    assert texts == ["查余额", "13800138000", REDACTED, "我忘记密码了"]
    with sqlite3.connect(path) as database:
        rows = " ".join(row[0] for row in database.execute("SELECT data FROM events"))
    assert "258013" not in rows
