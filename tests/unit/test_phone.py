"""Numbers as customers type them on a phone keyboard."""

from __future__ import annotations

import pytest

from bot.phone import mask_number, parse_mobile_number


@pytest.mark.parametrize(
    "typed",
    ["13800138000", "138-0013-8000", "１３８００１３８０００", "138 0013 8000", "+86 138 0013 8000",
     "我的号码是13800138000", "８６13800138000"],
)  # fmt: skip
def test_accepted(typed: str) -> None:
    assert parse_mobile_number(typed) == "13800138000"


@pytest.mark.parametrize(
    "typed",
    ["1380013", "12800138000", "138001380001", "查余额", "", "13800138000 13900139000",
     "10086"],
)  # fmt: skip
def test_refused(typed: str) -> None:
    assert parse_mobile_number(typed) is None


def test_masked_for_display_and_logs() -> None:
    assert mask_number("13800138000") == "138****8000"
    assert mask_number("123") == "***"
