"""Calendar months, as the account service stores them and the actions name them."""

from __future__ import annotations

from datetime import date


def months_before(day: date, count: int) -> date:
    """The first day of the month `count` months before `day`'s (negative: after)."""
    index = day.year * 12 + day.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


def month_key(day: date) -> str:
    """The account service's month format: 2026-10."""
    return f"{day.year:04d}-{day.month:02d}"
