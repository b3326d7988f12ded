"""`make bench`: its statistics and report on known data, and its customers against the real
assistant for a few seconds (no timing assertions: this machine's speed is not the test's)."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import pytest

from bot.bench import report
from bot.bench.__main__ import training
from bot.bench.load import (
    DEMO_CUSTOMERS,
    KINDS,
    LevelRun,
    Turn,
    conversation,
    run_level,
)
from bot.bench.processes import memory, process_tree
from bot.cli.train import training_record
from tests.conftest import RunningAssistant


def test_percentiles_interpolate_between_ranks() -> None:
    values = list(range(1, 101))  # 1..100
    assert report.percentile(values, 50) == pytest.approx(50.5)
    assert report.percentile(values, 95) == pytest.approx(95.05)
    assert report.percentile(values, 99) == pytest.approx(99.01)
    assert report.percentile([40, 10, 30, 20], 50) == pytest.approx(25)
    assert report.percentile([7.0], 99) == 7.0
    assert report.percentile([], 50) is None


def turn(kind: str, ms: float, outcome: str = "ok") -> Turn:
    return Turn(kind, 0.0, ms / 1000, outcome, "说的话", "回答")


def level(customers: int, turns: list[Turn], seconds: float = 10.0) -> LevelRun:
    run = LevelRun(customers, seconds, 1.0, turns, {"faq": 3})
    run.at_end = {"memory_mb": {"rasa run": 990.0, "bot.actionserver": 480.0}}
    return run


def test_a_level_in_numbers() -> None:
    turns = [turn("faq", ms) for ms in range(10, 110, 10)]  # 10..100 ms
    turns += [
        turn("verify", 200),
        turn("account", 300, "wrong"),
        turn("complaint", 10_000, "timeout"),
    ]
    summary = report.level_summary(level(10, turns))
    assert summary["turns"] == 13 and summary["throughput"] == 1.3
    assert summary["turns_by_kind"] == {"faq": 10, "verify": 1, "account": 1, "complaint": 1}
    assert summary["latency_ms"]["faq"]["p50"] == 55.0
    assert summary["latency_ms"]["faq"]["max"] == 100.0
    assert summary["latency_ms"]["overall"]["count"] == 13
    assert summary["errors"]["complaint"]["timeout"] == 1 and summary["errors_total"] == 1
    assert summary["wrong"] == {"faq": 0, "verify": 0, "account": 1, "complaint": 0}
    assert summary["wrong_total"] == 1
    assert {failure["outcome"] for failure in summary["failures"]} == {"wrong", "timeout"}
    assert summary["memory_mb"]["rasa run"] == 990.0
    empty = report.level_summary(level(1, []))
    assert empty["turns"] == 0 and empty["latency_ms"]["faq"]["p95"] is None


def a_report(ours_per_turn_ms: float, training_s: float | None) -> dict:
    """Ours and a baseline at 1 and 50 customers; ours twice as fast."""
    profiles = {}
    for name, count in (("ours", 20), ("baseline", 10)):
        runs = [level(n, [turn("faq", ours_per_turn_ms)] * count) for n in (1, 50)]
        profiles[name] = report.summarise_profile(runs)
    machine = {"cpus": 2, "cpu_model": "x", "ram_gb": 1.0, "python": "3.10", "rasa": "3.6"}
    machine |= {"load_average": [0.0, 0.0, 0.0], "date": "2026-11-22T00:00:00+00:00"}
    settings = {"seconds": 10.0, "warmup_seconds": 1.0, "levels": [1, 50]}
    return report.build_report(
        machine,
        settings,
        {"seconds": training_s, "trained_at": None},
        {"ours": 20.0, "baseline": 18.0},
        profiles,
    )


def test_the_report_has_its_shape_and_checks_the_targets(tmp_path: Path) -> None:
    built = a_report(ours_per_turn_ms=20, training_s=None)
    path = tmp_path / "bench.json"
    report.write_json(built, path)
    loaded = json.loads(path.read_text(encoding="utf-8"))
    assert set(loaded) == {
        "machine",
        "settings",
        "training",
        "startup_seconds",
        "profiles",
        "ratios",
        "targets",
    }
    assert loaded["ratios"] == {"ours": {"1": 2.0, "50": 2.0}}
    level_50 = loaded["profiles"]["ours"]["levels"]["50"]
    assert set(level_50["latency_ms"]) == {"overall", *KINDS}
    assert {"p50", "p95", "p99"} <= set(level_50["latency_ms"]["faq"])
    verdicts = [target["verdict"] for target in loaded["targets"]]
    assert verdicts == ["PASS", "PASS", "UNKNOWN", "PASS"]  # training not recorded
    slow = a_report(ours_per_turn_ms=400, training_s=300.0)
    assert [target["verdict"] for target in slow["targets"]] == ["FAIL", "PASS", "FAIL", "PASS"]
    text = report.summary(slow)
    assert "FAIL" in text and "2.00×" in text and "rasa run 990" in text


def test_the_chart_is_written(tmp_path: Path) -> None:
    path = tmp_path / "bench.png"
    report.write_png(a_report(ours_per_turn_ms=20, training_s=100.0), path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_training_time_is_read_from_the_record(tmp_path: Path) -> None:
    model = tmp_path / "assistant-0123.tar.gz"
    assert training(model)["seconds"] is None and "note" in training(model)
    training_record(model).write_text(
        '{"seconds": 263.4, "trained_at": "2026-11-22T10:00:00+00:00"}'
    )
    assert training(model) == {"seconds": 263.4, "trained_at": "2026-11-22T10:00:00+00:00"}


def test_the_mix_of_conversations() -> None:
    rng = random.Random(1)
    drawn = [conversation(rng) for _ in range(2000)]
    shares = Counter(name for name, _ in drawn)
    assert 0.55 < shares["faq"] / 2000 < 0.65 and 0.25 < shares["account"] / 2000 < 0.35
    for name, steps in drawn:
        kinds = [step.kind for step in steps]
        if name == "faq":
            assert 3 <= len(steps) <= 5 and set(kinds) == {"faq"}
        elif name == "account":
            assert kinds[:3] == ["account", "verify", "verify"] and 5 <= len(steps) <= 6
            assert steps[1].text in {customer.number for customer in DEMO_CUSTOMERS}
        else:
            assert kinds == ["complaint", "verify", "verify", "complaint"]


@pytest.mark.server
async def test_customers_against_the_real_assistant(assistant: RunningAssistant) -> None:
    assistant.unlock_demo_accounts()  # other tests lock a demo number on purpose

    def sample() -> dict:
        return {"memory_mb": memory(process_tree(assistant.process.pid))}

    run = await run_level(assistant.rest_url, 2, 3.0, warmup_s=0.5, seed=7, at_end=sample)
    summary = report.level_summary(run)
    assert summary["turns"] > 0, summary
    assert summary["errors_total"] == 0 and summary["wrong_total"] == 0, summary["failures"]
    overall = summary["latency_ms"]["overall"]
    assert 0 < overall["p50"] <= overall["p95"] <= overall["p99"] <= overall["max"] < 10_000
    assert summary["throughput"] > 0
    assert sum(summary["conversations"].values()) > 0
    assert {"bot.cli.run", "rasa run", "bot.actionserver"} <= set(summary["memory_mb"])
