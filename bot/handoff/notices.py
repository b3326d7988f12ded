"""What the desk and the channels' handoff gate say to customers, from
data/handoff/messages.yml: customer-facing Chinese text belongs in data, not in Python.

The file is read once per process and every template is checked on that first read, so a
missing key or a misspelt placeholder stops the desk at start-up instead of failing the first
customer who meets it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

MESSAGES_FILE = Path(__file__).resolve().parents[2] / "data" / "handoff" / "messages.yml"
# Each notice and the fields it is filled with.
FIELDS: dict[str, frozenset[str]] = {
    "queued": frozenset({"position"}),
    "agent_reply": frozenset({"agent", "text"}),
    "expired_with_ticket": frozenset({"ticket"}),
    "expired": frozenset(),
    "handed_back": frozenset(),
    "closed": frozenset(),
}


@cache
def templates(path: Path = MESSAGES_FILE) -> dict[str, str]:
    """The templates by name, checked: every notice present, no unknown placeholder."""
    loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    messages = loaded.get("handoff_messages") if isinstance(loaded, dict) else None
    if not isinstance(messages, dict):
        raise ValueError(f"{path}: no handoff_messages mapping")
    for name, fields in FIELDS.items():
        template = messages.get(name)
        if not isinstance(template, str) or not template.strip():
            raise ValueError(f"{path}: handoff_messages.{name} is missing")
        try:
            template.format(**{field: "x" for field in fields})
        except (KeyError, IndexError, ValueError) as error:
            raise ValueError(f"{path}: handoff_messages.{name}: bad placeholder {error}") from None
    return {name: messages[name] for name in FIELDS}


def notice(name: str, **fields: object) -> str:
    """A notice with its fields filled in; the values are inserted as they are (an agent's
    braces stay braces)."""
    return templates()[name].format(**fields)
