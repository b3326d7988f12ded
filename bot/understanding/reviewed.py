"""The messages operators assigned to an answer in the review queue (data/nlu/reviewed.yml,
bot/ops): the assistant answers such a message as assigned from then on.

The operator has already said what the message asks, so it gets that answer at once, before
any retraining; the next `make train` learns it too (the domain gate lets a message the
training data teaches as an FAQ question through, though it has no telecom word:
bot/nlu/domain_gate.py). The file is read again whenever it changes.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from bot import settings
from bot.understanding.frame import plain

FAQ_PREFIX = "faq/"
_TRAILING = " ?？!！。.,，~"


def examples_in(path: Path) -> dict[str, list[str]]:
    if not path.exists():
        return {}
    loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found: dict[str, list[str]] = {}
    for entry in loaded.get("nlu") or []:
        lines = str(entry.get("examples") or "").splitlines()
        found[entry["intent"]] = [line.removeprefix("- ").strip() for line in lines if line.strip()]
    return found


def reviewed_key(text: str) -> str:
    """A message as the review queue groups it: normalised, without trailing punctuation."""
    return plain(text).strip(_TRAILING)


@lru_cache(maxsize=4)
def _answers(path: Path, changed: float) -> dict[str, str]:
    answers = {}
    for target, examples in examples_in(path).items():
        if target.startswith(FAQ_PREFIX):
            for example in examples:
                answers[reviewed_key(example)] = target.removeprefix(FAQ_PREFIX)
    return answers


def reviewed_answer(text: str, path: Path | None = None) -> str | None:
    """The FAQ answer an operator assigned this message to, or None."""
    location = path or settings.path("REVIEWED_NLU_FILE")
    try:
        changed = location.stat().st_mtime
    except OSError:
        return None
    return _answers(location, changed).get(reviewed_key(text))
