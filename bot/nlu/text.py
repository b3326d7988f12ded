"""Pure text clean-up for colloquial Chinese customer messages; no Rasa here.

normalize() runs on every message (TextNormalizer, actions), so every pattern is compiled
once here and characters are classified once each (a cached str.translate table).
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections.abc import Callable, Mapping
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
# Rasa's INTENT_MESSAGE_PREFIX and an intent name (this module imports nothing of Rasa's).
_INTENT_MESSAGE = re.compile(r"\s*/[A-Za-z_]")
# A letter, digit or Chinese character: what a message must keep to still say something.
_MEANINGFUL = re.compile(r"[^\W_]")

# --- Markup around a question (pasted from a web page, an app, a code snippet) -----------
# Only entities with their semicolon: "AT&T" or "流量&话费" are text, not entities.
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# Elements whose content is never the question; unclosed ones keep their content.
_DROPPED_ELEMENT = re.compile(
    r"<(script|style)\b[^>]*>.*?</\1\s*>|<!--.*?-->", re.IGNORECASE | re.DOTALL
)
# A tag's name is Latin, so "<彩铃>" or "<3" are not tags.
_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)(?:\s[^<>]*)?/?>")
# Inline tags sit inside a word ("<b>彩铃</b>收费"): removed without leaving a space.
_INLINE_TAG = re.compile(
    r"a|abbr|b|big|code|del|em|font|i|ins|kbd|mark|q|s|samp|small|span|strike|strong|sub|sup"
    r"|tt|u|var",
    re.IGNORECASE,
)
# An opening fence's language name must end its line: "```cl咋收费```" keeps its "cl".
_FENCE_LANGUAGE = re.compile(r"```[A-Za-z0-9_+#.-]*[ \t]*\n")
_MARKDOWN_BOLD = re.compile(r"\*\*([^*#\n]+?)\*\*|__([^_\n]+?)__")
# Only whole runs that decode without a lone surrogate (a half emoji) are decoded.
_UNICODE_ESCAPES = re.compile(r"(?:\\u[0-9a-fA-F]{4})+")
_STRING_LITERAL = re.compile(
    r'"((?:[^"\\\n]|\\.)*)"|\'((?:[^\'\\\n]|\\.)*)\'|“([^”\n]*)”|‘([^’\n]*)’'
)
_LITERAL_ESCAPE = re.compile(r"\\(.)")
# Outside its string literals, code or JSON has at least one of these.
_CODE_PUNCTUATION = re.compile(r"[{}\[\]()=:;]")

# --- Characters: one str.translate pass per message ------------------------------------
# Emoji glue: variation selectors, the keycap mark, skin tones, the zero-width joiner.
_EMOJI_PARTS = frozenset(
    [0xFE0E, 0xFE0F, 0x20E3, 0x200D, *range(0x1F3FB, 0x1F400), *range(0xE0020, 0xE0080)]
)
_KEPT_SYMBOLS = frozenset("°")  # 30°C after NFKC of ℃
# Line breaks stay until the markup is gone (a code fence ends its line); spaces later.
_KEPT_CONTROLS = frozenset("\t\n\v\f\r")
_TABLE_LIMIT = 20_000  # characters remembered per table; rarer ones are classified each time

# --- Punctuation -----------------------------------------------------------------------
# A run of sentence marks ("？？？", "!!!", "~~~", "。。。", "?!?!") becomes one, a question
# stays a question; other marks repeated (",,," "、、" "---" "===") become one. Not * and #
# (USSD codes like **21*…#) nor / (https://).
_REPEATED_MARKS = re.compile(r"[!?。.~〜]{2,}|([,、;:\-_=+|\\^])\1+")


@lru_cache(maxsize=1)
def _to_simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


class _CharTable(dict[int, str]):
    """A str.translate table that classifies each character the first time it is seen, so a
    message costs one C-level pass instead of a Python loop over unicodedata.category."""

    def __init__(self, replacement: Callable[[str], str]) -> None:
        super().__init__()
        self._replacement = replacement

    def __missing__(self, code: int) -> str:
        value = self._replacement(chr(code))
        if len(self) < _TABLE_LIMIT:
            self[code] = value
        return value


def _control_to_space(char: str) -> str:
    """Control, format and line/paragraph separators are word breaks (\\n, ZWSP, ...)."""
    return " " if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") else char


def _plain_character(char: str) -> str:
    """NFKC of one character (，→ , Ａ → A), without emoji and pictographs (category So):
    they carry no question. Control characters are word breaks."""
    kept: list[str] = []
    for part in unicodedata.normalize("NFKC", char):
        if ord(part) in _EMOJI_PARTS:
            continue
        if unicodedata.category(part) == "So" and part not in _KEPT_SYMBOLS:
            continue
        kept.append(part if part in _KEPT_CONTROLS else _control_to_space(part))
    return "".join(kept)


_CONTROLS = _CharTable(_control_to_space)
# NFKC character by character and then NFKC of the result is NFKC of the text, but NFKC of a
# whole message that has something to change (every Chinese message has a "，") is ~50x
# slower than a look-up per character and NFKC of what is then already normal.
_PLAIN = _CharTable(_plain_character)


def _without_control_characters(text: str) -> str:
    return text.translate(_CONTROLS)


def _plain_characters(text: str) -> str:
    return unicodedata.normalize("NFKC", text.translate(_PLAIN))


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
    if "十" not in text and "百" not in text:  # the pattern needs one; most messages have none
        return text
    return _CHINESE_NUMBER.sub(lambda match: str(_number_value(match.group(0))), text)


def _unescape_entity(match: re.Match[str]) -> str:
    """&#65311; is a full-width ？, &#128545; an emoji: cleaned like the rest of the text."""
    return _plain_characters(html.unescape(match.group(0)))


def _tag_replacement(match: re.Match[str]) -> str:
    return "" if _INLINE_TAG.fullmatch(match.group(1)) else " "


def _decode_unicode_escapes(match: re.Match[str]) -> str:
    decoded: str = json.loads(f'"{match.group(0)}"')
    if any(0xD800 <= ord(char) <= 0xDFFF for char in decoded):
        return match.group(0)
    return _plain_characters(decoded)


def _literal_text(literal: str) -> str:
    return _LITERAL_ESCAPE.sub(lambda m: " " if m.group(1) in "ntr" else m.group(1), literal)


def _unwrap_code(text: str) -> str:
    """{"question": "彩铃怎么收费"} or print("流量超了") → the Chinese string(s) inside.

    Only when no Chinese is outside the string literals and the outside looks like code
    (brackets, =, :, ;): 他说"彩铃"怎么收费 is a sentence and stays whole.
    """
    literals = [
        next(part for part in match.groups() if part is not None)
        for match in _STRING_LITERAL.finditer(text)
    ]
    chinese = [_literal_text(literal) for literal in literals if _CJK.search(literal)]
    if not chinese:
        return text
    outside = _STRING_LITERAL.sub(" ", text)
    if _CJK.search(outside) or not _CODE_PUNCTUATION.search(outside):
        return text
    return " ".join(chinese)


def _without_markup(text: str) -> str:
    """HTML, entities, markdown and code around a question removed; its Chinese never is.

    Each step is skipped unless its trigger character is present: most messages have none.
    """
    if "&" in text:
        text = _ENTITY.sub(_unescape_entity, text)
    if "<" in text:
        dropped = _DROPPED_ELEMENT.sub(" ", text)
        # <script>彩铃怎么收费</script> alone: its content is all the question there is.
        if dropped != text and (_CJK.search(dropped) or not _CJK.search(text)):
            text = dropped
        text = _TAG.sub(_tag_replacement, text)
    if "`" in text:
        text = _FENCE_LANGUAGE.sub("\n", text).replace("`", "")
    if "**" in text or "__" in text:
        text = _MARKDOWN_BOLD.sub(lambda match: match.group(1) or match.group(2), text)
    if "\\u" in text:
        text = _UNICODE_ESCAPES.sub(_decode_unicode_escapes, text)
    if any(quote in text for quote in "\"'“‘"):
        text = _unwrap_code(text)
    return text


def _one_mark(match: re.Match[str]) -> str:
    run = match.group(0)
    return "?" if "?" in run else run[0]


def _collapse_punctuation(text: str) -> str:
    return _REPEATED_MARKS.sub(_one_mark, text)


# --- Corrections -------------------------------------------------------------------------
# A key made only of these is a Latin word (ll, gprs, cai ling, 5g): matched as whole words.
_LATIN_KEY = re.compile(r"[A-Za-z0-9]+(?: [A-Za-z0-9]+)*")
_ASCII_LETTER = re.compile(r"[A-Za-z]")
# Latin words end at anything but a Latin letter ("cl咋收费", "tc58"), except where the
# letters are part of an English contraction (I'll), an e-mail, an identifier or a web
# address (www.tc.com, cailing-fee, faq/gprs_what).
_LATIN_BEFORE = r"(?<![A-Za-z'’_@])(?<![A-Za-z0-9][./-])"
_LATIN_AFTER = r"(?![A-Za-z'’_@])(?![./-][A-Za-z0-9])"
# Where Latin keys can be: Latin letters with the digits, spaces and joiners around them. Its
# ends border on Chinese or punctuation, which are word boundaries for the keys inside.
_LATIN_STRETCH = re.compile(r"[A-Za-z0-9'’_@./\s-]*[A-Za-z][A-Za-z0-9'’_@./\s-]*")
# A longer phrase of Latin keys that longest-key-first cannot split is left as it is: the
# split that backtracks takes time growing with the square of the length.
_LONGEST_BACKTRACKED_PHRASE = 100


def _latin_key_pattern(key: str) -> str:
    """A space between pinyin syllables matches any spacing: "cai ling" is also "cailing"."""
    return r"\s*".join(re.escape(part) for part in key.split())


def _folded(latin: str) -> str:
    return _WHITESPACE.sub("", latin).lower()


def _folded_length(key: str) -> int:
    return len(_folded(key))


def _is_chinese_edge(text: str, index: int) -> bool:
    return bool(text) and bool(_CJK.match(text[index]))


class Corrections:
    """Typo → word replacements, each kind compiled once into one pattern.

    Chinese keys match anywhere, longest first (so 花费余额 wins over a shorter overlapping
    key). Latin keys (letters, digits and spaces: ll, gprs, cai ling) match in any case and as
    whole Latin words only, so the SMS codes CXLL or QXGPRS are never rewritten from inside;
    a Chinese character or digit next to them is a word boundary ("cl咋收费"). Consecutive
    Latin keys are read as one phrase ("cailingzenmeshoufei" → 彩铃怎么收费). Latin keys are
    looked for only inside the message's Latin stretches: a pattern of many keys tried at
    every Chinese character would cost more than the rest of normalize().
    """

    def __init__(self, mapping: Mapping[str, str]) -> None:
        self._lookup: dict[str, str] = {}
        self._latin: dict[str, str] = {}
        latin: list[str] = []
        for key, value in mapping.items():
            if _LATIN_KEY.fullmatch(key) and _ASCII_LETTER.search(key):
                folded = _folded(key)
                if self._latin.get(folded, value) != value:
                    raise ValueError(f"correction {key!r} reads as another key's {folded!r}")
                self._latin[folded] = value
                latin.append(key)
            else:
                self._lookup[key.lower()] = value
        self._chinese = _alternation(sorted(map(re.escape, self._lookup), key=len, reverse=True))
        # Customers use the same few abbreviations: each Latin stretch is read once.
        self._expanded_stretch = lru_cache(maxsize=4096)(self._expand_stretch)
        self._latin_phrase: re.Pattern[str] | None = None
        self._latin_key: re.Pattern[str] | None = None
        self._latin_key_of_phrase: re.Pattern[str] | None = None
        if latin:
            keys = "|".join(
                _latin_key_pattern(key) for key in sorted(latin, key=_folded_length, reverse=True)
            )
            phrase = rf"(?:{keys})(?:\s*(?:{keys}))*"
            self._latin_phrase = re.compile(
                rf"{_LATIN_BEFORE}{phrase}{_LATIN_AFTER}", re.IGNORECASE
            )
            # A phrase's keys one at a time, longest first; where that leaves a rest that is
            # no phrase (keys ab, abc and cd in "abcd"), each key followed by a whole phrase.
            self._latin_key = re.compile(rf"(\s*)({keys})", re.IGNORECASE)
            self._latin_key_of_phrase = re.compile(
                rf"(\s*)({keys})(?=(?:\s*(?:{keys}))*$)", re.IGNORECASE
            )

    def _split(self, phrase: str) -> list[tuple[str, str]] | None:
        """The (space, key) parts of a phrase, or None (see _LONGEST_BACKTRACKED_PHRASE)."""
        assert self._latin_key is not None and self._latin_key_of_phrase is not None
        parts: list[tuple[str, str]] = []
        position = 0
        while position < len(phrase):
            part = self._latin_key.match(phrase, position)
            if part is None:
                break
            parts.append((part.group(1), part.group(2)))
            position = part.end()
        else:
            return parts
        if len(phrase) > _LONGEST_BACKTRACKED_PHRASE:
            return None
        return [
            (part.group(1), part.group(2)) for part in self._latin_key_of_phrase.finditer(phrase)
        ]

    def _expand_phrase(self, match: re.Match[str]) -> str:
        parts = self._split(match.group(0))
        if parts is None:
            return match.group(0)
        words: list[str] = []
        for space, key in parts:
            word = self._latin[_folded(key)]
            # Chinese words need no space between them; Latin ones keep theirs (5G GPRS).
            if words and space and _is_chinese_edge(words[-1], -1) and _is_chinese_edge(word, 0):
                space = ""
            words.append(space + word)
        return "".join(words)

    def _expand_stretch(self, stretch: str) -> str:
        assert self._latin_phrase is not None
        return self._latin_phrase.sub(self._expand_phrase, stretch)

    def apply(self, text: str) -> str:
        # Latin first: "退定cl" becomes 退定彩铃, which a Chinese key then corrects.
        if self._latin_phrase is not None and _ASCII_LETTER.search(text):
            text = _LATIN_STRETCH.sub(lambda match: self._expanded_stretch(match.group(0)), text)
        if self._chinese is not None:
            text = self._chinese.sub(lambda match: self._lookup[match.group(0).lower()], text)
        return text


def _alternation(patterns: list[str]) -> re.Pattern[str] | None:
    return re.compile("|".join(patterns), re.IGNORECASE) if patterns else None


def normalize(text: str, corrections: Corrections | None = None) -> str:
    """Customer text as the training data is written: without markup and emoji, half-width,
    simplified, 五十八 → 58, typos and abbreviations fixed, one mark for "？？？", tidy spaces.

    A message that is nothing but emoji or markup keeps them, for the NoiseGuard to see. A
    message that names an intent (/affirm, /inform{"plan": "…"}: buttons, SMS short codes)
    is Rasa's own, read after the pipeline (RegexMessageHandler): left as it is.
    """
    if _INTENT_MESSAGE.match(text):
        return text.strip()
    plain = _without_markup(_plain_characters(text))
    if _MEANINGFUL.search(plain):
        text = plain
    else:
        text = _without_control_characters(unicodedata.normalize("NFKC", text))
    text = _to_simplified().convert(text)
    text = chinese_numbers_to_digits(text)
    if corrections is not None:
        text = corrections.apply(text)
    text = _collapse_punctuation(text)
    return _WHITESPACE.sub(" ", text).strip()


@lru_cache(maxsize=8)
def _unsaid(particles: str) -> re.Pattern[str]:
    return re.compile(rf"[\W_{re.escape(particles)}]+")


def without_punctuation(text: str, particles: str = "") -> str:
    """The text without what says nothing in it: punctuation, spaces, symbols and emoji (all
    but letters, digits and Chinese), and the `particles` a caller also counts as nothing
    (吗, 呢 after a bare topic: "彩铃吗？" names the topic and asks nothing)."""
    return _unsaid(particles).sub("", text)


def has_chinese(text: str) -> bool:
    return bool(_CJK.search(text))


def latin_words(text: str) -> set[str]:
    return set(_LATIN_WORD.findall(text.lower()))
