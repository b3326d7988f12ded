"""The operators' decisions on the messages the assistant missed (the review queue of the
operator page, bot/ops): each group of near-identical messages is decided once, assigned to
an answer or ignored, and stays decided."""

from __future__ import annotations

from typing import Any

from bot.handoff.records import FIELD_MAX, TEXT_MAX, HandoffRecords, checked_text
from bot.service_errors import Conflict, InvalidInput

DECISIONS = ("assigned", "ignored")


class Reviews(HandoffRecords):
    """`decided`, `decide`."""

    def decided(self) -> dict[str, dict[str, Any]]:
        """Every decision by the group's key."""
        with self._read() as conn:
            rows = conn.execute("SELECT * FROM reviews ORDER BY at").fetchall()
        return {row["key"]: dict(row) for row in rows}

    def decide(
        self, key: Any, text: Any, decision: Any, target: Any, operator: Any
    ) -> dict[str, Any]:
        """Records the decision; a group already decided is refused (409 already_reviewed),
        so that two operators cannot write the same example twice."""
        key = checked_text(key, "key", limit=TEXT_MAX)
        text = checked_text(text, "text", limit=TEXT_MAX)
        if decision not in DECISIONS:
            raise InvalidInput("invalid_body", field="decision")
        target = checked_text(target, "target") if decision == "assigned" else None
        operator = str(checked_text(operator, "operator", limit=FIELD_MAX)).strip()
        at, _ = self._stamp()
        values = (key, text, decision, target, operator, at)
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM reviews WHERE key = ?", (key,)).fetchone():
                raise Conflict("already_reviewed")
            conn.execute(
                """INSERT INTO reviews (key, text, decision, target, operator, at)
                   VALUES (?, ?, ?, ?, ?, ?)""",
                values,
            )
        return dict(
            zip(("key", "text", "decision", "target", "operator", "at"), values, strict=True)
        )
