"""Complaint tickets: opening one (validated category and text, a fresh id per day) and
reading them back, one ticket or a number's.
"""

from __future__ import annotations

import secrets
from typing import Any

from bot.accounts.records import AccountOperations
from bot.service_errors import InvalidInput, NotFound

TICKET_CATEGORIES = ("计费争议", "网络信号", "服务态度", "业务办理", "其他")
TICKET_TEXT_MAX = 2000
# A ticket's columns as the API shows them (on PostgreSQL the table also has `rowid`).
TICKET_COLUMNS = "id, number, category, description, channel, status, created_at"


def _random_ticket_digits() -> int:
    return secrets.randbelow(10_000)


class Tickets(AccountOperations):
    """The store's ticket operations: `create_ticket`, `ticket`, `tickets` and
    `all_tickets`."""

    def create_ticket(
        self, number: str, category: str, description: str, channel: str
    ) -> dict[str, Any]:
        """Opens a ticket with an id like TS202611220042 (TS, date, four random digits)."""
        if category not in TICKET_CATEGORIES:
            raise InvalidInput("invalid_category", categories=list(TICKET_CATEGORIES))
        for text in (description, channel):
            if not isinstance(text, str) or not text.strip() or len(text) > TICKET_TEXT_MAX:
                raise InvalidInput("invalid_body")
        prefix = f"TS{self._today():%Y%m%d}"
        created_at = self._now().isoformat(timespec="seconds")
        with self._write() as conn:
            self._account(conn, number)
            taken = {
                row["id"]
                for row in conn.execute("SELECT id FROM tickets WHERE id LIKE ?", (f"{prefix}%",))
            }
            if len(taken) >= 10_000:
                raise RuntimeError(f"no ticket id left for {prefix}")
            ticket_id = f"{prefix}{_random_ticket_digits():04d}"
            while ticket_id in taken:
                ticket_id = f"{prefix}{_random_ticket_digits():04d}"
            conn.execute(
                f"INSERT INTO tickets ({TICKET_COLUMNS}) VALUES (?, ?, ?, ?, ?, 'open', ?)",
                (ticket_id, number, category, description.strip(), channel.strip(), created_at),
            )
            row = conn.execute(
                f"SELECT {TICKET_COLUMNS} FROM tickets WHERE id = ?", (ticket_id,)
            ).fetchone()
        return dict(row)

    def ticket(self, ticket_id: str) -> dict[str, Any]:
        with self._read() as conn:
            row = conn.execute(
                f"SELECT {TICKET_COLUMNS} FROM tickets WHERE id = ?", (ticket_id,)
            ).fetchone()
        if row is None:
            raise NotFound("unknown_ticket")
        return dict(row)

    def tickets(self, number: str) -> list[dict[str, Any]]:
        """The number's tickets, newest first."""
        with self._read() as conn:
            self._account(conn, number)
            rows = conn.execute(
                f"SELECT {TICKET_COLUMNS} FROM tickets WHERE number = ? ORDER BY rowid DESC",
                (number,),
            ).fetchall()
        return [dict(row) for row in rows]

    def all_tickets(self) -> list[dict[str, Any]]:
        """Every ticket, oldest first: what `make report` counts complaints from."""
        with self._read() as conn:
            rows = conn.execute(f"SELECT {TICKET_COLUMNS} FROM tickets ORDER BY rowid").fetchall()
        return [dict(row) for row in rows]
