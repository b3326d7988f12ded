"""What the gateway's routes share, one `Gateway` per app (`app.ctx.gateway`): the store, the
readers' wake-ups (`Arrivals`) and the injected send failure (`Faults`)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

from sanic.request import Request

from bot.smsgateway.store import SmsStore

T = TypeVar("T")


class Arrivals:
    """Wakes the long-polling readers: `notify` sets the current event and puts a fresh one in
    its place, so a reader that took the event before looking at the store cannot miss a send
    recorded after it looked. Readers are woken by a send, not by a timer."""

    def __init__(self) -> None:
        self.current = asyncio.Event()
        self.waiting = 0  # readers long-polling now
        self.closing = False

    def notify(self) -> None:
        event, self.current = self.current, asyncio.Event()
        event.set()

    def close(self) -> None:
        """Shutting down: the long-polling readers answer now with what they have."""
        self.closing = True
        self.notify()

    async def poll(self, look: Callable[[], list[T]], wait_s: float) -> list[T]:
        """What `look` finds: at once when it finds something, else as soon as it does after
        a `notify`, or (maybe empty) once `wait_s` has passed or the server is stopping."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_s
        while True:
            arrival = self.current  # taken before looking: no send slips in between
            found = look()
            remaining = deadline - loop.time()
            if found or remaining <= 0 or self.closing:
                return found
            self.waiting += 1
            try:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(arrival.wait(), remaining)
            finally:
                self.waiting -= 1


@dataclass
class Fault:
    status: int
    remaining: int | None  # sends still to refuse; None: until /control/accept


class Faults:
    """The injected send failure (`/control/refuse`): the next sends answer its status and are
    not recorded."""

    def __init__(self) -> None:
        self._fault: Fault | None = None

    def refuse(self, status: int, count: int | None) -> None:
        self._fault = Fault(status, count)

    def accept(self) -> None:
        self._fault = None

    def state(self) -> dict[str, Any] | None:
        """`{"status", "remaining"}`, or None when sends are recorded."""
        return None if self._fault is None else asdict(self._fault)

    def take(self) -> int | None:
        """The status this send is refused with, using up one refusal; None: record it."""
        fault = self._fault
        if fault is None:
            return None
        if fault.remaining is not None:
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._fault = None
        return fault.status


@dataclass
class Gateway:
    store: SmsStore
    key: str = field(repr=False)  # the bridge's, for /api/send
    secret: str = field(repr=False)  # inbound messages are signed with it
    bridge_url: str
    bridge_timeout_s: float
    arrivals: Arrivals = field(default_factory=Arrivals)
    faults: Faults = field(default_factory=Faults)


def gateway_of(request: Request) -> Gateway:
    gateway: Gateway = request.app.ctx.gateway
    return gateway
