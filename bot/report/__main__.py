"""`make report`: how the assistant did in a period, as results/report/report.json and a
self-contained report.html. `make report SINCE=2026-11-01 UNTIL=2026-11-30` (dates in local
time, both included; default the last 7 days up to today).

Reads the stores the running assistant writes (bot/report/sources.py), never writes them.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bot.clock import local_now
from bot.report.page import render
from bot.report.sources import build, period_of

OUTPUT = Path("results") / "report"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.report", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--since", help="first day, YYYY-MM-DD (default: 6 days before --until)")
    parser.add_argument("--until", help="last day, YYYY-MM-DD (default: today)")
    parser.add_argument("--out", type=Path, default=OUTPUT, help="folder for the two files")
    args = parser.parse_args(argv)
    try:
        period = period_of(args.since, args.until, local_now().date())
    except ValueError as error:
        parser.error(str(error))
    report = build(period)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (args.out / "report.html").write_text(render(report), encoding="utf-8")
    print(
        f"[report] {report['conversations']} conversations, containment "
        f"{report['containment_rate']:.0%}, handoffs {report['handoffs']}: "
        f"{args.out / 'report.json'}, {args.out / 'report.html'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
