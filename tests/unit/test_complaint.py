"""What a complaint already says: its category, and whether it describes anything."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.complaint import ValidateComplaintForm, category_of, says_what_happened
from actions.handoff import PASSWORD_WITHHELD, transcript
from tests.conftest import ROOT

DOMAIN: dict[str, Any] = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


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


async def filled(text: str, intent: str, requested: str | None) -> dict[str, Any]:
    """The complaint form's slots after the customer's message."""
    latest = {
        "text": text,
        "intent": {"name": intent},
        "intent_ranking": [{"name": intent, "confidence": 0.9}],
        "entities": [],
    }
    state = Tracker(
        "customer",
        {"requested_slot": requested},
        latest,
        [{"event": "user", "text": text, "parse_data": latest}],
        False,
        None,
        {"name": "complaint_form"},
        None,
    )
    events = await ValidateComplaintForm().run(CollectingDispatcher(), state, DOMAIN)
    return {event["name"]: event["value"] for event in events if event["event"] == "slot"}


async def test_a_complaint_that_says_what_happened_fills_the_form_at_once() -> None:
    slots = await filled("我要投诉你们乱扣我话费 ", "complain", None)
    assert slots == {
        "complaint_category": "计费争议",
        "complaint_description": "我要投诉你们乱扣我话费",
    }
    assert await filled("我要投诉", "complain", None) == {}


async def test_an_answer_fills_only_the_slot_asked_for() -> None:
    assert await filled("  信号差得要命  ", "inform", "complaint_description") == {
        "complaint_description": "信号差得要命"
    }
    assert await filled("网络信号", "inform", "complaint_category") == {
        "complaint_category": "网络信号"
    }


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
