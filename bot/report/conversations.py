"""The customers' conversations of a period, read back from the tracker store's events.

Rasa's SQL tracker store keeps one row per event (`events`: sender, type, timestamp, JSON
data); a conversation here is one sender's customer messages in the period, each with what
the assistant answered before the next one (the `utter_action` of its bot messages) and what
the NLU guessed (the ResponseSelector's ranking). Read-only: a report never writes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy

EVENTS_QUERY = sqlalchemy.text(
    """SELECT sender_id, type_name, timestamp, data FROM events
       WHERE timestamp >= :since AND timestamp < :until AND type_name IN ('user', 'bot')
       ORDER BY id"""
)


@dataclass
class Turn:
    """One customer message and the assistant's answers to it."""

    text: str
    intent: str | None
    at: float
    ranking: tuple[tuple[str, float], ...]  # FAQ answers the NLU guessed, most likely first
    answers: list[str] = field(default_factory=list)  # the responses the bot gave
    rating: str | None = None  # the answer to the rating question (actions/satisfaction.py)


@dataclass
class Conversation:
    sender: str
    channel: str
    turns: list[Turn] = field(default_factory=list)


def _ranking(parse_data: dict[str, Any]) -> tuple[tuple[str, float], ...]:
    selector = ((parse_data.get("response_selector") or {}).get("faq")) or {}
    ranked = []
    for entry in selector.get("ranking") or []:
        key = str(entry.get("intent_response_key") or "")
        if key.startswith("faq/"):
            ranked.append((key.removeprefix("faq/"), float(entry.get("confidence") or 0)))
    return tuple(ranked)


def _rating(event: dict[str, Any]) -> str | None:
    for entity in event.get("parse_data", {}).get("entities") or []:
        if entity.get("entity") == "rating":
            return str(entity.get("value"))
    return None


def conversations_of(rows: Iterable[tuple[str, str, float, str]]) -> list[Conversation]:
    """Events (sender, type, timestamp, JSON data), in order, as conversations."""
    found: dict[str, Conversation] = {}
    for sender, kind, at, data in rows:
        event = json.loads(data)
        if kind == "user" and (event.get("metadata") or {}).get("is_external"):
            continue  # a channel's word to the bot (handoff_ended), not the customer's
        if kind == "user":
            parse_data = event.get("parse_data") or {}
            channel = str(event.get("input_channel") or "unknown")
            conversation = found.setdefault(sender, Conversation(sender, channel))
            intent = (parse_data.get("intent") or {}).get("name")
            text = str(event.get("text") or "")
            turn = Turn(text, intent, float(at), _ranking(parse_data), rating=_rating(event))
            conversation.turns.append(turn)
        elif sender in found and found[sender].turns:
            response = (event.get("metadata") or {}).get("utter_action")
            if response:
                found[sender].turns[-1].answers.append(str(response))
    return list(found.values())


def load_conversations(tracker_url: str, since_ts: float, until_ts: float) -> list[Conversation]:
    engine = sqlalchemy.create_engine(tracker_url)
    try:
        with engine.connect() as connection:
            inspector = sqlalchemy.inspect(connection)
            if not inspector.has_table("events"):
                return []  # nobody has talked to this assistant yet
            rows = connection.execute(EVENTS_QUERY, {"since": since_ts, "until": until_ts})
            return conversations_of((row[0], row[1], row[2], row[3]) for row in rows)
    finally:
        engine.dispose()
