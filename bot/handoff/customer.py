"""The customer card of a verified conversation: who the agent is talking to, read from the
account service when the agent looks at the handoff.

Kept for CARD_TTL_S, because the desk page asks again every few seconds while a conversation
is open; a failure is not kept, so the card comes back as soon as the service does. The
number on the card is masked; the full one only comes through a logged reveal.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from bot.accounts.client import AccountClient, AccountRequestError, AccountServiceUnavailable
from bot.phone import mask_number

logger = logging.getLogger(__name__)

CARD_TTL_S = 20.0
OPEN_TICKET_STATUSES = ("open", "in_progress")


def card_of(
    summary: dict[str, Any], services: dict[str, Any], tickets: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "number": mask_number(summary["number"]),
        "owner": summary["owner"],
        "plan": summary["plan"],
        "balance_fen": summary["balance_fen"],
        "status": summary["status"],
        "status_text": summary["status_text"],
        "real_name": summary["real_name"],
        "contract": summary["contract"],
        "services": [
            {key: service[key] for key in ("code", "name", "monthly_fee_fen")}
            for service in services["services"]
        ],
        "open_tickets": [
            {key: ticket[key] for key in ("id", "category", "status", "created_at")}
            for ticket in tickets
            if ticket["status"] in OPEN_TICKET_STATUSES
        ],
    }


def surname_on(card: dict[str, Any] | None) -> str | None:
    """The surname on the card ("张*" → 张), for the canned replies."""
    owner = (card or {}).get("owner")
    return owner[0] if isinstance(owner, str) and owner and owner[0] != "*" else None


class CustomerCards:
    def __init__(
        self,
        accounts: AccountClient,
        ttl_s: float = CARD_TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._accounts = accounts
        self._ttl_s = ttl_s
        self._clock = clock
        self._kept: dict[str, tuple[float, dict[str, Any]]] = {}

    async def card(self, number: str | None) -> dict[str, Any] | None:
        """None for a conversation that was not verified."""
        if not number:
            return None
        now = self._clock()
        kept = self._kept.get(number)
        if kept is not None and now - kept[0] < self._ttl_s:
            return kept[1]
        try:
            summary, services, tickets = await asyncio.gather(
                self._accounts.summary(number),
                self._accounts.services(number),
                self._accounts.tickets(number),
            )
        except (AccountServiceUnavailable, AccountRequestError) as error:
            logger.warning("customer card of %s unavailable (%s)", mask_number(number), error)
            return {"number": mask_number(number), "unavailable": True}
        card = card_of(summary, services, tickets)
        self._kept = {n: entry for n, entry in self._kept.items() if now - entry[0] < self._ttl_s}
        self._kept[number] = (now, card)
        return card

    async def close(self) -> None:
        await self._accounts.close()
