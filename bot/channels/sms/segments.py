"""Splitting replies for phones.

A phone counts a Chinese SMS in UCS-2 code units: 70 fit in one message; a longer text is sent
as a concatenated message whose parts carry a header, leaving 67 units each. Characters outside
the Basic Multilingual Plane (most emoji) take two units and are never cut in half.
"""

from __future__ import annotations

SINGLE_LIMIT = 70
PART_LIMIT = 67
# Where a part may end, best first: a line break, then the end of a sentence or clause.
BREAKS = ("\n", "。！？!?", "；;，,、")
# A break is taken only if it keeps at least this much of the part, else the part is cut hard.
MIN_FILL = 0.5


def units(text: str) -> int:
    """Length as a phone counts it (UCS-2 code units)."""
    return sum(2 if ord(char) > 0xFFFF else 1 for char in text)


def _fitting_prefix(text: str, limit: int) -> int:
    """How many characters of `text` fit in `limit` units."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            return index
    return len(text)


def _best_end(window: str) -> int:
    """Where to end a part within `window`: after the best break in its latter half."""
    for breaks in BREAKS:
        for index in range(len(window) - 1, int(len(window) * MIN_FILL) - 1, -1):
            if window[index] in breaks:
                return index + 1
    return len(window)


def split(text: str) -> list[str]:
    """The parts to send; joined, they give `text` back exactly. A text of at most 70 units is
    one part, otherwise every part has at most 67."""
    if units(text) <= SINGLE_LIMIT:
        return [text] if text else []
    parts = []
    rest = text
    while rest:
        fit = _fitting_prefix(rest, PART_LIMIT)
        end = fit if fit == len(rest) else _best_end(rest[:fit])
        parts.append(rest[:end])
        rest = rest[end:]
    return parts
