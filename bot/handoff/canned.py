"""The desk's prepared replies, from data/handoff/canned.yml, found by a keyword and filled
from the conversation.

Checked on the first read like the notices (bot/handoff/notices.py): a reply with an unknown
placeholder stops the desk at start-up, not in front of an agent.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

CANNED_FILE = Path(__file__).resolve().parents[2] / "data" / "handoff" / "canned.yml"
PLACEHOLDERS = ("customer", "ticket", "agent")
# What a placeholder becomes when the conversation does not tell: the agent edits the reply.
UNKNOWN_CUSTOMER = "您"
UNKNOWN_TICKET = "【工单号】"


@dataclass(frozen=True)
class Canned:
    key: str
    title: str
    text: str

    def matches(self, query: str) -> bool:
        folded = query.strip().lower()
        return not folded or any(
            folded in field.lower() for field in (self.key, self.title, self.text)
        )

    def filled(self, values: dict[str, str]) -> dict[str, str]:
        return {"key": self.key, "title": self.title, "text": self.text.format(**values)}


@cache
def canned_replies(path: Path = CANNED_FILE) -> tuple[Canned, ...]:
    loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = loaded.get("canned_replies") if isinstance(loaded, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{path}: no canned_replies list")
    replies = []
    for entry in entries:
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(field), str) and entry[field].strip()
            for field in ("key", "title", "text")
        ):
            raise ValueError(f"{path}: every canned reply needs a key, a title and a text")
        try:
            entry["text"].format(**{name: "x" for name in PLACEHOLDERS})
        except (KeyError, IndexError, ValueError) as error:
            raise ValueError(f"{path}: {entry['key']}: bad placeholder {error}") from None
        replies.append(Canned(entry["key"], entry["title"], entry["text"]))
    if len({reply.key for reply in replies}) != len(replies):
        raise ValueError(f"{path}: canned reply keys must differ")
    return tuple(replies)


def placeholder_values(
    surname: str | None, ticket: str | None, agent: str | None
) -> dict[str, str]:
    return {
        "customer": f"{surname}先生/女士" if surname else UNKNOWN_CUSTOMER,
        "ticket": ticket or UNKNOWN_TICKET,
        "agent": agent or "",
    }


def search(query: str, values: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """The replies matching `query`, filled with `values` (placeholders left as they are
    without them, for a tool that fills them itself)."""
    found = [reply for reply in canned_replies() if reply.matches(query)]
    if values is None:
        return [{"key": r.key, "title": r.title, "text": r.text} for r in found]
    return [reply.filled(values) for reply in found]
