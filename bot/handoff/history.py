"""Finding ended handoffs again: by the customer's number, a ticket, or what was written."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.handoff.records import ENDED, FIELD_MAX, HANDOFF_QUERY, HandoffRecords, handoff_of
from bot.service_errors import InvalidInput

HISTORY_LIMIT = 50
HISTORY_MAX = 200


def _like(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its own % and _ taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class History(HandoffRecords):
    """`history`, `opened_between`."""

    def history(self, query: Any, limit: Any = None) -> list[dict[str, Any]]:
        """Ended handoffs, newest first, whose number (its digits, as stored), ticket,
        messages or notes contain `query` (all when it is blank), each with its `outcome`
        (the status it ended in) and how many notes it has."""
        if not isinstance(query, str) or len(query) > FIELD_MAX:
            raise InvalidInput("invalid_query", field="q")
        count = HISTORY_LIMIT if limit is None else limit
        if type(count) is not int or not 1 <= count <= HISTORY_MAX:
            raise InvalidInput("invalid_query", field="limit")
        ended = ", ".join(f"'{status}'" for status in ENDED)
        notes = "(SELECT COUNT(*) FROM notes n WHERE n.handoff_id = h.id) AS notes_count"
        sql = HANDOFF_QUERY.replace("FROM handoffs h", f", {notes} FROM handoffs h")
        sql += f" WHERE h.status IN ({ended})"
        params: list[Any] = []
        if query.strip():
            pattern = _like(query.strip())
            sql += """ AND (h.number LIKE ? ESCAPE '\\' OR h.ticket LIKE ? ESCAPE '\\'
                OR EXISTS (SELECT 1 FROM messages m WHERE m.handoff_id = h.id
                           AND m.text LIKE ? ESCAPE '\\')
                OR EXISTS (SELECT 1 FROM notes n WHERE n.handoff_id = h.id
                           AND n.text LIKE ? ESCAPE '\\'))"""
            params += [pattern] * 4
        sql += " ORDER BY h.id DESC LIMIT ?"
        with self._read() as conn:
            rows = conn.execute(sql, [*params, count]).fetchall()
        return [
            {**handoff_of(row), "outcome": row["status"], "notes": row["notes_count"]}
            for row in rows
        ]

    def opened_between(self, since_ts: float, until_ts: float) -> list[dict[str, Any]]:
        """Handoffs opened in the period, and the requests nobody could take, for `make
        report`: `{sender, reason, status, created_at}`; an unstaffed request's status is
        `unstaffed`."""
        with self._read() as conn:
            rows = conn.execute(
                """SELECT sender, reason, status, created_at FROM handoffs
                   WHERE created_ts >= ? AND created_ts < ? ORDER BY id""",
                (since_ts, until_ts),
            ).fetchall()
            unstaffed = conn.execute(
                "SELECT sender, reason, at FROM unstaffed ORDER BY id"
            ).fetchall()
        opened = [
            {**dict(row), "reason": json.loads(row["reason"]) if row["reason"] else None}
            for row in rows
        ]
        for row in unstaffed:
            at = datetime.fromisoformat(row["at"]).timestamp()
            if since_ts <= at < until_ts:
                reason = json.loads(row["reason"]) if row["reason"] else None
                opened.append(
                    {
                        "sender": row["sender"],
                        "reason": reason,
                        "status": "unstaffed",
                        "created_at": row["at"],
                    }
                )
        return opened
