"""What agents see and keep beside the transcript: notes, the assistant's suggested answers,
and every reveal of the customer's full number (who, when).

Notes and reveals belong to the agents: they are never in the customer's outbox. Any agent
may note or reveal on any handoff, an ended one too (a call-back comes after the chat).
"""

from __future__ import annotations

import json
from typing import Any

from bot.handoff.records import (
    NOTE_MAX,
    HandoffRecords,
    checked_agent,
    checked_suggestions,
    checked_text,
    message_of,
)
from bot.service_errors import Conflict, InvalidInput
from bot.sql_store import Connection, insert_row


class Annotations(HandoffRecords):
    """`get` (a handoff with all of it), `add_note`, `reveal_number`, `set_suggestions`."""

    def get(self, handoff_id: int) -> dict[str, Any]:
        """A handoff with its whole transcript (before and during the handoff), its notes,
        reveals and the suggestions for its latest customer message that had any."""
        with self._read() as conn:
            handoff = self._find(conn, handoff_id)
            messages = [
                message_of(row)
                for row in conn.execute(
                    "SELECT * FROM messages WHERE handoff_id = ? ORDER BY id", (handoff_id,)
                )
            ]
            notes = [
                dict(row)
                for row in conn.execute(
                    "SELECT id, agent, text, at FROM notes WHERE handoff_id = ? ORDER BY id",
                    (handoff_id,),
                )
            ]
            reveals = [
                dict(row)
                for row in conn.execute(
                    "SELECT agent, at FROM reveals WHERE handoff_id = ? ORDER BY id",
                    (handoff_id,),
                )
            ]
            suggested = conn.execute(
                "SELECT suggestions, suggestions_for FROM handoffs WHERE id = ?", (handoff_id,)
            ).fetchone()
        for_id = suggested["suggestions_for"]
        for_message = next((m for m in messages if m["id"] == for_id), None)
        return {
            **handoff,
            "messages": messages,
            "notes": notes,
            "reveals": reveals,
            "suggestions": json.loads(suggested["suggestions"]) if for_message else [],
            "suggestions_for": (
                {"id": for_message["id"], "text": for_message["text"]} if for_message else None
            ),
        }

    def add_note(self, handoff_id: int, agent: Any, text: Any) -> dict[str, Any]:
        agent = checked_agent(agent)
        text = str(checked_text(text, "text", limit=NOTE_MAX)).strip()
        at, _ = self._stamp()
        with self._write() as conn:
            self._find(conn, handoff_id)
            values = {"handoff_id": handoff_id, "agent": agent, "text": text, "at": at}
            row = insert_row(conn, "notes", values)
        return {"id": row["id"], "agent": agent, "text": text, "at": at}

    def reveal_number(self, handoff_id: int, agent: Any) -> tuple[str, dict[str, Any]]:
        """The full number, with the reveal recorded in the same transaction: no number is
        shown without its record."""
        agent = checked_agent(agent)
        at, _ = self._stamp()
        with self._write() as conn:
            number = self._find(conn, handoff_id)["number"]
            if not number:
                raise Conflict("not_verified")
            insert_row(conn, "reveals", {"handoff_id": handoff_id, "agent": agent, "at": at})
        return number, {"agent": agent, "at": at}

    def set_suggestions(self, handoff_id: int, message_id: Any, suggestions: Any) -> dict[str, Any]:
        """The suggestions for a customer message of the handoff; none keeps the earlier ones
        (an agent is better served by the answer to "彩铃怎么退" than by nothing for "在吗")."""
        if type(message_id) is not int:
            raise InvalidInput("invalid_body", field="message_id")
        suggested = checked_suggestions(suggestions)
        with self._write() as conn:
            handoff = self._find(conn, handoff_id)
            self._customer_message(conn, handoff_id, message_id)
            if suggested:
                conn.execute(
                    "UPDATE handoffs SET suggestions = ?, suggestions_for = ? WHERE id = ?",
                    (json.dumps(suggested, ensure_ascii=False), message_id, handoff_id),
                )
        return handoff

    @staticmethod
    def _customer_message(conn: Connection, handoff_id: int, message_id: int) -> None:
        row = conn.execute(
            "SELECT author FROM messages WHERE id = ? AND handoff_id = ?", (message_id, handoff_id)
        ).fetchone()
        if row is None or row["author"] != "customer":
            raise InvalidInput("invalid_body", field="message_id")
