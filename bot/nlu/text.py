"""Pure text clean-up for colloquial Chinese customer messages; no Rasa here."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

_WHITESPACE = re.compile(r"\s+")
_DIGIT_OF = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_D = "[一二两三四五六七八九]"
# Numbers written with 十 or 百 (十八, 五十八, 一百二十八, 三百, 十月): customers write prices,
# months and minutes this way. Not 十分 ("very"), 十足, 十全十美, 十字 or 百分百.
_CHINESE_NUMBER = re.compile(
    rf"(?<![零一二两三四五六七八九十百全])"
    rf"(?:{_D}百(?:零{_D}|{_D}十{_D}?|{_D})?|{_D}?十{_D}?)"
    rf"(?![十百千万]|分(?!钟)|足|全|字)"
)
_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN_WORD = re.compile(r"[a-z]+")


@lru_cache(maxsize=1)
def _to_simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def _without_control_characters(text: str) -> str:
    return "".join(
        " " if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") else char for char in text
    )


def _number_value(numeral: str) -> int:
    hundreds, has_hundreds, rest = numeral.partition("百")
    if not has_hundreds:
        hundreds, rest = "", numeral
    value = _DIGIT_OF[hundreds] * 100 if hundreds else 0
    if rest.startswith("零"):  # 一百零八
        return value + _DIGIT_OF[rest[1:]]
    if "十" in rest:  # 十八, 五十八, 一百二十
        tens, _, ones = rest.partition("十")
        return value + (_DIGIT_OF[tens] if tens else 1) * 10 + (_DIGIT_OF[ones] if ones else 0)
    if rest:  # 二百五 is 250
        return value + _DIGIT_OF[rest] * (10 if hundreds else 1)
    return value


def chinese_numbers_to_digits(text: str) -> str:
    return _CHINESE_NUMBER.sub(lambda match: str(_number_value(match.group(0))), text)


class Corrections:
    """Typo → word replacements, compiled once: one alternation, longest key first (so
    花费余额 wins over a shorter overlapping key), Latin keys in any case."""

    def __init__(self, mapping: dict[str, str]) -> None:
        self._lookup = {key.lower(): value for key, value in mapping.items()}
        keys = sorted(mapping, key=len, reverse=True)
        self._pattern = (
            re.compile("|".join(re.escape(key) for key in keys), re.IGNORECASE) if keys else None
        )

    def apply(self, text: str) -> str:
        if self._pattern is None:
            return text
        return self._pattern.sub(lambda match: self._lookup[match.group(0).lower()], text)


def normalize(text: str, corrections: Corrections | None = None) -> str:
    """Full-width → half-width, traditional → simplified, 五十八 → 58, typos fixed, tidy spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = _without_control_characters(text)
    text = _to_simplified().convert(text)
    text = chinese_numbers_to_digits(text)
    if corrections is not None:
        text = corrections.apply(text)
    return _WHITESPACE.sub(" ", text).strip()


def has_chinese(text: str) -> bool:
    return bool(_CJK.search(text))


def latin_words(text: str) -> set[str]:
    return set(_LATIN_WORD.findall(text.lower()))
