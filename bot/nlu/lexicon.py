"""The telecom lexicon, read from Rasa's own NLU files so there is one place to edit it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rasa.shared.nlu.training_data.loading import load_data

LEXICON_FILE = Path("data/nlu/lexicon.yml")
# Lookup tables with this name are segmenter words only; every other table is an entity.
WORDS_ONLY_TABLE = "telecom_term"


@dataclass
class Lexicon:
    """Words jieba must keep whole, and entity patterns as (label, surface form)."""

    words: list[str] = field(default_factory=list)
    patterns: list[tuple[str, str]] = field(default_factory=list)


def load_lexicon(path: Path = LEXICON_FILE) -> Lexicon:
    training_data = load_data(str(path))
    lexicon = Lexicon()
    label_of_value: dict[str, str] = {}
    for table in training_data.lookup_tables:
        for element in table["elements"]:
            lexicon.words.append(element)
            if table["name"] != WORDS_ONLY_TABLE:
                lexicon.patterns.append((table["name"], element))
                label_of_value[element] = table["name"]
    for variant, value in training_data.entity_synonyms.items():
        lexicon.words.append(variant)
        if value in label_of_value:
            lexicon.patterns.append((label_of_value[value], variant))
    lexicon.words = sorted(set(lexicon.words))
    return lexicon
