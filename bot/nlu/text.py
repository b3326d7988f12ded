"""Pure text clean-up for colloquial Chinese customer messages; no Rasa here."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

_WHITESPACE = re.compile(r"\s+")
_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN_WORD = re.compile(r"[a-z]+")


@lru_cache(maxsize=1)
def _to_simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def _without_control_characters(text: str) -> str:
    return "".join(
        " " if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") else char for char in text
    )


def compile_corrections(corrections: dict[str, str]) -> re.Pattern[str] | None:
    """One alternation, longest key first, so 花费余额 wins over a shorter overlapping key."""
    if not corrections:
        return None
    keys = sorted(corrections, key=len, reverse=True)
    return re.compile("|".join(re.escape(key) for key in keys), re.IGNORECASE)


def normalize(
    text: str,
    corrections: dict[str, str] | None = None,
    pattern: re.Pattern[str] | None = None,
) -> str:
    """Full-width → half-width, traditional → simplified, typos fixed, spacing tidied."""
    text = unicodedata.normalize("NFKC", text)
    text = _without_control_characters(text)
    text = _to_simplified().convert(text)
    if corrections:
        pattern = pattern or compile_corrections(corrections)
        lookup = {key.lower(): value for key, value in corrections.items()}
        text = pattern.sub(lambda match: lookup[match.group(0).lower()], text)
    return _WHITESPACE.sub(" ", text).strip()


def has_chinese(text: str) -> bool:
    return bool(_CJK.search(text))


def latin_words(text: str) -> set[str]:
    return set(_LATIN_WORD.findall(text.lower()))
