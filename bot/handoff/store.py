"""Handoffs to human agents and their messages in SQLite, and every operation of the desk.

A handoff is one stay of a conversation (a Rasa `sender`) with the humans:
`queued` → `claimed` → `returned` | `closed`, or `queued` → `expired`. A partial unique index
allows at most one active (`queued` or `claimed`) handoff per sender, whatever the callers do.

Messages keep the transcript from before the handoff (`live` 0) and everything said during it.
`delivered` tells whether a message has reached its reader: agent replies and system notices
wait (0) until the customer's next message takes them; everything else is delivered on arrival.

Each public method is one API operation returning JSON-ready dicts, or raising a refusal
that names the API error code (bot/service_errors.py); it takes the request's fields as they
came (`Any`) and checks them itself. Every write is one `BEGIN IMMEDIATE`
transaction, rolled back on any exception, so a crash leaves the data as before or after, and
a restart of any process loses nothing. The clock is injected so that expiry can be tested
without waiting; queue order is by id (AUTOINCREMENT never reuses one), not by time, since
two handoffs can be opened in the same second.
"""

from __future__ import annotations

from typing import Any

from bot.handoff.notices import notice
from bot.service_errors import Conflict, InvalidInput, NotFound
from bot.sql_store import Connection, Row, SqlStore, columns, insert_row

SCHEMA_VERSION = "1"
ACTIVE = ("queued", "claimed")
AUTHORS = ("customer", "bot", "agent", "system")
TEXT_MAX = 4000  # characters of one message; a customer's longer message is cut, not refused
SENDERS_MAX = 500  # conversations one channel asks about at once
FIELD_MAX = 200  # sender, channel, number, ticket, agent name
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
)
MESSAGE_FIELDS = ("id", "author", "text", "at")

SCHEMA = (
    """CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)""",
    """CREATE TABLE handoffs (
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
        ended_at TEXT)""",
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
)

# A handoff with its place in the queue and the customer messages the agent has not answered.
HANDOFF_QUERY = """
    SELECT h.*,
        CASE WHEN h.status = 'queued' THEN 1 + (
            SELECT COUNT(*) FROM handoffs q WHERE q.status = 'queued' AND q.id < h.id
        ) END AS position,
        (SELECT COUNT(*) FROM messages m
            WHERE m.handoff_id = h.id AND m.author = 'customer' AND m.live = 1
              AND m.id > COALESCE((SELECT MAX(a.id) FROM messages a
                                   WHERE a.handoff_id = h.id AND a.author = 'agent'), 0)
        ) AS waiting_messages
    FROM handoffs h"""


def _handoff(row: Row) -> dict[str, Any]:
    return columns(row, HANDOFF_FIELDS)


def _message(row: Row) -> dict[str, Any]:
    return {**columns(row, MESSAGE_FIELDS), "delivered": bool(row["delivered"])}


def _text(value: Any, field: str, *, optional: bool = False, limit: int = FIELD_MAX) -> Any:
    """A non-blank string of at most `limit` characters (None allowed when optional), as it
    came: a sender id must stay byte for byte what the gate will send later."""
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise InvalidInput("invalid_body", field=field)
    return value


def _transcript(entries: Any) -> list[tuple[str, str, str | None]]:
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


class HandoffStore(SqlStore):
    """The desk's database; one connection, shared by the desk's handlers and its expiry task."""

    schema = SCHEMA
    schema_version = SCHEMA_VERSION
    made_by = "the agent desk"
    afresh = "move it away to start afresh"

    # -- reading ------------------------------------------------------------------------------

    def _stamp(self) -> tuple[str, float]:
        now = self._now()
        return now.isoformat(timespec="seconds"), now.timestamp()

    @staticmethod
    def _find(conn: Connection, handoff_id: int) -> dict[str, Any]:
        row = conn.execute(f"{HANDOFF_QUERY} WHERE h.id = ?", (handoff_id,)).fetchone()
        if row is None:
            raise NotFound("unknown_handoff")
        return _handoff(row)

    @staticmethod
    def _active(conn: Connection, sender: str) -> dict[str, Any] | None:
        row = conn.execute(
            f"{HANDOFF_QUERY} WHERE h.sender = ? AND h.status IN ('queued', 'claimed')",
            (sender,),
        ).fetchone()
        return None if row is None else _handoff(row)

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
        return _message(
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
        return [{**_message(row), "delivered": True} for row in rows]

    def active(self, sender: str) -> tuple[dict[str, Any], int | None] | None:
        """The sender's active handoff and its place in the queue (None when claimed)."""
        with self._read() as conn:
            handoff = self._active(conn, sender)
        return None if handoff is None else (handoff, handoff["position"])

    def list_active(self) -> list[dict[str, Any]]:
        """What the agents see: the queue, oldest first, then the claimed handoffs."""
        with self._read() as conn:
            rows = conn.execute(
                f"""{HANDOFF_QUERY} WHERE h.status IN ('queued', 'claimed')
                    ORDER BY h.status = 'claimed', h.id"""
            ).fetchall()
        return [_handoff(row) for row in rows]

    def get(self, handoff_id: int) -> dict[str, Any]:
        """A handoff with its whole transcript, before and during the handoff."""
        with self._read() as conn:
            handoff = self._find(conn, handoff_id)
            rows = conn.execute(
                "SELECT * FROM messages WHERE handoff_id = ? ORDER BY id", (handoff_id,)
            ).fetchall()
        return {**handoff, "messages": [_message(row) for row in rows]}

    # -- our processes: the action server and the handoff gate --------------------------------

    def open_handoff(
        self,
        sender: Any,
        channel: Any,
        number: Any,
        ticket: Any,
        transcript: Any,
    ) -> tuple[dict[str, Any], int | None]:
        """Queues the conversation with its transcript; refuses a second active handoff."""
        sender = _text(sender, "sender")
        channel = _text(channel, "channel")
        number = _text(number, "number", optional=True)
        ticket = _text(ticket, "ticket", optional=True)
        lines = _transcript(transcript)
        created_at, created_ts = self._stamp()
        with self._write() as conn:
            active = self._active(conn, sender)
            if active is not None:
                raise Conflict("already_active", handoff=active, position=active["position"])
            cursor = conn.execute(
                """INSERT INTO handoffs (sender, channel, number, ticket, status, created_at,
                       created_ts) VALUES (?, ?, ?, ?, 'queued', ?, ?)""",
                (sender, channel, number, ticket, created_at, created_ts),
            )
            handoff_id = cursor.lastrowid
            assert handoff_id is not None
            conn.executemany(
                "INSERT INTO messages (handoff_id, author, text, at, live, delivered)"
                " VALUES (?, ?, ?, ?, 0, 1)",
                [(handoff_id, author, text, at) for author, text, at in lines],
            )
            handoff = self._find(conn, handoff_id)
        return handoff, handoff["position"]

    def inbound(self, sender: str, text: Any) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """A customer's message as the gate passes it on, in one transaction: kept for the
        agent when a human has the conversation (its handoff is returned, else None), and
        what waits for the customer (of any handoff: the notice after a hand-back too),
        delivered exactly once."""
        if not isinstance(text, str):
            raise InvalidInput("invalid_body", field="text")
        at, _ = self._stamp()
        with self._write() as conn:
            handoff = self._active(conn, sender)
            if handoff is not None:
                self._add(conn, handoff["id"], "customer", text[:TEXT_MAX], at)
            outbox = self._take(conn, sender)
            if handoff is not None:
                handoff = self._find(conn, handoff["id"])
        return handoff, outbox

    def take_channel_outbox(self, channel: Any, senders: Any = None) -> list[dict[str, Any]]:
        """What waits for the customers of a channel (of `senders` only, when given), each
        with its sender, oldest first, delivered exactly once."""
        channel = _text(channel, "channel")
        if senders is not None and (
            not isinstance(senders, list)
            or len(senders) > SENDERS_MAX
            or not all(isinstance(sender, str) for sender in senders)
        ):
            raise InvalidInput("invalid_body", field="senders")
        query = """SELECT m.*, h.sender FROM messages m JOIN handoffs h ON h.id = m.handoff_id
                   WHERE h.channel = ? AND m.delivered = 0"""
        params: list[Any] = [channel]
        if senders is not None:
            if not senders:
                return []
            query += f" AND h.sender IN ({', '.join('?' * len(senders))})"
            params += senders
        with self._write() as conn:
            rows = conn.execute(query + " ORDER BY m.id", params).fetchall()
            conn.executemany(
                "UPDATE messages SET delivered = 1 WHERE id = ?", [(row["id"],) for row in rows]
            )
        return [{**_message(row), "sender": row["sender"], "delivered": True} for row in rows]

    # -- agents -------------------------------------------------------------------------------

    def claim(self, handoff_id: int, agent: Any) -> dict[str, Any]:
        """The agent takes a queued handoff. The update is conditional on the status, so of two
        agents claiming at once (even through two connections) exactly one wins; claiming
        one's own handoff again is harmless."""
        agent = _text(agent, "agent").strip()
        claimed_at, _ = self._stamp()
        with self._write() as conn:
            handoff = self._find(conn, handoff_id)
            updated = conn.execute(
                """UPDATE handoffs SET status = 'claimed', agent = ?, claimed_at = ?
                   WHERE id = ? AND status = 'queued'""",
                (agent, claimed_at, handoff_id),
            ).rowcount
            if updated != 1:
                if handoff["status"] != "claimed":
                    raise Conflict("not_active", status=handoff["status"])
                if handoff["agent"] != agent:
                    raise Conflict("already_claimed", agent=handoff["agent"])
            return self._find(conn, handoff_id)

    def _claimed_by(self, conn: Connection, handoff_id: int, agent: str) -> None:
        handoff = self._find(conn, handoff_id)
        if handoff["status"] not in ACTIVE:
            raise Conflict("not_active", status=handoff["status"])
        if handoff["status"] != "claimed" or handoff["agent"] != agent:
            raise Conflict("not_claimed_by_you", agent=handoff["agent"])

    def reply(self, handoff_id: int, agent: Any, text: Any) -> dict[str, Any]:
        """The agent's message, stored as the customer will read it (with the signature)."""
        agent = _text(agent, "agent").strip()
        text = _text(text, "text", limit=TEXT_MAX).strip()
        at, _ = self._stamp()
        with self._write() as conn:
            self._claimed_by(conn, handoff_id, agent)
            formatted = notice("agent_reply", agent=agent, text=text)
            return self._add(conn, handoff_id, "agent", formatted, at, delivered=False)

    def _end(self, handoff_id: int, agent: str, status: str, notice_name: str) -> dict[str, Any]:
        agent = _text(agent, "agent").strip()
        ended_at, _ = self._stamp()
        with self._write() as conn:
            self._claimed_by(conn, handoff_id, agent)
            conn.execute(
                "UPDATE handoffs SET status = ?, ended_at = ? WHERE id = ?",
                (status, ended_at, handoff_id),
            )
            self._add(conn, handoff_id, "system", notice(notice_name), ended_at, delivered=False)
            return self._find(conn, handoff_id)

    def hand_back(self, handoff_id: int, agent: Any) -> dict[str, Any]:
        """Back to the bot; the customer is told with their next message."""
        return self._end(handoff_id, agent, "returned", "handed_back")

    def close(self, handoff_id: int, agent: Any) -> dict[str, Any]:
        """Done; back to the bot too, with a closing notice."""
        return self._end(handoff_id, agent, "closed", "closed")

    # -- expiry -------------------------------------------------------------------------------

    def expire_unclaimed(self, timeout_s: float) -> list[dict[str, Any]]:
        """Ends the handoffs queued for `timeout_s` or longer, each with a notice for the
        customer (the ticket's callback promise when there is a ticket); returns them."""
        ended_at, now_ts = self._stamp()
        with self._write() as conn:
            rows = conn.execute(
                "SELECT id, ticket FROM handoffs WHERE status = 'queued' AND created_ts <= ?"
                " ORDER BY id",
                (now_ts - timeout_s,),
            ).fetchall()
            for row in rows:
                conn.execute(
                    "UPDATE handoffs SET status = 'expired', ended_at = ? WHERE id = ?",
                    (ended_at, row["id"]),
                )
                text = (
                    notice("expired_with_ticket", ticket=row["ticket"])
                    if row["ticket"]
                    else notice("expired")
                )
                self._add(conn, row["id"], "system", text, ended_at, delivered=False)
            return [self._find(conn, row["id"]) for row in rows]
