"""Which month a customer means when asking for a bill, relative to today."""

from __future__ import annotations

from datetime import date

import pytest

from actions.months import month_meant

TODAY = date(2026, 11, 22)


@pytest.mark.parametrize(
    ("text", "month"),
    [("上月账单", date(2026, 10, 1)), ("上个月花了多少", date(2026, 10, 1)),
     ("上上个月的账单", date(2026, 9, 1)), ("10月", date(2026, 10, 1)),
     ("2026年10月账单", date(2026, 10, 1)), ("十月份扣了多少", date(2026, 10, 1)),
     ("這個月話費", date(2026, 11, 1)), ("12月的账单", date(2025, 12, 1)),
     ("一月份", date(2026, 1, 1)), ("25年3月", date(2025, 3, 1)),
     ("2026-09账单", date(2026, 9, 1))],
)  # fmt: skip
def test_month_named(text: str, month: date) -> None:
    assert month_meant(text, TODAY) == month


def test_last_month_in_january_is_last_december() -> None:
    assert month_meant("上个月", date(2027, 1, 3)) == date(2026, 12, 1)


@pytest.mark.parametrize("text", ["查账单", "彩铃一个月多少钱", "13月账单"])
def test_no_month_named(text: str) -> None:
    assert month_meant(text, TODAY) is None
