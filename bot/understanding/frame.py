"""What one message names, and the separate questions in it.

A message is split into its questions ("日包多少钱，能结转吗", "彩铃多少钱怎么开", voice-to-text
"过户带啥材料 在哪办"); each part is read for the topics it names (what it is about) and the
aspects it asks (what is asked), in the order they appear.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from itertools import pairwise

import yaml

from bot.nlu.text import Corrections, normalize
from bot.understanding.words import ROOT, vocabulary

CORRECTIONS_FILE = ROOT / "data" / "lexicon" / "corrections.yml"

# Where one question ends and the next begins: punctuation and spaces, connectives, and an
# interrogative ending followed by more words (多少钱|能结转吗 → two questions).
_BREAKS = re.compile(r"[，,。.？?！!；;、~…\s]+|另外|还有就是|顺便问下?|再问下?|以及|然后")
_QUESTION_END = re.compile(r"(多少钱|几块钱|吗|呢)(?=[\u4e00-\u9fff]{2,})")
# Words of a question of its own that name no topic: "哪个", "便宜", "吗" ("要最多的那种"
# is not one: it completes the question before it).
_CUE = re.compile(r"哪|便宜|贵|多少|几|推荐|划算|省|呢|吗")
# Two topics joined like this share the aspect asked: "彩铃和来电显示各收多少钱".
_JOINED = re.compile(r"^\s*(和|跟|与|及|、|以及|还有|或者|或|,|，)?\s*$")


@dataclass(frozen=True)
class Part:
    """One question of a message."""

    text: str
    topics: tuple[str, ...]  # in order of mention
    aspects: tuple[str, ...]
    joined_topics: bool  # several topics, one aspect each ("各", "和")


@cache
def _corrections() -> Corrections:
    content = yaml.safe_load(CORRECTIONS_FILE.read_text(encoding="utf-8")) or {}
    return Corrections({str(k): str(v) for k, v in (content.get("corrections") or {}).items()})


def plain(text: str) -> str:
    """The message as the vocabulary is written: normalised as the NLU does it (typos,
    abbreviations and pinyin included), lower-case."""
    return normalize(text, _corrections()).lower()


def _mentions(patterns: dict[str, re.Pattern[str]], text: str) -> list[tuple[int, int, str]]:
    found = []
    for name, pattern in patterns.items():
        match = pattern.search(text)
        if match:
            found.append((match.start(), match.end(), name))
    return sorted(found)


def read_part(text: str) -> Part:
    words = vocabulary()
    topics = _mentions(words.topics, text)
    joined = len(topics) >= 2 and all(
        _JOINED.match(text[first[1] : second[0]]) for first, second in pairwise(topics)
    )
    return Part(
        text=text,
        topics=tuple(name for _, _, name in topics),
        aspects=tuple(name for _, _, name in _mentions(words.aspects, text)),
        joined_topics=joined,
    )


def split_questions(text: str) -> list[str]:
    pieces: list[str] = []
    for piece in _BREAKS.split(text):
        piece = _QUESTION_END.sub(r"\1|", piece)
        pieces.extend(part for part in piece.split("|") if part.strip())
    return pieces


def read_message(text: str) -> list[Part]:
    """The message's questions; text is already `plain`. A piece that names nothing of its
    own ("要最多的那种") belongs to the question before it."""
    parts: list[Part] = []
    for piece in split_questions(text):
        part = read_part(piece)
        if parts and not part.topics and not part.aspects and not _CUE.search(piece):
            parts[-1] = read_part(f"{parts[-1].text}，{piece}")
        else:
            parts.append(part)
    return parts
