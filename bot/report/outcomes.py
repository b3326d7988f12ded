"""How the assistant did in a period: the figures of report.json, each defined in
docs/report.md, computed from the conversations (the tracker store), the desk's handoffs and
the account service's tickets.

Texts are masked as in the logs (bot/privacy.py): a report is shared more widely than logs.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.privacy import mask_personal_data
from bot.report.conversations import Conversation, Turn
from bot.understanding.frame import plain
from bot.understanding.reviewed import reviewed_key
from bot.understanding.words import vocabulary

# What the assistant says when it could not place a message: a miss.
MISS_RESPONSES = frozenset(
    {"utter_clarify_none", "utter_out_of_scope", "utter_offer_human_after_misses"}
)
FAQ_PREFIX = "utter_faq/"
ASK_RATING = "utter_ask_rating"
RATINGS = ("satisfied", "neutral", "unsatisfied")
TOP = 10
GUESSES = 3


@dataclass(frozen=True)
class Period:
    since: datetime
    until: datetime  # exclusive

    def as_json(self) -> dict[str, str]:
        return {
            "since": self.since.isoformat(timespec="seconds"),
            "until": self.until.isoformat(timespec="seconds"),
        }

    def holds(self, iso_time: str) -> bool:
        return self.since <= datetime.fromisoformat(iso_time) < self.until


def is_miss(turn: Turn) -> bool:
    return bool(MISS_RESPONSES.intersection(turn.answers))


def rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _title(name: str) -> str:
    question = vocabulary().questions.get(name)
    return question.title if question else name


def misunderstood(conversations: list[Conversation]) -> list[dict[str, Any]]:
    """The missed messages grouped when they read the same once normalised (case, width,
    punctuation, typos), most frequent first, each with the NLU's best guesses."""
    groups: dict[str, list[Turn]] = {}
    for conversation in conversations:
        for turn in conversation.turns:
            if is_miss(turn):
                groups.setdefault(reviewed_key(turn.text), []).append(turn)
    listed = []
    for turns in sorted(groups.values(), key=lambda group: (-len(group), group[0].at)):
        guesses = [
            {"answer": name, "title": _title(name), "confidence": round(confidence, 3)}
            for name, confidence in turns[0].ranking[:GUESSES]
        ]
        text = mask_personal_data(turns[0].text)
        # The group's name for the review queue: of the masked text, so that it shows nothing.
        key = hashlib.sha256(plain(text).encode()).hexdigest()[:16]
        listed.append({"key": key, "text": text, "count": len(turns), "guesses": guesses})
    return listed


def csat(conversations: list[Conversation]) -> dict[str, Any]:
    """Conversations asked for a rating, those that gave one, and their first ratings."""
    asked = answered = 0
    ratings: Counter[str] = Counter()
    for conversation in conversations:
        turns = conversation.turns
        was_asked = any(ASK_RATING in turn.answers for turn in turns)
        rating = next((turn.rating for turn in turns if turn.rating in RATINGS), None)
        asked += was_asked or rating is not None
        if rating is not None:
            answered += 1
            ratings[rating] += 1
    return {
        "asked": asked,
        "answered": answered,
        **{r: ratings[r] for r in RATINGS},
        "response_rate": rate(answered, asked),
        "satisfaction_rate": rate(ratings["satisfied"], answered),
    }


def outcomes(
    period: Period,
    conversations: list[Conversation],
    handoffs: list[dict[str, Any]],
    tickets: list[dict[str, Any]],
) -> dict[str, Any]:
    """The report's figures. `handoffs`: the desk's opened in the period (an unstaffed
    request has status `unstaffed`); `tickets`: all the account service's."""
    talked = [conversation for conversation in conversations if conversation.turns]
    senders = {conversation.sender for conversation in talked}
    queued = [h for h in handoffs if h["status"] != "unstaffed" and h["sender"] in senders]
    unstaffed = [h for h in handoffs if h["status"] == "unstaffed" and h["sender"] in senders]
    handed_off = {h["sender"] for h in queued}
    wanted_human = handed_off | {h["sender"] for h in unstaffed}
    turns = [turn for conversation in talked for turn in conversation.turns]
    misses = [turn for turn in turns if is_miss(turn)]
    abandoned = [c for c in talked if c.sender not in wanted_human and is_miss(c.turns[-1])]
    answered = Counter(
        answer.removeprefix(FAQ_PREFIX)
        for turn in turns
        for answer in turn.answers
        if answer.startswith(FAQ_PREFIX)
    )
    by_day = Counter(
        datetime.fromtimestamp(c.turns[0].at, period.since.tzinfo).date().isoformat()
        for c in talked
    )
    reasons = Counter((h["reason"] or {}).get("kind", "unrecorded") for h in queued)
    complaints = Counter(t["category"] for t in tickets if period.holds(t["created_at"]))
    return {
        "period": period.as_json(),
        "conversations": len(talked),
        "customer_messages": len(turns),
        "by_day": dict(sorted(by_day.items())),
        "by_channel": dict(Counter(c.channel for c in talked).most_common()),
        "contained": len(talked) - len(wanted_human),
        "containment_rate": rate(len(talked) - len(wanted_human), len(talked)),
        "handoffs": len(queued),
        "handoff_rate": rate(len(handed_off), len(talked)),
        "handoffs_by_reason": dict(reasons.most_common()),
        "unstaffed_requests": len(unstaffed),
        "misunderstood_messages": len(misses),
        "fallback_rate": rate(len(misses), len(turns)),
        "abandoned": len(abandoned),
        "abandonment_rate": rate(len(abandoned), len(talked)),
        "top_questions": [
            {"answer": name, "title": _title(name), "count": count}
            for name, count in answered.most_common(TOP)
        ],
        "misunderstood": misunderstood(talked),
        "complaints_by_category": dict(complaints.most_common()),
        "csat": csat(talked),
    }
