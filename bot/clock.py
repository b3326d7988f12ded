"""The clock our services stamp records with.

Times are timezone-aware, in the host's zone (Beijing time where the operator runs it), so
that a stored time reads as the customer's own. Stores take the clock as an argument, so that
tests move time forward instead of waiting.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

Clock = Callable[[], datetime]


def local_now() -> datetime:
    return datetime.now(timezone.utc).astimezone()
