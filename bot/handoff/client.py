"""The async client our processes use to call the agent desk's internal API.

The action server opens handoffs with it; the channels' handoff gate passes each customer
message through it (one call: kept for the agent or not, and what waits for the customer),
and the web chat and SMS channels poll it for what agents wrote. `DeskUnavailable` (refused
connection, timeout, 5xx, or 401: our own token is wrong) means the bot carries on without
the desk; `DeskRequestError` is the desk refusing the request (409 `already_active`, …).
A short default timeout, because the gate sits in front of every customer message.

"No active handoff" is an ordinary answer here, not an error: `active` returns None and
`inbound` `kept: False`, since most conversations never meet a human.
"""

from __future__ import annotations

from typing import Any

from bot.http_client import JsonServiceClient, ServiceRequestError, ServiceUnavailable, segment


class DeskUnavailable(ServiceUnavailable):
    """The desk could not answer: down, too slow, failing (5xx), or refusing our token."""


class DeskRequestError(ServiceRequestError):
    """The desk refused the request (a 4xx other than 401); `code` is the API error code and
    `body` the whole answer (for `already_active`: the active handoff and its position)."""


class DeskClient(JsonServiceClient):
    service_name = "agent desk"
    settings_prefix = "HANDOFF"
    unavailable = DeskUnavailable
    request_error = DeskRequestError
    default_timeout_s = 2.0
    routine_refusals = frozenset({"no_active_handoff"})

    async def open_handoff(
        self,
        sender: str,
        channel: str,
        number: str | None,
        ticket: str | None,
        transcript: list[dict[str, Any]],
        reason: dict[str, Any] | None = None,
        suggestions: list[dict[str, str]] | None = None,
        suggestions_for: str | None = None,
    ) -> dict[str, Any]:
        """Queues the conversation: `{handoff, position}`, or `{unstaffed, service_hours}`
        when nobody can take it now; DeskRequestError `already_active` when it already is
        queued (its body has the active handoff and position)."""
        body = {"sender": sender, "channel": channel, "number": number, "ticket": ticket}
        extra = {
            "reason": reason,
            "suggestions": suggestions or [],
            "suggestions_for": suggestions_for,
        }
        return await self._call(
            "POST", "/internal/handoffs", {**body, "transcript": transcript, **extra}
        )

    async def suggest(
        self, handoff_id: int, message_id: int, suggestions: list[dict[str, str]]
    ) -> dict[str, Any]:
        """The assistant's suggestions for a customer message the desk kept."""
        body = {"message_id": message_id, "suggestions": suggestions}
        return await self._call("POST", f"/internal/handoffs/{handoff_id}/suggestions", body)

    async def active(self, sender: str) -> dict[str, Any] | None:
        """`{handoff, position}` of the conversation's active handoff, or None."""
        if not sender:  # no conversation, no handoff; and an empty segment names no route
            return None
        try:
            return await self._call("GET", f"/internal/handoffs/{segment(sender)}")
        except DeskRequestError as error:
            if error.code == "no_active_handoff":
                return None
            raise

    async def inbound(self, sender: str, text: str) -> dict[str, Any]:
        """The customer's message, in one call: `{kept: True, handoff, position, outbox}` when
        a human has the conversation (the message is kept for the agent), else `{kept: False,
        outbox}`; `outbox` is what waits for the customer, now delivered (exactly once)."""
        if not sender:  # no conversation, no handoff; and an empty segment names no route
            return {"kept": False, "outbox": []}
        return await self._call("POST", f"/internal/inbound/{segment(sender)}", {"text": text})

    async def take_channel_outbox(
        self, channel: str, senders: list[str] | None = None
    ) -> list[dict[str, Any]]:
        """Everything waiting for the channel's customers (only `senders`' when given), each
        `{sender, text, …}` and delivered exactly once."""
        body: dict[str, Any] = {"channel": channel}
        if senders is not None:
            body["senders"] = senders
        return (await self._call("POST", "/internal/outbox/take", body))["outbox"]
