"""Trains the assistant only when what shapes the model has changed.

The fingerprint is a hash of the contents (not timestamps) of config, domain, training data,
our NLU code and the pinned requirements; the model file is named after it, so "is there a
model for this fingerprint" is the whole check.

    python -m bot.cli.train            # train if needed, print the model path
    python -m bot.cli.train --check    # exit 1 if a training is needed
    python -m bot.cli.train --path     # print the current model's path
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from bot.cli import rasa_command, rasa_environment

MODELS_DIR = Path("models")
MODEL_PREFIX = "assistant-"
FINGERPRINTED = ["config.yml", "domain.yml", "requirements.txt", "data", "bot/nlu"]
# Read by the running processes, never by training: editing a channel's or the desk's wording,
# the understanding's vocabulary or the catalogue must not cost a retraining.
RUNTIME_ONLY = ["data/channels", "data/handoff", "data/understanding", "data/catalogue.yml"]


def _files(root: Path) -> list[Path]:
    found: list[Path] = []
    for name in FINGERPRINTED:
        path = root / name
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            found.extend(
                p
                for p in path.rglob("*")
                if p.is_file()
                and "__pycache__" not in p.parts
                and p.suffix != ".pyc"
                and not any(p.is_relative_to(root / skip) for skip in RUNTIME_ONLY)
            )
    return sorted(found)


def fingerprint(root: Path = Path(".")) -> str:
    digest = hashlib.sha256()
    for path in _files(root):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def model_path(root: Path = Path(".")) -> Path:
    return root / MODELS_DIR / f"{MODEL_PREFIX}{fingerprint(root)}.tar.gz"


def training_record(model: Path) -> Path:
    """Where the training of `model` is recorded: models/<model name>.json."""
    return model.with_name(model.name.removesuffix(".tar.gz") + ".json")


def train(root: Path = Path(".")) -> Path:
    """Builds the spaCy pipeline, then the Rasa model; removes models of older fingerprints."""
    from bot.nlu.lexicon import load_lexicon
    from bot.nlu.spacy_pipeline import SPACY_MODEL_DIR, build_and_save

    target = model_path(root)
    started = time.monotonic()
    build_and_save(load_lexicon(root / "data/nlu/lexicon.yml"), root / SPACY_MODEL_DIR)
    command = rasa_command(
        "train", "--config", "config.yml", "--domain", "domain.yml", "--data", "data",
        "--out", str(MODELS_DIR), "--fixed-model-name", target.name.removesuffix(".tar.gz"),
        # Rasa's own cache fingerprints SpacyNLP by name only; it cannot see a rebuilt pipeline.
        "--force",
        # `make validate` (bot/cli/validate.py, run by `make test` first) checks the data with
        # warnings as errors; Rasa's own pass would repeat it (~10 s of the training time).
        "--skip-validation",
    )  # fmt: skip
    subprocess.run(command, cwd=root, env=rasa_environment(), check=True)
    seconds = time.monotonic() - started
    for old in (root / MODELS_DIR).glob(f"{MODEL_PREFIX}*.tar.gz"):
        if old != target:
            old.unlink()
            training_record(old).unlink(missing_ok=True)
    # How long it took, for `make bench`.
    trained_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    training_record(target).write_text(
        json.dumps({"seconds": round(seconds, 1), "trained_at": trained_at}) + "\n"
    )
    print(f"trained {target} in {seconds:.0f} s", flush=True)
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if training is needed")
    parser.add_argument("--path", action="store_true", help="print the model's path only")
    args = parser.parse_args()
    target = model_path()
    if args.path:
        print(target)
        return 0
    if target.exists():
        print(f"model up to date: {target}")
        return 0
    if args.check:
        print(f"training needed: no {target}")
        return 1
    try:
        train()
    except subprocess.CalledProcessError as error:
        print(f"training failed (exit {error.returncode}); see the messages above", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
