"""The answers the desk suggests to the agent come from the assistant's own understanding:
the knowledge base's answers, plans computed, nothing that only steers a customer."""

from __future__ import annotations

from typing import Any

from bot.understanding.suggestions import COMPUTED_TITLE, SUGGESTIONS_MAX, suggest
from tests.unit.test_understanding import RESPONSES, texts


def ranking(*names: str, scores: tuple[float, ...] = (0.6, 0.2, 0.1, 0.05, 0.04)) -> dict[str, Any]:
    """Parse data as Rasa's ResponseSelector gives it, most confident first."""
    scores = scores[: len(names)]
    entries = [
        {"intent_response_key": f"faq/{name}", "confidence": score}
        for name, score in zip(names, scores, strict=True)
    ]
    return {"intent": {"name": "faq"}, "response_selector": {"faq": {"ranking": entries}}}


def test_a_plain_question_gets_the_knowledge_bases_answer_first() -> None:
    [first, *_] = suggest("彩铃怎么收费", {}, texts)
    assert first["title"] == "彩铃怎么收费"
    assert first["text"] == RESPONSES["utter_faq/cailing_fee"]
    assert "6元/月" in first["text"]


def test_the_nlus_next_likeliest_answers_fill_up_to_three() -> None:
    suggested = suggest(
        "彩铃怎么收费",
        ranking("cailing_fee", "cailing_unsubscribe", "gprs_rate", "cailing_subscribe"),
        texts,
    )
    assert len(suggested) == SUGGESTIONS_MAX
    assert [s["text"] for s in suggested] == [
        RESPONSES["utter_faq/cailing_fee"],
        RESPONSES["utter_faq/cailing_unsubscribe"],
        RESPONSES["utter_faq/cailing_subscribe"],  # 流量's answer is off the subject
    ]
    assert len({s["text"] for s in suggested}) == SUGGESTIONS_MAX  # no answer twice


def test_a_comparison_is_computed_from_the_catalogue() -> None:
    [first, *_] = suggest("58和88套餐差多少", {}, texts)
    assert first["title"] == COMPUTED_TITLE
    assert "58元" in first["text"] and "88元" in first["text"]


def test_an_ambiguous_follow_up_offers_the_answers_it_would_ask_about() -> None:
    titles = [s["title"] for s in suggest("那不想要了咋弄", {}, texts)]
    assert "怎么退订彩铃" in titles


def test_small_talk_gets_nothing_rather_than_noise() -> None:
    assert suggest("在吗", {}, texts) == []
    # What the selector gives a message of no subject (measured: 转人工, 你好, 在吗).
    noise = ranking("transfer_docs", "data_fee_high", scores=(0.17, 0.08))
    assert suggest("有人吗", noise, texts) == []
    assert suggest("asdfgh", {}, texts) == []


def test_the_nlus_ranking_is_trusted_off_topic_only_when_it_is_sure() -> None:
    sure = ranking("cailing_fee")
    sure["response_selector"]["faq"]["ranking"][0]["confidence"] = 0.95
    assert suggest("嗯那个", sure, texts)[0]["text"] == RESPONSES["utter_faq/cailing_fee"]
