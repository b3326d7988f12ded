"""What the operator page shows and does: the report's figures for the last days, and the
review queue of misunderstood messages with the decisions on them.

The figures are computed from the stores at each request (bot/report/sources.py): the page
asks every few seconds, and a small deployment's tracker store answers in milliseconds. A
decision is kept in the desk's store (bot/handoff/reviews.py) and an assigned message is
written to the reviewed training data (bot/ops/reviewed.py) in the same request.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.clock import local_now
from bot.handoff.store import HandoffStore
from bot.ops.reviewed import add_example
from bot.ops.targets import targets
from bot.report.outcomes import misunderstood
from bot.report.sources import build, conversations_in, period_of
from bot.service_errors import InvalidInput, NotFound

SUMMARY_DAYS = 7
REVIEW_DAYS = 30


@dataclass
class OpsConsole:
    store: HandoffStore
    reviewed_file: Path
    # One decision at a time: two operators' clicks must not both rewrite reviewed.yml.
    _deciding: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def summary(self) -> dict[str, Any]:
        return build(period_of(None, None, local_now().date(), SUMMARY_DAYS))

    def queue(self) -> list[dict[str, Any]]:
        """The misunderstood messages of the last REVIEW_DAYS not yet decided."""
        period = period_of(None, None, local_now().date(), REVIEW_DAYS)
        decided = self.store.decided()
        missed = misunderstood(conversations_in(period))
        return [item for item in missed if item["key"] not in decided]

    def decide(self, key: Any, decision: Any, target: Any, operator: Any) -> dict[str, Any]:
        with self._deciding:
            return self._decide(key, decision, target, operator)

    def _decide(self, key: Any, decision: Any, target: Any, operator: Any) -> dict[str, Any]:
        item = next((i for i in self.queue() if i["key"] == key), None)
        if item is None:
            decided = self.store.decided().get(key) if isinstance(key, str) else None
            if decided is not None:
                return {"review": decided, "already": True}
            raise NotFound("unknown_review")
        if decision == "assigned" and target not in targets():
            raise InvalidInput("invalid_body", field="target")
        example = None
        if decision == "assigned":  # written first: a decision is never without its example
            example = add_example(self.reviewed_file, target, item["text"])
        review = self.store.decide(key, item["text"], decision, target, operator)
        return {"review": {**review, "example": example}, "already": False}
