"""The desk's schema, the handoff and message records, and what every group of operations
shares (`HandoffRecords`, the base of the store's classes).

A handoff is one stay of a conversation (a Rasa `sender`) with the humans:
`queued` → `claimed` → `returned` | `closed`, or `queued` → `expired`. A partial unique index
allows at most one active (`queued` or `claimed`) handoff per sender, whatever the callers do.
A request for a human while nobody can answer is not a handoff: it is kept in `unstaffed`.

Messages keep the transcript from before the handoff (`live` 0) and everything said during it.
`delivered` tells whether a message has reached its reader: agent replies and system notices
wait (0) until the customer's next message takes them; everything else is delivered on arrival.
Notes and number reveals are the agents' own, never shown to the customer.

Methods take the request's fields as they came (`Any`) and check them here, raising the
refusal that names the API error code (bot/service_errors.py).
"""

from __future__ import annotations

import json
from typing import Any

from bot.service_errors import InvalidInput, NotFound
from bot.sql_store import Connection, Row, SqlStore, columns, insert_row

SCHEMA_VERSION = "3"
ACTIVE = ("queued", "claimed")
ENDED = ("returned", "closed", "expired")
SERVED = ("returned", "closed")  # ended by an agent (an expired handoff served nobody)
AUTHORS = ("customer", "bot", "agent", "system")
REASON_KINDS = ("asked", "misunderstood", "complaint", "unsatisfied")
TEXT_MAX = 4000  # characters of one message; a customer's longer message is cut, not refused
NOTE_MAX = 2000
SENDERS_MAX = 500  # conversations one channel asks about at once
SUGGESTIONS_MAX = 3
FIELD_MAX = 200  # sender, channel, number, ticket, agent name, a suggestion's title
# What the API shows of a handoff (with its place in the queue, see HANDOFF_QUERY) and of a
# message (with `delivered`, a boolean).
HANDOFF_FIELDS = (
    "id",
    "sender",
    "channel",
    "number",
    "ticket",
    "status",
    "agent",
    "created_at",
    "claimed_at",
    "ended_at",
    "position",
    "waiting_messages",
    "waiting_since",
)
MESSAGE_FIELDS = ("id", "author", "text", "at")

_HANDOFFS_V1 = """CREATE TABLE handoffs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        sender TEXT NOT NULL,
        channel TEXT NOT NULL,
        number TEXT,
        ticket TEXT,
        status TEXT NOT NULL
            CHECK (status IN ('queued', 'claimed', 'returned', 'closed', 'expired')),
        agent TEXT,
        created_at TEXT NOT NULL,
        created_ts REAL NOT NULL,
        claimed_at TEXT,
        ended_at TEXT)"""
# Version 2: why the bot handed over, the suggested answers, the agents' notes and reveals,
# who is online, and the requests nobody could take.
_V2: tuple[str, ...] = (
    "ALTER TABLE handoffs ADD COLUMN reason TEXT",  # JSON, null before version 2
    "ALTER TABLE handoffs ADD COLUMN suggestions TEXT NOT NULL DEFAULT '[]'",  # JSON
    "ALTER TABLE handoffs ADD COLUMN suggestions_for INTEGER REFERENCES messages(id)",
    """CREATE TABLE notes (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        handoff_id INTEGER NOT NULL REFERENCES handoffs(id),
        agent TEXT NOT NULL,
        text TEXT NOT NULL,
        at TEXT NOT NULL)""",
    """CREATE INDEX notes_by_handoff ON notes (handoff_id, id)""",
    """CREATE TABLE reveals (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        handoff_id INTEGER NOT NULL REFERENCES handoffs(id),
        agent TEXT NOT NULL,
        at TEXT NOT NULL)""",
    """CREATE TABLE presence (agent TEXT PRIMARY KEY, seen_ts REAL NOT NULL)""",
    """CREATE TABLE unstaffed (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        sender TEXT NOT NULL,
        channel TEXT NOT NULL,
        ticket TEXT,
        reason TEXT,
        why TEXT NOT NULL,
        at TEXT NOT NULL)""",
)
# Version 3: the operators' decisions on misunderstood messages (bot/ops).
_V3: tuple[str, ...] = (
    """CREATE TABLE reviews (
        key TEXT PRIMARY KEY,
        text TEXT NOT NULL,
        decision TEXT NOT NULL CHECK (decision IN ('assigned', 'ignored')),
        target TEXT,
        operator TEXT NOT NULL,
        at TEXT NOT NULL)""",
)
SCHEMA = (
    """CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)""",
    _HANDOFFS_V1,
    """CREATE UNIQUE INDEX one_active_handoff
        ON handoffs (sender) WHERE status IN ('queued', 'claimed')""",
    """CREATE INDEX handoffs_by_status ON handoffs (status, id)""",
    """CREATE TABLE messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        handoff_id INTEGER NOT NULL REFERENCES handoffs(id),
        author TEXT NOT NULL CHECK (author IN ('customer', 'bot', 'agent', 'system')),
        text TEXT NOT NULL,
        at TEXT,
        live INTEGER NOT NULL,
        delivered INTEGER NOT NULL)""",
    """CREATE INDEX messages_by_handoff ON messages (handoff_id, id)""",
    """CREATE INDEX outbox ON messages (handoff_id, id) WHERE delivered = 0""",
    *_V2,
    *_V3,
)
MIGRATIONS: dict[str, tuple[str, ...]] = {"1": _V2, "2": _V3}

# The customer's messages the agent has not answered: live, after the agent's last reply.
_UNANSWERED = """FROM messages m
            WHERE m.handoff_id = h.id AND m.author = 'customer' AND m.live = 1
              AND m.id > COALESCE((SELECT MAX(a.id) FROM messages a
                                   WHERE a.handoff_id = h.id AND a.author = 'agent'), 0)"""
# A handoff with its place in the queue and the customer messages the agent has not answered.
HANDOFF_QUERY = f"""
    SELECT h.*,
        CASE WHEN h.status = 'queued' THEN 1 + (
            SELECT COUNT(*) FROM handoffs q WHERE q.status = 'queued' AND q.id < h.id
        ) END AS position,
        (SELECT COUNT(*) {_UNANSWERED}) AS waiting_messages,
        (SELECT m.at {_UNANSWERED} ORDER BY m.id LIMIT 1) AS waiting_since
    FROM handoffs h"""


def handoff_of(row: Row) -> dict[str, Any]:
    reason = row["reason"]
    return {**columns(row, HANDOFF_FIELDS), "reason": json.loads(reason) if reason else None}


def message_of(row: Row) -> dict[str, Any]:
    return {**columns(row, MESSAGE_FIELDS), "delivered": bool(row["delivered"])}


def checked_text(value: Any, field: str, *, optional: bool = False, limit: int = FIELD_MAX) -> Any:
    """A non-blank string of at most `limit` characters (None allowed when optional), as it
    came: a sender id must stay byte for byte what the gate will send later."""
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise InvalidInput("invalid_body", field=field)
    return value


def checked_agent(value: Any) -> str:
    return str(checked_text(value, "agent")).strip()


def checked_reason(value: Any) -> str | None:
    """The reason as stored (JSON), checked: its kind and that kind's one detail."""
    if value is None:
        return None
    if not isinstance(value, dict) or value.get("kind") not in REASON_KINDS:
        raise InvalidInput("invalid_body", field="reason")
    kind = value["kind"]
    reason: dict[str, Any] = {"kind": kind}
    if kind == "misunderstood":
        messages = value.get("messages")
        if not isinstance(messages, list) or len(messages) > 2:
            raise InvalidInput("invalid_body", field="reason")
        if not all(isinstance(text, str) for text in messages):
            raise InvalidInput("invalid_body", field="reason")
        reason["messages"] = [text[:TEXT_MAX] for text in messages]
    elif kind == "complaint":
        reason["ticket"] = checked_text(value.get("ticket"), "reason", optional=True)
    elif kind == "unsatisfied":
        rating = value.get("rating")
        if rating is not None and (type(rating) is not int or not 1 <= rating <= 5):
            raise InvalidInput("invalid_body", field="reason")
        reason["rating"] = rating
    return json.dumps(reason, ensure_ascii=False)


def checked_suggestions(value: Any) -> list[dict[str, str]]:
    """At most three `{title, text}`; a longer list is cut, a malformed one refused."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidInput("invalid_body", field="suggestions")
    suggestions = []
    for entry in value[:SUGGESTIONS_MAX]:
        if not isinstance(entry, dict):
            raise InvalidInput("invalid_body", field="suggestions")
        title = checked_text(entry.get("title"), "suggestions")
        text = checked_text(entry.get("text"), "suggestions", limit=TEXT_MAX)
        suggestions.append({"title": title, "text": text})
    return suggestions


def checked_transcript(entries: Any) -> list[tuple[str, str, str | None]]:
    """(author, text, at) of each line; a text longer than TEXT_MAX is cut."""
    if not isinstance(entries, list):
        raise InvalidInput("invalid_body", field="transcript")
    lines = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise InvalidInput("invalid_body", field="transcript")
        author, text, at = entry.get("author"), entry.get("text"), entry.get("at")
        if author not in AUTHORS or not isinstance(text, str):
            raise InvalidInput("invalid_body", field="transcript")
        if at is not None and not (isinstance(at, str) and len(at) <= FIELD_MAX):
            raise InvalidInput("invalid_body", field="transcript")
        lines.append((author, text[:TEXT_MAX], at))
    return lines


class HandoffRecords(SqlStore):
    """The desk's database; one connection, shared by the desk's handlers and its expiry task.
    The base of the store's groups of operations (bot/handoff/store.py)."""

    schema = SCHEMA
    schema_version = SCHEMA_VERSION
    migrations = MIGRATIONS
    made_by = "the agent desk"
    afresh = "move it away to start afresh"

    def _stamp(self) -> tuple[str, float]:
        now = self._now()
        return now.isoformat(timespec="seconds"), now.timestamp()

    @staticmethod
    def _find(conn: Connection, handoff_id: int) -> dict[str, Any]:
        row = conn.execute(f"{HANDOFF_QUERY} WHERE h.id = ?", (handoff_id,)).fetchone()
        if row is None:
            raise NotFound("unknown_handoff")
        return handoff_of(row)

    @staticmethod
    def _active(conn: Connection, sender: str) -> dict[str, Any] | None:
        row = conn.execute(
            f"{HANDOFF_QUERY} WHERE h.sender = ? AND h.status IN ('queued', 'claimed')",
            (sender,),
        ).fetchone()
        return None if row is None else handoff_of(row)

    @staticmethod
    def _add(
        conn: Connection,
        handoff_id: int,
        author: str,
        text: str,
        at: str | None,
        *,
        live: bool = True,
        delivered: bool = True,
    ) -> dict[str, Any]:
        values = {"handoff_id": handoff_id, "author": author, "text": text, "at": at}
        return message_of(
            insert_row(conn, "messages", {**values, "live": live, "delivered": delivered})
        )

    @staticmethod
    def _take(conn: Connection, sender: str) -> list[dict[str, Any]]:
        """Every undelivered message for the sender, oldest first, now marked delivered."""
        rows = conn.execute(
            """SELECT m.* FROM messages m JOIN handoffs h ON h.id = m.handoff_id
               WHERE h.sender = ? AND m.delivered = 0 ORDER BY m.id""",
            (sender,),
        ).fetchall()
        conn.executemany(
            "UPDATE messages SET delivered = 1 WHERE id = ?", [(row["id"],) for row in rows]
        )
        return [{**message_of(row), "delivered": True} for row in rows]
