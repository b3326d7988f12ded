"""From turns to numbers: per-level statistics, the issue's targets, JSON, PNG and a summary."""

from __future__ import annotations

import json
import math
import os
import platform
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bot.bench.load import ERRORS, KINDS, LevelRun, Turn

PERCENTILES = (50, 95, 99)
# prod: `make run-prod` (nginx, 2 Rasa processes, PostgreSQL, Redis); ours: `make run` (one
# Rasa process, SQLite); baseline: a plain `rasa run` of the same model.
PROFILES = ("prod", "ours", "baseline")
TARGET_PROFILE = "prod"  # issue 6's targets are the production profile's
# Issue 6's targets.
FAQ_P95_MS_AT_1 = 150.0
THROUGHPUT_RATIO_AT_50 = 1.6
TRAINING_S = 150.0
STARTUP_S = 40.0


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0–100) with linear interpolation between the closest ranks
    (numpy's default); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def latency_summary(latencies_s: Sequence[float]) -> dict[str, float | int | None]:
    """Count, p50/p95/p99, mean and max, in milliseconds."""
    ms = [value * 1000 for value in latencies_s]
    summary: dict[str, float | int | None] = {"count": len(ms)}
    for q in PERCENTILES:
        value = percentile(ms, q)
        summary[f"p{q}"] = None if value is None else round(value, 1)
    summary["mean"] = round(sum(ms) / len(ms), 1) if ms else None
    summary["max"] = round(max(ms), 1) if ms else None
    return summary


def level_summary(run: LevelRun) -> dict[str, Any]:
    """Throughput, latency by kind and overall, errors and wrong answers by kind."""
    turns = run.turns
    by_kind: dict[str, list[Turn]] = {kind: [t for t in turns if t.kind == kind] for kind in KINDS}
    latency = {"overall": latency_summary([t.latency_s for t in turns])}
    latency.update({kind: latency_summary([t.latency_s for t in by_kind[kind]]) for kind in KINDS})
    errors = {
        kind: {outcome: sum(t.outcome == outcome for t in by_kind[kind]) for outcome in ERRORS}
        for kind in KINDS
    }
    wrong = {kind: sum(t.outcome == "wrong" for t in by_kind[kind]) for kind in KINDS}
    failures = [t for t in turns if t.outcome != "ok"]
    return {
        "customers": run.customers,
        "seconds": run.seconds,
        "warmup_seconds": run.warmup_s,
        "turns": len(turns),
        "turns_by_kind": {kind: len(by_kind[kind]) for kind in KINDS},
        "conversations": dict(run.conversations),
        "throughput": round(len(turns) / run.seconds, 2) if run.seconds else None,
        "latency_ms": latency,
        "errors": errors,
        "errors_total": sum(sum(counts.values()) for counts in errors.values()),
        "wrong": wrong,
        "wrong_total": sum(wrong.values()),
        "memory_mb": run.at_end.get("memory_mb", {}),
        "failures": [  # a few, to see what went wrong
            {"kind": t.kind, "outcome": t.outcome, "said": t.text, "reply": t.reply[:200]}
            for t in failures[:5]
        ],
    }


def machine() -> dict[str, Any]:
    """CPUs and their model, RAM, versions, the date, and how busy the machine already was."""
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next(
        (line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "model name" in line),
        platform.processor(),
    )
    ram_gb = None
    if Path("/proc/meminfo").exists():
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    try:
        from rasa.version import __version__ as rasa_version
    except ImportError:  # pragma: no cover - Rasa is a requirement
        rasa_version = None
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "ram_gb": ram_gb,
        "python": platform.python_version(),
        "rasa": rasa_version,
        "load_average": [round(value, 2) for value in os.getloadavg()],
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def _value(profiles: dict[str, Any], profile: str, level: int, *keys: str) -> Any:
    found: Any = profiles.get(profile, {}).get("levels", {}).get(str(level))
    for key in keys:
        if not isinstance(found, dict):
            return None
        found = found.get(key)
    return found


def ratios(profiles: dict[str, Any]) -> dict[str, dict[str, float | None]]:
    """Throughput of each profile / baseline at each level both measured."""
    found: dict[str, dict[str, float | None]] = {}
    for name in profiles:
        if name == "baseline":
            continue
        found[name] = {}
        for level in profiles[name].get("levels", {}):
            ours = _value(profiles, name, int(level), "throughput")
            base = _value(profiles, "baseline", int(level), "throughput")
            found[name][level] = round(ours / base, 2) if ours is not None and base else None
    return found


def targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue 6's targets: each with its value and "PASS", "FAIL" or "UNKNOWN" (not measured)."""
    profiles = report["profiles"]

    def verdict(value: Any, ok: bool) -> str:
        return "UNKNOWN" if value is None else ("PASS" if ok else "FAIL")

    name = TARGET_PROFILE if TARGET_PROFILE in profiles else "ours"
    faq_p95 = _value(profiles, name, 1, "latency_ms", "faq", "p95")
    ratio = report["ratios"].get(name, {}).get("50")
    errors = _value(profiles, name, 50, "errors_total")
    wrong = _value(profiles, name, 50, "wrong_total")
    failed = None if errors is None or wrong is None else errors + wrong
    training = report["training"]["seconds"]
    startup = report["startup_seconds"].get(name)
    at_50 = None if ratio is None or failed is None else ratio
    return [
        {
            "profile": name,
            "target": f"FAQ p95 ≤ {FAQ_P95_MS_AT_1:.0f} ms with 1 customer",
            "value": faq_p95,
            "verdict": verdict(faq_p95, faq_p95 is not None and faq_p95 <= FAQ_P95_MS_AT_1),
        },
        {
            "profile": name,
            "target": f"50 customers: ≥ {THROUGHPUT_RATIO_AT_50}× baseline throughput, 0 errors",
            "value": {"ratio": ratio, "errors": errors, "wrong": wrong},
            "verdict": verdict(
                at_50, at_50 is not None and at_50 >= THROUGHPUT_RATIO_AT_50 and failed == 0
            ),
        },
        {
            "target": f"training ≤ {TRAINING_S:.0f} s",
            "value": training,
            "verdict": verdict(training, training is not None and training <= TRAINING_S),
        },
        {
            "profile": name,
            "target": f"start-up to ready ≤ {STARTUP_S:.0f} s",
            "value": startup,
            "verdict": verdict(startup, startup is not None and startup <= STARTUP_S),
        },
    ]


def build_report(
    machine_info: dict[str, Any],
    settings: dict[str, Any],
    training: dict[str, Any],
    startup: dict[str, float | None],
    profiles: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """The whole of bench.json. `profiles`: {name: {"levels": {"1": summary}}}."""
    report: dict[str, Any] = {
        "machine": machine_info,
        "settings": settings,
        "training": training,
        "startup_seconds": {
            name: None if seconds is None else round(seconds, 1)
            for name, seconds in startup.items()
        },
        "profiles": profiles,
    }
    report["ratios"] = ratios(profiles)
    report["targets"] = targets(report)
    return report


def write_json(report: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _levels(report: dict[str, Any]) -> list[int]:
    found = {int(level) for p in report["profiles"].values() for level in p.get("levels", {})}
    return sorted(found)


def write_png(report: dict[str, Any], path: Path) -> None:
    """Throughput by level for both profiles; p95 latency by kind at each level, per profile."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    levels = _levels(report)
    profiles = [name for name in PROFILES if name in report["profiles"]]
    figure, axes = plt.subplots(1, 1 + len(profiles), figsize=(5 + 5 * len(profiles), 4.2))
    throughput_axis, kind_axes = axes[0], axes[1:]
    for name in profiles:
        values = [_value(report["profiles"], name, level, "throughput") for level in levels]
        throughput_axis.plot(
            [str(level) for level in levels],
            [value or 0 for value in values],
            marker="o",
            label=name,
        )
    throughput_axis.set_title("Throughput")
    throughput_axis.set_xlabel("concurrent customers")
    throughput_axis.set_ylabel("turns / s")
    throughput_axis.set_ylim(bottom=0)
    throughput_axis.legend()
    throughput_axis.grid(alpha=0.3)
    width = 0.8 / len(KINDS)
    top = 0.0
    for axis, name in zip(kind_axes, profiles, strict=True):
        for index, kind in enumerate(KINDS):
            values = [
                _value(report["profiles"], name, level, "latency_ms", kind, "p95") or 0
                for level in levels
            ]
            top = max(top, *values)
            axis.bar(
                [position + (index - 1.5) * width for position in range(len(levels))],
                values,
                width,
                label=kind,
            )
        axis.set_xticks(range(len(levels)), [str(level) for level in levels])
        axis.set_title(f"p95 latency by kind — {name}")
        axis.set_xlabel("concurrent customers")
        axis.set_ylabel("ms")
        axis.legend()
        axis.grid(axis="y", alpha=0.3)
    for axis in kind_axes:
        axis.set_ylim(0, top * 1.1 or 1)
    figure.suptitle(f"make bench — {report['machine'].get('date', '')}")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _ms(value: Any) -> str:
    return "—" if value is None else f"{value:.0f}"


def summary(report: dict[str, Any]) -> str:
    """A short human summary: machine, start-up, training, a table per level, targets."""
    info, lines = report["machine"], []
    lines.append(
        f"make bench — {info['date']} · {info['cpus']} CPU ({info['cpu_model']}) · "
        f"{info['ram_gb']} GB · Python {info['python']} · Rasa {info['rasa']}"
        f" · load average at start {info['load_average']}"
    )
    startup = report["startup_seconds"]
    lines.append(
        "start-up to ready: "
        + ", ".join(f"{name} {_s(seconds)}" for name, seconds in startup.items())
    )
    training = report["training"]
    lines.append(
        f"training: {_s(training['seconds'])}"
        + (f" ({training['note']})" if training.get("note") else "")
    )
    settings = report["settings"]
    lines.append(
        f"load: {settings['seconds']:.0f} s per level after {settings['warmup_seconds']:.0f} s"
        " warm-up; latencies in ms (p50/p95/p99); errors = http+empty+timeout"
    )
    header = (
        f"{'level':>5} {'profile':<9} {'turns/s':>8} {'overall':>15} {'faq':>15} "
        f"{'verify':>15} {'account':>15} {'complaint':>15} {'err':>4} {'wrong':>5}"
    )
    lines.append(header)
    memory_lines = ["memory at the end of each level, RSS MB:"]
    for level in _levels(report):
        for name in report["profiles"]:
            found = report["profiles"][name]["levels"].get(str(level))
            if found is None:
                continue
            cells = [
                "/".join(_ms(found["latency_ms"][kind][f"p{q}"]) for q in PERCENTILES)
                for kind in ("overall", *KINDS)
            ]
            lines.append(
                f"{level:>5} {name:<9} {found['throughput']:>8.1f} "
                + " ".join(f"{cell:>15}" for cell in cells)
                + f" {found['errors_total']:>4} {found['wrong_total']:>5}"
            )
            memory = found["memory_mb"]
            memory_lines.append(
                f"{level:>5} {name:<9} {sum(memory.values()):>6.0f}  "
                + ", ".join(f"{process} {mb:.0f}" for process, mb in memory.items())
            )
    lines.extend(memory_lines)
    for name, by_level in report["ratios"].items():
        ratio_text = ", ".join(
            f"{level}: {'—' if ratio is None else f'{ratio:.2f}×'}"
            for level, ratio in by_level.items()
        )
        lines.append(f"throughput {name}/baseline — {ratio_text}")
    for target in report["targets"]:
        where = f" ({target['profile']})" if "profile" in target else ""
        lines.append(f"{target['verdict']:<7} {target['target']}{where}: {_target_value(target)}")
    return "\n".join(lines)


def _s(seconds: Any) -> str:
    return "unknown" if seconds is None else f"{seconds:.1f} s"


def _target_value(target: dict[str, Any]) -> str:
    value = target["value"]
    if isinstance(value, dict):
        return ", ".join(f"{key} {'—' if v is None else v}" for key, v in value.items())
    return "not measured" if value is None else str(value)


def summarise_profile(runs: Iterable[LevelRun]) -> dict[str, Any]:
    return {"levels": {str(run.customers): level_summary(run) for run in runs}}
