"""Cross-validates the NLU pipeline and fails when it scores below the floors.

    python -m bot.cli.evaluate_nlu [--folds 3]

Reports the weighted intent F1 and the FAQ answer-selection F1 (ResponseSelector) over
held-out folds of data/nlu. The floors were set from measurement (see README).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from bot.cli import rasa_command, rasa_environment

INTENT_F1_FLOOR = 0.95
RESPONSE_F1_FLOOR = 0.90
RESULTS_DIR = Path("results/nlu-cross-validation")


def weighted_f1(report_file: Path) -> float:
    report = json.loads(report_file.read_text(encoding="utf-8"))
    return float(report["weighted avg"]["f1-score"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=3)
    args = parser.parse_args()
    command = rasa_command(
        "test", "nlu", "--nlu", "data/nlu", "--config", "config.yml",
        "--cross-validation", "--folds", str(args.folds), "--out", str(RESULTS_DIR),
    )  # fmt: skip
    subprocess.run(command, env=rasa_environment(), check=True)
    intent_f1 = weighted_f1(RESULTS_DIR / "intent_report.json")
    response_f1 = weighted_f1(RESULTS_DIR / "response_selection_report.json")
    print(
        f"NLU cross-validation ({args.folds} folds): intent F1 {intent_f1:.4f} "
        f"(floor {INTENT_F1_FLOOR}), FAQ answer F1 {response_f1:.4f} (floor {RESPONSE_F1_FLOOR})"
    )
    if intent_f1 < INTENT_F1_FLOOR or response_f1 < RESPONSE_F1_FLOOR:
        print("NLU scores below the floor: see results/nlu-cross-validation/", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
