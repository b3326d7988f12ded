"""What the understanding decides to say: responses of domain.yml with their values."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# Fills a response of domain.yml: texts("utter_plan_line", name=…) → its first text, filled.
Texts = Callable[..., str]


@dataclass(frozen=True)
class Reply:
    response: str
    values: dict[str, Any] = field(default_factory=dict)
    # (title, payload): quick replies on web chat, numbered options on SMS
    buttons: tuple[tuple[str, str], ...] = ()


def texts_from(responses: Mapping[str, Any]) -> Texts:
    """Fills a response (its first text) of a domain's responses."""

    def texts(response: str, /, **values: Any) -> str:
        return str(responses[response][0]["text"]).format(**values)

    return texts
