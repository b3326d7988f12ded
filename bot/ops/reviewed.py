"""data/nlu/reviewed.yml: the customers' messages an operator assigned, as Rasa training
data (one place, reviewed in git like any data; the next `make train` learns them)."""

from __future__ import annotations

from pathlib import Path

from bot.privacy import mask_personal_data
from bot.understanding.reviewed import examples_in

HEADER = (
    "# Written by the operators' review queue (the agent desk's /ops page): messages the\n"
    "# assistant missed, each assigned by an operator to what it asks. Reviewed in git like any\n"
    "# data; `make train` learns them. Personal data is masked.\n"
)


def add_example(path: Path, target: str, text: str) -> str:
    """Adds the message (masked, on one line) under its intent; returns it as written."""
    example = " ".join(mask_personal_data(text).split())
    examples = examples_in(path)
    kept = examples.setdefault(target, [])
    if example not in kept:
        kept.append(example)
    lines = [HEADER, 'version: "3.1"', "nlu:"]
    for intent in sorted(examples):
        lines.append(f"- intent: {intent}")
        lines.append("  examples: |")
        lines += [f"    - {line}" for line in examples[intent]]
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text("\n".join(lines) + "\n", encoding="utf-8")
    temporary.replace(path)  # never half a file
    return example
