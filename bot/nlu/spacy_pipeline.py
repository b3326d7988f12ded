"""Builds the spaCy pipeline that Rasa's SpacyNLP loads: Chinese, jieba, telecom words, ruler.

spaCy's pretrained Chinese packages cannot be downloaded here, so the pipeline is a blank
Chinese one built from data/ by the training step (`python -m bot.cli.train`).
"""

import logging
from pathlib import Path
from typing import cast

import jieba
import spacy
from spacy.language import Language
from spacy.pipeline import EntityRuler
from spacy.tokens import Doc

from bot.nlu.lexicon import Lexicon

SPACY_MODEL_DIR = Path("models/spacy_zh_telecom")

jieba.setLogLevel(logging.WARNING)


class TelecomWords:
    """Teaches jieba the lexicon when the pipeline loads, before any text is segmented.

    spaCy's Chinese tokenizer uses the global jieba dictionary, which a saved pipeline
    does not carry; this component keeps the words in the pipeline's own config.
    """

    def __init__(self, words: list[str]) -> None:
        for word in words:
            jieba.add_word(word)

    def __call__(self, doc: Doc) -> Doc:
        return doc


# No `from __future__ import annotations` in this module: spaCy validates the factory's
# signature with pydantic, which needs real types, not strings.
@Language.factory("telecom_words", default_config={"words": []})
def make_telecom_words(nlp: Language, name: str, words: list[str]) -> TelecomWords:
    return TelecomWords(words)


def build_pipeline(lexicon: Lexicon) -> Language:
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    nlp.add_pipe("telecom_words", config={"words": lexicon.words})
    ruler = cast(EntityRuler, nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"}))
    ruler.add_patterns([{"label": label, "pattern": text} for label, text in lexicon.patterns])
    return nlp


def build_and_save(lexicon: Lexicon, target: Path = SPACY_MODEL_DIR) -> Path:
    build_pipeline(lexicon).to_disk(target)
    return target
