"""The SMS bridge's own memory (var/sms.sqlite3): which messages came in and whether they
were answered, who opted out, the numbered options and the rest of a long reply each number
may ask for, and the outbox of replies not yet accepted by the gateway.

Every message is stored before the gateway gets its 200, so an acknowledged message is
answered even after a crash or restart; its `msg_id` is unique, so a re-sent message is
recognised, across restarts too.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from bot.clock import local_now
from bot.sql_store import Connection, SqlStore

SCHEMA_VERSION = "1"
SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE inbound (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        msg_id TEXT NOT NULL UNIQUE,
        number TEXT NOT NULL,
        text TEXT NOT NULL,
        received_at TEXT NOT NULL,
        done INTEGER NOT NULL DEFAULT 0)""",
    "CREATE INDEX inbound_pending ON inbound (done, number, seq)",
    "CREATE TABLE opt_outs (number TEXT PRIMARY KEY, since TEXT NOT NULL)",
    """CREATE TABLE conversations (
        number TEXT PRIMARY KEY,
        options TEXT NOT NULL DEFAULT '[]',
        more TEXT NOT NULL DEFAULT '')""",
    """CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        number TEXT NOT NULL,
        text TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        next_try REAL NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL)""",
    "CREATE INDEX outbox_due ON outbox (status, next_try, id)",
)


@dataclass(frozen=True)
class Inbound:
    seq: int
    msg_id: str
    number: str
    text: str


@dataclass(frozen=True)
class Outgoing:
    id: int
    number: str
    text: str
    attempts: int


class SmsStore(SqlStore):
    schema = SCHEMA
    schema_version = SCHEMA_VERSION
    made_by = "the SMS bridge"
    afresh = "move it away to start afresh"

    # -- inbound ------------------------------------------------------------------------------

    def receive(self, msg_id: str, number: str, text: str) -> bool:
        """Keeps a message to answer; False when this msg_id came before (a re-send)."""
        with self._write() as conn:
            cursor = conn.execute(
                """INSERT INTO inbound (msg_id, number, text, received_at) VALUES (?, ?, ?, ?)
                   ON CONFLICT (msg_id) DO NOTHING""",
                (msg_id, number, text, local_now().isoformat(timespec="seconds")),
            )
            return cursor.rowcount == 1

    def next_unanswered(self, number: str) -> Inbound | None:
        """The number's oldest message not yet answered: one number's messages in order."""
        with self._read() as conn:
            row = conn.execute(
                """SELECT seq, msg_id, number, text FROM inbound
                   WHERE done = 0 AND number = ? ORDER BY seq LIMIT 1""",
                (number,),
            ).fetchone()
        return None if row is None else Inbound(**dict(row))

    def numbers_waiting(self) -> list[str]:
        """Numbers with unanswered messages (after a restart, say), oldest first."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT number, MIN(seq) AS first FROM inbound WHERE done = 0"
                " GROUP BY number ORDER BY first"
            ).fetchall()
        return [row["number"] for row in rows]

    def answered(self, seq: int, replies: list[str]) -> None:
        """Marks the message answered and queues its replies, in one transaction: a crash
        leaves either both or neither."""
        now = local_now().isoformat(timespec="seconds")
        with self._write() as conn:
            conn.execute("UPDATE inbound SET done = 1 WHERE seq = ?", (seq,))
            number = conn.execute("SELECT number FROM inbound WHERE seq = ?", (seq,)).fetchone()
            self._queue(conn, number["number"], replies, now)

    # -- opt-out ------------------------------------------------------------------------------

    def opted_out(self, number: str) -> bool:
        with self._read() as conn:
            row = conn.execute("SELECT 1 FROM opt_outs WHERE number = ?", (number,)).fetchone()
        return row is not None

    def opt_out(self, number: str) -> bool:
        """Records the opt-out and drops what still waits for the number; False if it was
        already opted out."""
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT INTO opt_outs (number, since) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (number, local_now().isoformat(timespec="seconds")),
            )
            if cursor.rowcount == 0:
                return False  # the confirmation of the first opt-out may still be waiting
            conn.execute(
                "UPDATE outbox SET status = 'dropped' WHERE number = ? AND status = 'pending'",
                (number,),
            )
            conn.execute("DELETE FROM conversations WHERE number = ?", (number,))
            return True

    def rejoin(self, number: str) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM opt_outs WHERE number = ?", (number,))

    # -- numbered options and the rest of a long reply ----------------------------------------

    def options(self, number: str) -> tuple[list[str], str]:
        """The payloads of the numbered options last offered, and the unsent rest of a reply."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT options, more FROM conversations WHERE number = ?", (number,)
            ).fetchone()
        return ([], "") if row is None else (json.loads(row["options"]), row["more"])

    def remember(self, number: str, options: list[str], more: str) -> None:
        with self._write() as conn:
            conn.execute(
                """INSERT INTO conversations (number, options, more) VALUES (?, ?, ?)
                   ON CONFLICT (number) DO UPDATE SET options = excluded.options,
                   more = excluded.more""",
                (number, json.dumps(options, ensure_ascii=False), more),
            )

    # -- outbox -------------------------------------------------------------------------------

    @staticmethod
    def _queue(conn: Connection, number: str, texts: list[str], now: str) -> None:
        conn.executemany(
            "INSERT INTO outbox (number, text, created_at) VALUES (?, ?, ?)",
            [(number, text, now) for text in texts],
        )

    def queue(self, number: str, texts: list[str]) -> None:
        with self._write() as conn:
            self._queue(conn, number, texts, local_now().isoformat(timespec="seconds"))

    def due(self, now: float | None = None, limit: int = 100) -> list[Outgoing]:
        """Pending replies, oldest first, leaving out every number whose oldest pending reply
        is not due yet: a number's replies go out in order, never overtaking a retry."""
        now = time.time() if now is None else now
        with self._read() as conn:
            rows = conn.execute(
                """SELECT id, number, text, attempts, next_try FROM outbox
                   WHERE status = 'pending' ORDER BY id LIMIT ?""",
                (limit,),
            ).fetchall()
        waiting: set[str] = set()
        due = []
        for row in rows:
            if row["number"] in waiting:
                continue
            if row["next_try"] > now:
                waiting.add(row["number"])
                continue
            due.append(Outgoing(row["id"], row["number"], row["text"], row["attempts"]))
        return due

    def next_try_at(self) -> float | None:
        with self._read() as conn:
            row = conn.execute(
                "SELECT MIN(next_try) AS at FROM outbox WHERE status = 'pending'"
            ).fetchone()
        return row["at"]

    def sent(self, outgoing_id: int) -> None:
        with self._write() as conn:
            conn.execute("UPDATE outbox SET status = 'sent' WHERE id = ?", (outgoing_id,))

    def retry_later(self, outgoing_id: int, at: float, give_up: bool = False) -> None:
        with self._write() as conn:
            conn.execute(
                """UPDATE outbox SET attempts = attempts + 1, next_try = ?,
                   status = CASE WHEN ? THEN 'failed' ELSE status END WHERE id = ?""",
                (at, give_up, outgoing_id),
            )

    def outbox(self, number: str) -> list[dict[str, object]]:
        """The number's replies with their status (for operators and tests)."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT id, text, status, attempts FROM outbox WHERE number = ? ORDER BY id",
                (number,),
            ).fetchall()
        return [dict(row) for row in rows]
