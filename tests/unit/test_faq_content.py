"""Every FAQ answer is focused, SMS-sized and states the knowledge base's figures exactly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.loading import load_data

ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE_BASE = (ROOT / "docs" / "knowledge_base.md").read_text(encoding="utf-8")
FAQ_FILES = sorted((ROOT / "data" / "nlu").glob("faq_*.yml"))
MAX_ANSWER_CHARS = 130
MIN_EXAMPLES = 25
# A figure with its unit: "6元" must be in the knowledge base as 6元, not as the 6 of 16元 or
# of 6GB.
_FIGURE = re.compile(
    r"(?<![\d.])\d+(?:\.\d+)?"
    r"(?:元/MB|元/分钟|元/月|元|GB|MB|KB|分钟|个月|月|日|号|小时|%|岁|位|次|天|年|点)?"
)


def _facts(knowledge_base: str) -> dict[str, str]:
    """The knowledge base by fact ("A2" → its line and the bullets or table under it)."""
    facts: dict[str, str] = {}
    current = None
    for line in knowledge_base.splitlines():
        if found := re.match(r"([A-F]\d+)\b", line):
            current = found.group(1)
        elif line.startswith("## "):
            current = None
        if current is not None:
            facts[current] = facts.get(current, "") + line + "\n"
    return facts


FACTS = _facts(KNOWLEDGE_BASE)
# The facts each answer states: its figures must be written there, not merely somewhere (the
# 10元 of low_balance is checked in A6, where 30元 would fail, though 30元 is in B3).
ANSWER_FACTS = {
    "brand_easyown": ["A1", "A2"],
    "brand_gotone": ["A1", "A2"],
    "brand_mzone": ["A1", "A2"],
    "brands": ["A1"],
    "cailing_change_song": ["C3"],
    "cailing_fee": ["C2"],
    "cailing_included": ["C2", "A2"],
    "cailing_song_fee": ["C2"],
    "cailing_subscribe": ["C3"],
    "cailing_unsubscribe": ["C3"],
    "cailing_unwanted_charge": ["C4"],
    "cailing_what": ["C1"],
    "call_overage": ["A2"],
    "caller_id": ["A2"],
    "complaint_process": ["E2"],
    "data_alert": ["B5", "A5"],
    "data_fee_high": ["B6", "B2"],
    "data_packs": ["B3"],
    "data_rollover": ["B4"],
    "gprs_disable": ["B7"],
    "gprs_rate": ["B2"],
    "gprs_what": ["B1"],
    "low_balance": ["A6"],
    "plan_128": ["A2"],
    "plan_58": ["A2"],
    "plan_88": ["A2"],
    "plan_change_channels": ["A3"],
    "plan_change_contract": ["A3"],
    "plan_change_effective": ["A3"],
    "plan_changting": ["A2"],
    "plan_list": ["A2"],
    "plan_qingchun": ["A2", "A1"],
    "promo_300": ["A4"],
    "recharge": ["A6"],
    "reconnect": ["A6"],
    "service_channels": ["E1"],
    "sms_codes": ["A5"],
    "transfer_after": ["D5"],
    "transfer_company": ["D6"],
    "transfer_conditions": ["D3"],
    "transfer_docs": ["D1"],
    "transfer_proxy": ["D2"],
    "transfer_where": ["D4", "E1"],
}


def _stated_in(figure: str, text: str) -> bool:
    end = r"(?![\d.])" if figure[-1].isdigit() else ""
    return re.search(r"(?<![\d.])" + re.escape(figure) + end, text) is not None


TRAINING_DATA = load_data(str(ROOT / "data" / "nlu"))
ANSWERS = {
    name.removeprefix("utter_faq/"): variants[0]["text"]
    for name, variants in TRAINING_DATA.responses.items()
    if name.startswith("utter_faq/")
}


def _examples_per_question() -> dict[str, list[str]]:
    examples: dict[str, list[str]] = {}
    for message in TRAINING_DATA.intent_examples:
        if message.get("intent") == "faq":
            key = message.get("intent_response_key").removeprefix("faq/")
            examples.setdefault(key, []).append(message.get("text"))
    return examples


EXAMPLES = _examples_per_question()


def test_every_question_has_one_answer_and_every_answer_a_question() -> None:
    assert set(EXAMPLES) == set(ANSWERS)
    assert len(ANSWERS) >= 40


@pytest.mark.parametrize("name", sorted(ANSWERS))
def test_answer_fits_an_sms_conversation(name: str) -> None:
    assert len(ANSWERS[name]) <= MAX_ANSWER_CHARS, ANSWERS[name]


def test_every_answer_names_the_facts_it_states() -> None:
    assert set(ANSWER_FACTS) == set(ANSWERS)
    assert [fact for facts in ANSWER_FACTS.values() for fact in facts if fact not in FACTS] == []


@pytest.mark.parametrize("name", sorted(ANSWERS))
def test_every_figure_in_an_answer_is_in_its_facts(name: str) -> None:
    facts = "".join(FACTS[fact] for fact in ANSWER_FACTS.get(name, []))
    missing = [f for f in _FIGURE.findall(ANSWERS[name]) if not _stated_in(f, facts)]
    assert not missing, (
        f"{name}: {missing} not in {ANSWER_FACTS.get(name)} of docs/knowledge_base.md"
    )


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_each_question_is_learnt_from_many_phrasings(name: str) -> None:
    assert len(set(EXAMPLES[name])) >= MIN_EXAMPLES


def test_no_phrasing_teaches_two_different_things() -> None:
    seen: dict[str, str] = {}
    clashes = []
    for message in TRAINING_DATA.intent_examples:
        label = message.get("intent_response_key") or message.get("intent")
        text = message.get("text")
        if seen.setdefault(text, label) != label:
            clashes.append((text, seen[text], label))
    assert not clashes


@pytest.mark.parametrize(
    ("name", "figures"),
    [
        ("cailing_fee", ["6元"]),
        ("gprs_rate", ["0.29元/MB"]),
        ("data_packs", ["10元1GB", "30元5GB", "5元1GB"]),
        ("plan_change_effective", ["次月1日"]),
        ("promo_300", ["58元"]),
        ("sms_codes", ["YE", "CXLL", "CXTC", "0000"]),
        ("transfer_where", ["营业厅"]),
    ],
)
def test_key_facts_are_stated_as_written(name: str, figures: list[str]) -> None:
    for figure in figures:
        assert figure in ANSWERS[name]
