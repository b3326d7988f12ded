"""A model is retrained when what shapes it changes, and only then."""

import os
import shutil
from pathlib import Path

import pytest

from bot.cli.train import fingerprint, model_path

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in ["config.yml", "domain.yml", "requirements.txt"]:
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "data", tmp_path / "data")
    shutil.copytree(ROOT / "bot" / "nlu", tmp_path / "bot" / "nlu")
    return tmp_path


def test_touching_files_does_not_change_the_fingerprint(project: Path) -> None:
    before = fingerprint(project)
    os.utime(project / "domain.yml", (1, 1))
    assert fingerprint(project) == before


@pytest.mark.parametrize(
    "changed", ["domain.yml", "config.yml", "data/nlu/lexicon.yml", "bot/nlu/text.py"]
)
def test_changing_content_changes_the_fingerprint(project: Path, changed: str) -> None:
    before = fingerprint(project)
    with (project / changed).open("a", encoding="utf-8") as file:
        file.write("\n# changed\n")
    assert fingerprint(project) != before
    assert model_path(project).name == f"assistant-{fingerprint(project)}.tar.gz"


def test_files_outside_the_model_inputs_do_not_count(project: Path) -> None:
    before = fingerprint(project)
    (project / "README.md").write_text("docs change", encoding="utf-8")
    (project / "data" / "nlu" / "__pycache__").mkdir()
    (project / "data" / "nlu" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    assert fingerprint(project) == before
