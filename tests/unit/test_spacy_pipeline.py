"""The spaCy pipeline built from data/nlu/lexicon.yml keeps telecom words whole and tags them."""

from pathlib import Path

import pytest
import spacy
from spacy.language import Language

from bot.nlu.lexicon import load_lexicon
from bot.nlu.spacy_pipeline import build_and_save


@pytest.fixture(scope="module")
def nlp(tmp_path_factory: pytest.TempPathFactory) -> Language:
    """Built and saved like the training step does, then loaded from disk like Rasa does."""
    target = build_and_save(load_lexicon(), tmp_path_factory.mktemp("spacy") / "zh")
    return spacy.load(target)


def test_lexicon_has_entities_and_synonym_variants() -> None:
    lexicon = load_lexicon()
    assert ("plan", "全球通畅享58元套餐") in lexicon.patterns
    assert ("service", "炫铃") in lexicon.patterns  # a synonym variant of 彩铃
    assert "流量包" in lexicon.words  # a segmenter word, not an entity
    assert all(label != "telecom_term" for label, _ in lexicon.patterns)


@pytest.mark.parametrize(
    ("text", "whole_word"),
    [
        ("全球通畅享58元套餐包含彩铃吗", "全球通畅享58元套餐"),
        ("动感地带青春卡多少钱", "动感地带青春卡"),
        ("流量包怎么订", "流量包"),
        ("号码过户要什么", "号码过户"),
    ],
)
def test_domain_words_stay_whole(nlp: Language, text: str, whole_word: str) -> None:
    assert whole_word in [token.text for token in nlp(text)]


@pytest.mark.parametrize(
    ("text", "entities"),
    [
        ("全球通畅享88元套餐有彩铃吗", {("全球通畅享88元套餐", "plan"), ("彩铃", "service")}),
        ("畅享58的炫铃收费吗", {("畅享58", "plan"), ("炫铃", "service")}),
        ("神州行和全球通哪个好", {("神州行", "brand"), ("全球通", "brand")}),
        ("今天天气怎么样", set()),
    ],
)
def test_entity_ruler_finds_lexicon_entities(
    nlp: Language, text: str, entities: set[tuple[str, str]]
) -> None:
    assert {(ent.text, ent.label_) for ent in nlp(text).ents} == entities


def test_the_saved_pipeline_needs_no_downloaded_package(tmp_path: Path) -> None:
    target = build_and_save(load_lexicon(), tmp_path / "zh")
    meta = (target / "meta.json").read_text(encoding="utf-8")
    assert '"lang":"zh"' in meta.replace(" ", "")
    assert spacy.load(target).pipe_names == ["telecom_words", "entity_ruler"]
