"""What the conversation was last about, kept in the `dialogue_context` slot.

The topic, the plans and the kind of question last answered let a follow-up ("那88的呢",
"月包呢", "那不想要了咋弄") be read against them; `misses` counts the customer's messages in a
row that the assistant could not place, so that the second offers a human.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

SLOT = "dialogue_context"


@dataclass(frozen=True)
class Context:
    topic: str | None = None
    aspect: str | None = None
    faq: str | None = None
    plans: tuple[str, ...] = ()
    attribute: str | None = None  # of a plan: minutes, data, fee, cailing
    misses: int = 0
    month: str | None = None  # the bill last shown, 2026-10

    @classmethod
    def from_slot(cls, value: Any) -> Context:
        if not isinstance(value, dict):
            return cls()
        known = {key: value[key] for key in cls.__dataclass_fields__ if key in value}
        known["plans"] = tuple(known.get("plans") or ())
        try:
            known["misses"] = int(known.get("misses") or 0)
        except (TypeError, ValueError):
            known["misses"] = 0
        return cls(**known)

    def as_slot(self) -> dict[str, Any]:
        slot = asdict(self)
        slot["plans"] = list(self.plans)
        return slot
