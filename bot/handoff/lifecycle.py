"""The life of a handoff: opened by the action server, fed by the handoff gate, claimed,
answered and ended by an agent, or expired when nobody claims it in time.

Every write is one `BEGIN IMMEDIATE` transaction, rolled back on any exception, so a crash
leaves the data as before or after, and a restart of any process loses nothing. Queue order
is by id (AUTOINCREMENT never reuses one), not by time, since two handoffs can be opened in
the same second.
"""

from __future__ import annotations

import json
from typing import Any

from bot.handoff.notices import notice
from bot.handoff.records import (
    ACTIVE,
    HANDOFF_QUERY,
    SENDERS_MAX,
    SERVED,
    TEXT_MAX,
    HandoffRecords,
    checked_agent,
    checked_reason,
    checked_suggestions,
    checked_text,
    checked_transcript,
    handoff_of,
    message_of,
)
from bot.service_errors import Conflict, InvalidInput
from bot.sql_store import Connection, insert_row


class Lifecycle(HandoffRecords):
    """`active`, `list_active`, `open_handoff`, `record_unstaffed`, `inbound`,
    `take_channel_outbox`, `claim`, `reply`, `hand_back`, `close`, `expire_unclaimed`."""

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
        return [handoff_of(row) for row in rows]

    # -- our processes: the action server and the handoff gate --------------------------------

    def open_handoff(
        self,
        sender: Any,
        channel: Any,
        number: Any,
        ticket: Any,
        transcript: Any,
        reason: Any = None,
        suggestions: Any = None,
        suggestions_for: Any = None,
    ) -> tuple[dict[str, Any], int | None]:
        """Queues the conversation with its transcript, why the bot handed over, and the
        assistant's suggestions for the customer message `suggestions_for` (its text, the
        last such line of the transcript); refuses a second active handoff."""
        sender = checked_text(sender, "sender")
        channel = checked_text(channel, "channel")
        number = checked_text(number, "number", optional=True)
        ticket = checked_text(ticket, "ticket", optional=True)
        lines = checked_transcript(transcript)
        stored_reason = checked_reason(reason)
        suggested = checked_suggestions(suggestions)
        for_text = checked_text(suggestions_for, "suggestions_for", optional=True, limit=TEXT_MAX)
        created_at, created_ts = self._stamp()
        with self._write() as conn:
            active = self._active(conn, sender)
            if active is not None:
                raise Conflict("already_active", handoff=active, position=active["position"])
            handoff_id = insert_row(
                conn,
                "handoffs",
                {
                    "sender": sender,
                    "channel": channel,
                    "number": number,
                    "ticket": ticket,
                    "status": "queued",
                    "created_at": created_at,
                    "created_ts": created_ts,
                    "reason": stored_reason,
                },
            )["id"]
            for_id = None
            for author, text, at in lines:
                message = self._add(conn, handoff_id, author, text, at, live=False)
                if author == "customer" and suggested and text == for_text:
                    for_id = message["id"]
            if for_id is not None:
                conn.execute(
                    "UPDATE handoffs SET suggestions = ?, suggestions_for = ? WHERE id = ?",
                    (json.dumps(suggested, ensure_ascii=False), for_id, handoff_id),
                )
            handoff = self._find(conn, handoff_id)
        return handoff, handoff["position"]

    def record_unstaffed(
        self, sender: Any, channel: Any, ticket: Any, reason: Any, why: str
    ) -> None:
        """A request for a human that nobody could take (`why`: nobody_online,
        outside_hours): answered by the bot at once, kept for the operators' counts."""
        values = {
            "sender": checked_text(sender, "sender"),
            "channel": checked_text(channel, "channel"),
            "ticket": checked_text(ticket, "ticket", optional=True),
            "reason": checked_reason(reason),
            "why": why,
            "at": self._stamp()[0],
        }
        with self._write() as conn:
            insert_row(conn, "unstaffed", values)

    def inbound(self, sender: str, text: Any) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """A customer's message as the gate passes it on, in one transaction: kept for the
        agent when a human has the conversation (its handoff is returned, with the kept
        message's `message_id`, else None), and
        what waits for the customer (of any handoff: the notice after a hand-back too),
        delivered exactly once."""
        if not isinstance(text, str):
            raise InvalidInput("invalid_body", field="text")
        at, _ = self._stamp()
        with self._write() as conn:
            handoff = self._active(conn, sender)
            if handoff is not None:
                kept = self._add(conn, handoff["id"], "customer", text[:TEXT_MAX], at)
            outbox = self._take(conn, sender)
            if handoff is not None:
                handoff = {**self._find(conn, handoff["id"]), "message_id": kept["id"]}
        return handoff, outbox

    def take_channel_outbox(self, channel: Any, senders: Any = None) -> list[dict[str, Any]]:
        """What waits for the customers of a channel (of `senders` only, when given), each
        with its sender, oldest first, delivered exactly once. `ends_service` marks the notice
        of an agent closing or handing back, after which the channel lets the bot know."""
        channel = checked_text(channel, "channel")
        if senders is not None and (
            not isinstance(senders, list)
            or len(senders) > SENDERS_MAX
            or not all(isinstance(sender, str) for sender in senders)
        ):
            raise InvalidInput("invalid_body", field="senders")
        query = """SELECT m.*, h.sender, h.status FROM messages m
                   JOIN handoffs h ON h.id = m.handoff_id
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
        return [
            {
                **message_of(row),
                "sender": row["sender"],
                "delivered": True,
                "ends_service": row["author"] == "system" and row["status"] in SERVED,
            }
            for row in rows
        ]

    # -- agents -------------------------------------------------------------------------------

    def claim(self, handoff_id: int, agent: Any) -> dict[str, Any]:
        """The agent takes a queued handoff. The update is conditional on the status, so of two
        agents claiming at once (even through two connections) exactly one wins; claiming
        one's own handoff again is harmless."""
        agent = checked_agent(agent)
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
        agent = checked_agent(agent)
        text = checked_text(text, "text", limit=TEXT_MAX).strip()
        at, _ = self._stamp()
        with self._write() as conn:
            self._claimed_by(conn, handoff_id, agent)
            formatted = notice("agent_reply", agent=agent, text=text)
            return self._add(conn, handoff_id, "agent", formatted, at, delivered=False)

    def _end(self, handoff_id: int, agent: str, status: str, notice_name: str) -> dict[str, Any]:
        agent = checked_agent(agent)
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
