"""The vocabulary of data/understanding/, compiled once per process."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = ROOT / "data" / "understanding"
# The action that answers questions (actions/answer.py), and the retrieval response of the
# FAQ answers (utter_faq/<name>) it sends.
ANSWER_ACTION = "action_answer"
FAQ_RESPONSE = "utter_faq"


def _alternation(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns))


@dataclass(frozen=True)
class Question:
    """One FAQ answer: what it is about and what it answers (questions.yml)."""

    name: str
    topic: str
    aspects: tuple[str, ...]
    subject: str | None
    related: tuple[str, ...]  # other topics it answers for: 含彩铃的套餐 is also about plans
    title: str
    ask: str

    @property
    def response(self) -> str:
        return f"{FAQ_RESPONSE}/{self.name}"


@dataclass(frozen=True)
class Situation:
    name: str
    when: re.Pattern[str]
    account_action: str
    unless: frozenset[str] = frozenset()  # aspects that make it a general question


@dataclass(frozen=True)
class Vocabulary:
    topics: dict[str, re.Pattern[str]]
    aspects: dict[str, re.Pattern[str]]
    questions: dict[str, Question]
    answer_threshold: float
    near_domain: re.Pattern[str]
    situations: tuple[Situation, ...]
    personal_follow_ups: dict[str, Situation]  # by the topic of the last account answer
    personal_requests: dict[str, re.Pattern[str]]  # account action → what names it
    personal_follow_up_words: dict[str, re.Pattern[str]]
    plans: dict[str, Any]  # the `plans:` section, compiled by bot.understanding.plans

    def questions_about(self, topic: str) -> list[Question]:
        return [question for question in self.questions.values() if question.topic == topic]


def _read(name: str) -> dict[str, Any]:
    return yaml.safe_load((DATA_DIR / name).read_text(encoding="utf-8")) or {}


@cache
def vocabulary() -> Vocabulary:
    words, questions = _read("words.yml"), _read("questions.yml")["questions"]
    return Vocabulary(
        topics={name: _alternation(patterns) for name, patterns in words["topics"].items()},
        aspects={name: _alternation(patterns) for name, patterns in words["aspects"].items()},
        questions={
            name: Question(
                name=name,
                topic=entry["topic"],
                aspects=tuple(entry["aspects"]),
                subject=entry.get("subject"),
                related=tuple(entry.get("related") or ()),
                title=entry["title"],
                ask=entry["ask"],
            )
            for name, entry in questions.items()
        },
        answer_threshold=float(words["answer_threshold"]),
        near_domain=_alternation(words["near_domain"]),
        situations=tuple(
            Situation(
                name,
                _alternation(entry["when"]),
                entry["account_action"],
                frozenset(entry.get("unless") or ()),
            )
            for name, entry in words["situations"].items()
        ),
        personal_follow_ups={
            topic: Situation(topic, _alternation(entry["when"]), entry["account_action"])
            for topic, entry in words["personal_follow_ups"].items()
        },
        personal_requests={
            action: _alternation(patterns)
            for action, patterns in words["personal_requests"].items()
        },
        personal_follow_up_words={
            action: _alternation(patterns)
            for action, patterns in words["personal_follow_up_words"].items()
        },
        plans=words["plans"],
    )


def personal_requests_in(text: str, follow_up: bool = False) -> list[str]:
    """The account actions a (plain) message asks for by name, in the order named; with
    `follow_up`, also by the short words of a follow-up ("流量呢")."""
    words = vocabulary()
    patterns = words.personal_follow_up_words if follow_up else words.personal_requests
    found = sorted(
        (match.start(), action)
        for action, pattern in patterns.items()
        if (match := pattern.search(text))
    )
    return list(dict.fromkeys(action for _, action in found))
