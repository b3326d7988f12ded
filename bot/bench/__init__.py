"""`make bench`: the assistant under load, against a plain `rasa run` of the same model.

    python -m bot.bench                  # 1, 10 and 50 customers, 30 s each after 5 s warm-up
    python -m bot.bench --seconds 10     # shorter (or BENCH_SECONDS=10)

For each profile — ours (`python -m bot.cli.run`, what `make run` starts) and the baseline
(`python -m rasa run` with Rasa's defaults: its own REST channel, in-memory tracker and lock
stores, our action server and account service beside it) — the bench

1. starts it on free ports with fresh databases in a temporary folder and measures the
   seconds from spawn until the REST channel answers 彩铃怎么收费 with a price (`processes.py`);
2. plays simulated customers over `POST /webhooks/rest/webhook` at each level of concurrency:
   closed loop, one HTTP session per customer, a new conversation id per conversation, a mix
   of FAQ questions, verified account questions and complaints, each reply checked for the
   fragment a right answer contains (`load.py`);
3. reads the memory (VmRSS) of each of the profile's processes at the end of each level.

`report.py` turns the turns into numbers (throughput, p50/p95/p99 by kind, errors, wrong
answers), checks the targets of issue 6 and writes `results/bench/bench.json` and
`results/bench/bench.png`. The processes' logs are in `results/bench/logs/`.
"""
