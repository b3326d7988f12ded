"""What a complaint already says: its category, and whether it describes anything."""

from __future__ import annotations

import pytest
from rasa_sdk import Tracker

from actions.complaint import category_of, says_what_happened
from actions.handoff import PASSWORD_WITHHELD, transcript


@pytest.mark.parametrize(
    ("text", "category"),
    [("你们乱扣我话费", "计费争议"), ("信号差得要命", "网络信号"),
     ("营业员态度太恶劣了", "服务态度"), ("过户办了三次都没办成", "业务办理"),
     ("計費爭議", "计费争议"), ("其他", "其他"), ("我要投诉", None)],
)  # fmt: skip
def test_category_from_the_customers_words(text: str, category: str | None) -> None:
    assert category_of(text) == category


@pytest.mark.parametrize(
    ("text", "describes"),
    [("我要投诉你们乱收费", True), ("信号差得要命", True), ("我要投诉", False), ("投诉！", False),
     ("太差了", False), ("我要找你们领导", False)],
)  # fmt: skip
def test_a_bare_complaint_is_no_description(text: str, describes: bool) -> None:
    assert says_what_happened(text) is describes


def test_the_agent_never_sees_the_password_or_a_whole_number() -> None:
    events = [
        {"event": "user", "text": "查余额", "timestamp": 1},
        {"event": "slot", "name": "requested_slot", "value": "phone_number"},
        {"event": "user", "text": "13800138000", "timestamp": 2},
        {"event": "slot", "name": "requested_slot", "value": "service_password"},
        {"event": "user", "text": "258013", "timestamp": 3},
        {"event": "slot", "name": "requested_slot", "value": None},
        {"event": "bot", "text": "您的号码138****8000当前话费余额为56.80元", "timestamp": 4},
    ]
    lines = transcript(Tracker("c", {}, {}, events, False, None, {}, None))
    assert [line["text"] for line in lines] == [
        "查余额",
        "138****8000",
        PASSWORD_WITHHELD,
        "您的号码138****8000当前话费余额为56.80元",
    ]
    assert [line["author"] for line in lines] == ["customer"] * 3 + ["bot"]
