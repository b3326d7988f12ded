"""`python -m bot.bench` (`make bench`): see bot/bench/__init__.py.

Exits 0 whatever the targets say (they are printed PASS/FAIL); 1 only when a profile could
not be started or measured.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot import settings
from bot.bench import report
from bot.bench.load import MIX, TIMEOUT_S, LevelRun, run_level
from bot.bench.processes import ROOT, Profile, start_baseline, start_ours, start_prod
from bot.cli.train import model_path, training_record

DEFAULT_WARMUP_S = 5.0
DEFAULT_LEVELS = (1, 10, 50)
OUT = ROOT / "results" / "bench"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot.bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--seconds",
        type=float,
        default=settings.seconds("BENCH_SECONDS"),
        help="measured seconds per level (BENCH_SECONDS; default %(default)s)",
    )
    parser.add_argument("--warmup", type=float, default=DEFAULT_WARMUP_S, help="seconds")
    parser.add_argument(
        "--levels",
        default=",".join(map(str, DEFAULT_LEVELS)),
        help="concurrent customers, comma-separated (default %(default)s)",
    )
    parser.add_argument(
        "--profiles",
        default="prod,ours,baseline",
        help="any of prod (make run-prod), ours (make run), baseline (default: all three)",
    )
    parser.add_argument("--out", type=Path, default=OUT, help="where bench.json/.png go")
    parser.add_argument("--seed", type=int, default=0, help="seed of the customers' choices")
    return parser.parse_args(argv)


def training(model: Path) -> dict[str, Any]:
    """The last training's duration from models/<model>.json (bot/cli/train.py writes it)."""
    record = training_record(model)
    try:
        loaded = json.loads(record.read_text())
        return {"seconds": float(loaded["seconds"]), "trained_at": loaded.get("trained_at")}
    except (OSError, ValueError, KeyError, TypeError):
        return {
            "seconds": None,
            "trained_at": None,
            "note": f"no models/{record.name}: the model was trained before training times"
            " were recorded; the next training records it",
        }


def measure(
    profile: Profile, levels: list[int], seconds: float, warmup: float, seed: int
) -> list[LevelRun]:
    def sample() -> dict[str, Any]:
        return {"memory_mb": profile.memory()}

    runs = []
    for level in levels:
        print(
            f"[bench] {profile.name}: {level} customer(s),"
            f" {warmup:.0f} s warm-up + {seconds:.0f} s measured",
            flush=True,
        )
        run = asyncio.run(
            run_level(profile.rest_url, level, seconds, warmup, seed=seed, at_end=sample)
        )
        failed = sum(turn.outcome != "ok" for turn in run.turns)
        print(
            f"[bench] {profile.name}: {len(run.turns)} turns, {len(run.turns) / seconds:.1f}/s,"
            f" {failed} failed",
            flush=True,
        )
        runs.append(run)
    return runs


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    levels = [int(level) for level in args.levels.split(",") if level.strip()]
    wanted = [name.strip() for name in args.profiles.split(",") if name.strip()]
    model = model_path(ROOT)
    if not model.exists():
        print("No model for the current data: run `make train` first.", file=sys.stderr)
        return 1
    machine = report.machine()  # the load average before we start anything
    starters: dict[str, Callable[[Path, Path], Profile]] = {
        "prod": start_prod,
        "ours": start_ours,
        "baseline": lambda folder, log: start_baseline(folder, log, model),
    }
    startup: dict[str, float | None] = {}
    profiles: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        Path(tmp).chmod(0o711)  # PostgreSQL (prod) runs as its own OS user and must get in
        for name in wanted:
            log_path = args.out / "logs" / f"{name}.log"
            print(f"[bench] starting {name} (log: {log_path})", flush=True)
            try:
                profile = starters[name](Path(tmp) / name, log_path)
            except RuntimeError as error:
                print(f"[bench] {error}; see {log_path}", file=sys.stderr)
                return 1
            try:
                startup[name] = profile.startup_s
                print(f"[bench] {name} answering after {profile.startup_s:.1f} s", flush=True)
                runs = measure(profile, levels, args.seconds, args.warmup, args.seed)
            finally:
                profile.stop()
            profiles[name] = report.summarise_profile(runs)
    settings = {
        "seconds": args.seconds,
        "warmup_seconds": args.warmup,
        "levels": levels,
        "timeout_seconds": TIMEOUT_S,
        "seed": args.seed,
        "mix": {name: share for name, share, _ in MIX},
        "model": model.name,
    }
    result = report.build_report(machine, settings, training(model), startup, profiles)
    report.write_json(result, args.out / "bench.json")
    report.write_png(result, args.out / "bench.png")
    print(report.summary(result))
    print(f"[bench] wrote {args.out / 'bench.json'} and {args.out / 'bench.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
