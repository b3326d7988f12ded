"""The report's figures from events as the tracker store holds them: what counts as a
conversation, a miss, an abandoned conversation; texts masked; nothing divides by zero."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

from bot.report.conversations import conversations_of
from bot.report.outcomes import Period, outcomes

BEIJING = timezone(timedelta(hours=8))
PERIOD = Period(datetime(2026, 11, 22, tzinfo=BEIJING), datetime(2026, 11, 23, tzinfo=BEIJING))
AT = PERIOD.since.timestamp() + 3600


def user(sender: str, text: str, *ranking: tuple[str, float]) -> tuple[str, str, float, str]:
    entries = [{"intent_response_key": f"faq/{n}", "confidence": c} for n, c in ranking]
    parse = {"intent": {"name": "faq"}, "response_selector": {"faq": {"ranking": entries}}}
    data = {"text": text, "input_channel": "rest", "parse_data": parse}
    return (sender, "user", AT, json.dumps(data))


def bot(sender: str, response: str) -> tuple[str, str, float, str]:
    return (sender, "bot", AT, json.dumps({"metadata": {"utter_action": response}}))


def report(rows: list[tuple[str, str, float, str]], **more: Any) -> dict[str, Any]:
    return outcomes(PERIOD, conversations_of(rows), more.get("handoffs", []), [])


def test_nothing_counts_nothing_and_divides_by_nothing() -> None:
    empty = report([])
    assert (empty["conversations"], empty["containment_rate"], empty["fallback_rate"]) == (
        0,
        0.0,
        0.0,
    )


def test_a_miss_then_an_answer_is_not_abandoned_and_texts_are_masked() -> None:
    rows = [
        user("a", "我的号13800138000 asdf", ("cailing_fee", 0.2)),
        bot("a", "utter_clarify_none"),
        user("a", "彩铃怎么收费"),
        bot("a", "utter_faq/cailing_fee"),
        user("b", "我的号13900139000 asdf"),
        bot("b", "utter_clarify_none"),
    ]
    figures = report(rows)
    assert (figures["misunderstood_messages"], figures["abandoned"]) == (2, 1)
    texts = [missed["text"] for missed in figures["misunderstood"]]
    assert texts == ["我的号138****8000 asdf", "我的号139****9000 asdf"]
    assert figures["misunderstood"][0]["guesses"][0]["title"] == "彩铃怎么收费"
    assert figures["top_questions"] == [
        {"answer": "cailing_fee", "title": "彩铃怎么收费", "count": 1}
    ]


def test_a_clarifying_question_is_no_miss_and_a_request_turned_away_is_no_containment() -> None:
    rows = [user("a", "彩铃"), bot("a", "utter_clarify_topic"), user("b", "转人工")]
    unstaffed = [{"sender": "b", "status": "unstaffed", "reason": {"kind": "asked"}}]
    figures = report(rows, handoffs=unstaffed)
    assert figures["misunderstood_messages"] == 0
    assert (figures["contained"], figures["handoffs"], figures["unstaffed_requests"]) == (1, 0, 1)
