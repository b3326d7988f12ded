"""Calendar months, as the account service stores them ("2026-10") and the actions name them
("2026年10月"): one module, so that the service and the assistant read a month alike.

Kept light (the standard library only): the action server imports it."""

from __future__ import annotations

import re
from datetime import date

# The account service's month: four-digit year, two-digit month.
MONTH_KEY = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")


def months_before(day: date, count: int) -> date:
    """The first day of the month `count` months before `day`'s (negative: after)."""
    index = day.year * 12 + day.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


def first_of_next_month(day: date) -> date:
    """When a booked change (a new plan, a cancelled fee) takes effect."""
    return months_before(day, -1)


def month_key(day: date) -> str:
    """The account service's month format: 2026-10."""
    return f"{day.year:04d}-{day.month:02d}"


def is_month_key(text: str) -> bool:
    return MONTH_KEY.fullmatch(text) is not None


def from_month_key(key: str) -> date:
    """2026-10 → the first of October 2026."""
    year, month = key.split("-")
    return date(int(year), int(month), 1)


def month_name(month: date) -> str:
    """How the month is said back to the customer: 2026年10月."""
    return f"{month.year}年{month.month}月"
