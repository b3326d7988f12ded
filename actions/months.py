"""Which month a customer means: 上个月, 上上个月, 10月, 2026年10月, 十月份, 这个月."""

from __future__ import annotations

import re
from datetime import date

# from_month_key and month_name are bot/months.py's; named here for the actions that import
# them from this module (bill, usage).
from bot.months import from_month_key, month_name, months_before
from bot.nlu.text import normalize

__all__ = ["from_month_key", "month_meant", "month_name"]

_MONTHS_BACK = [
    (re.compile(r"上上个?月|前两个月|上上期"), 2),
    (re.compile(r"上个?月|上期|上一个月"), 1),
    (re.compile(r"本月|这个?月|当月|本期|这期|月初到现在"), 0),
]
_YEAR_MONTH = re.compile(r"(\d{4}|\d{2})\s*[年\-/.]\s*(\d{1,2})\s*月?")
_MONTH = re.compile(r"(?<!\d)(\d{1,2})\s*月")
# normalize() turns 十月 into 10月; single-character months it leaves alone.
_SINGLE_DIGIT_MONTH = re.compile(r"(?<![一二三四五六七八九十])([一二三四五六七八九])(?=月)")
_DIGIT = {character: str(value) for value, character in enumerate("一二三四五六七八九", start=1)}


def month_meant(text: str, today: date) -> date | None:
    """First day of the month the text names, relative to today; None when it names none.

    A month without a year (10月) is the most recent such month: in January, 12月 is last
    December. Returns dates outside 1..12 as None, so "13月" is not silently accepted.
    """
    plain = _SINGLE_DIGIT_MONTH.sub(lambda match: _DIGIT[match.group(1)], normalize(text))
    if match := _YEAR_MONTH.search(plain):
        year, month = int(match.group(1)), int(match.group(2))
        year += 2000 if year < 100 else 0
        return date(year, month, 1) if 1 <= month <= 12 else None
    if match := _MONTH.search(plain):
        month = int(match.group(1))
        if not 1 <= month <= 12:
            return None
        year = today.year if month <= today.month else today.year - 1
        return date(year, month, 1)
    for pattern, back in _MONTHS_BACK:
        if pattern.search(plain):
            return months_before(today, back)
    return None
