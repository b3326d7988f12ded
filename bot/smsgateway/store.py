"""What the mock SMS gateway sent, in SQLite: one row per SMS part the bridge handed it.

Ids come from AUTOINCREMENT, so they only grow, also across `clear()`: a reader that remembers
the last id it saw (`after`) never misses a message nor sees one twice.
"""

from __future__ import annotations

from typing import Any

from bot.sql_store import Row, SqlStore, insert_row

SCHEMA_VERSION = "1"

SCHEMA = (
    """CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)""",
    """CREATE TABLE sent (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        to_number TEXT NOT NULL,
        from_number TEXT NOT NULL,
        text TEXT NOT NULL,
        at TEXT NOT NULL)""",
    """CREATE INDEX sent_to ON sent (to_number, id)""",
)


def _message(row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "to": row["to_number"],
        "from": row["from_number"],
        "text": row["text"],
        "at": row["at"],
    }


class SmsStore(SqlStore):
    """The gateway's database; one connection, used from the server's event loop."""

    schema = SCHEMA
    schema_version = SCHEMA_VERSION
    made_by = "the mock SMS gateway"
    afresh = "delete it to start afresh (it only holds sent test messages)"

    def record(self, to_number: str, from_number: str, text: str) -> dict[str, Any]:
        """Keeps one sent message; returns it with its id."""
        at = self._now().isoformat(timespec="seconds")
        values = {"to_number": to_number, "from_number": from_number, "text": text, "at": at}
        with self._write() as conn:
            return _message(insert_row(conn, "sent", values))

    def messages(self, to_number: str | None = None, after: int = 0) -> list[dict[str, Any]]:
        """The messages with an id above `after` (to `to_number` only, when given), by id."""
        query = "SELECT * FROM sent WHERE id > ?"
        parameters: list[int | str] = [after]
        if to_number is not None:
            query += " AND to_number = ?"
            parameters.append(to_number)
        with self._read() as conn:
            rows = conn.execute(query + " ORDER BY id", parameters).fetchall()
        return [_message(row) for row in rows]

    def clear(self) -> int:
        """Deletes every message; returns how many there were."""
        with self._write() as conn:
            return conn.execute("DELETE FROM sent").rowcount
