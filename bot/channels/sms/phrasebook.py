"""What the SMS bridge understands and says by itself (data/channels/sms.yml): the opt-out,
re-join and "more" keywords, the self-service short codes, the numbered options that stand in
for buttons, and its own few texts. Checked once when the bridge starts."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import Enum
from functools import cache
from pathlib import Path

import yaml

PHRASEBOOK_FILE = Path(__file__).resolve().parents[3] / "data" / "channels" / "sms.yml"
TEXTS = ("opted_out", "rejoined", "option", "more_hint", "nothing_more")


class Kind(Enum):
    OPT_OUT = "opt_out"
    REJOIN = "rejoin"
    MORE = "more"
    OPTION = "option"  # a bare number: one of the numbered options
    TEXT = "text"  # everything else, for Rasa (short codes already translated)


@dataclass(frozen=True)
class Inbound:
    kind: Kind
    text: str  # what goes to Rasa for TEXT; the number for OPTION


def normalise(text: str) -> str:
    """Full-width to half-width, trimmed, upper-case: how keywords are compared."""
    return unicodedata.normalize("NFKC", text).strip().upper()


@dataclass(frozen=True)
class Phrasebook:
    opt_out: frozenset[str]
    rejoin: frozenset[str]
    more: frozenset[str]
    short_codes: dict[str, str]
    texts: dict[str, str]

    def read(self, text: str) -> Inbound:
        word = normalise(text)
        if word in self.opt_out:
            return Inbound(Kind.OPT_OUT, word)
        if word in self.rejoin:
            return Inbound(Kind.REJOIN, word)
        if word in self.more:
            return Inbound(Kind.MORE, word)
        if word in self.short_codes:
            return Inbound(Kind.TEXT, self.short_codes[word])
        if word.isascii() and word.isdigit() and len(word) <= 2:
            return Inbound(Kind.OPTION, word)
        return Inbound(Kind.TEXT, text.strip())

    def option_line(self, number: int, title: str) -> str:
        return self.texts["option"].format(number=number, title=title)


@cache
def phrasebook(path: Path = PHRASEBOOK_FILE) -> Phrasebook:
    loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    keywords = loaded.get("keywords") or {}
    texts = loaded.get("texts") or {}
    missing = [name for name in TEXTS if not isinstance(texts.get(name), str)]
    missing += [
        f"keywords.{kind.value}"
        for kind in (Kind.OPT_OUT, Kind.REJOIN, Kind.MORE)
        if not keywords.get(kind.value)
    ]
    if missing:
        raise ValueError(f"{path}: missing {', '.join(missing)}")
    texts["option"].format(number=1, title="x")  # a misspelt placeholder fails here
    return Phrasebook(
        opt_out=frozenset(normalise(str(word)) for word in keywords["opt_out"]),
        rejoin=frozenset(normalise(str(word)) for word in keywords["rejoin"]),
        more=frozenset(normalise(str(word)) for word in keywords["more"]),
        short_codes={
            normalise(str(code)): str(intent)
            for code, intent in (loaded.get("short_codes") or {}).items()
        },
        texts={name: texts[name] for name in TEXTS},
    )
