"""Handoffs to human agents and their messages in SQLite, and every operation of the desk.

Each public method is one API operation returning JSON-ready dicts, or raising a refusal that
names the API error code (bot/service_errors.py). The clock is injected so that expiry and
presence can be tested without waiting.

`HandoffStore` is composed of one class per responsibility, each in its module:
- records.py: the schema (and its migration from version 1), the records and their checks
  (`HandoffRecords`, the base of the others);
- lifecycle.py: opening, the gate's inbound messages and outboxes, claim, reply, hand-back,
  close and expiry (`Lifecycle`);
- annotations.py: a handoff with its notes, reveals and suggestions (`Annotations`);
- history.py: searching ended handoffs (`History`);
- presence.py: who is online, and the service hours (`Presence`);
- reviews.py: the operators' decisions on misunderstood messages (`Reviews`).
"""

from __future__ import annotations

from bot.handoff.annotations import Annotations
from bot.handoff.history import History
from bot.handoff.lifecycle import Lifecycle
from bot.handoff.presence import Presence
from bot.handoff.records import SCHEMA_VERSION, TEXT_MAX
from bot.handoff.reviews import Reviews

__all__ = ["SCHEMA_VERSION", "TEXT_MAX", "HandoffStore"]


class HandoffStore(Lifecycle, Annotations, History, Presence, Reviews):
    """The desk's database; one connection, shared by the desk's handlers and its tasks."""
