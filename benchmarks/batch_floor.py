#!/usr/bin/env python
"""The floor of one parallel batch: what a generation costs before any fit.

``overhead.py`` finds the genetic search slower than ``RandomizedSearchCV``
with ``n_jobs=2`` by more than its engine's own time: the rest comes with
each ``evaluate_candidates`` batch, one per generation, where random search
makes one. This script measures the smallest such cost, joblib's: a
``Parallel`` call (the pool kept open between calls, as scikit-learn's
search keeps it during ``fit``) whose tasks do nothing, ``--calls`` times
per setting, with ``n_jobs`` 1 and 2 and a few tasks per call.

With process workers, joblib's ordered retrieval loop looks for finished
tasks, and sleeps 10 ms between looks (``time.sleep(0.01)`` in
``Parallel._retrieve``, joblib 1.3-1.6): a call returns up to 10 ms after
its last task is done. ``n_jobs=1`` runs in the calling thread and has no
such wait.

Then, from ``results/overhead_refit.json`` (the committed ``overhead.py``
run at the current code), the gap between the genetic search and random
search at ``n_jobs=2`` is split into the engine (its measured time per
generation) and the rest, and the rest is set against one floor per
generation.

Run::

    python benchmarks/batch_floor.py                # 200 calls per setting
    python benchmarks/batch_floor.py --calls 50 --json ''
"""

import _harness as H  # noqa: I001  (first: pins BLAS/OpenMP threads)
import argparse
import json
import statistics
import time
from pathlib import Path

from joblib import Parallel, delayed

OVERHEAD = Path(__file__).parent / "results" / "overhead_refit.json"


def nothing(i):
    return i


def floor(n_jobs, n_tasks, calls):
    """Seconds of each of ``calls`` Parallel calls of ``n_tasks`` empty tasks."""
    seconds = []
    with Parallel(n_jobs=n_jobs) as parallel:
        parallel(delayed(nothing)(i) for i in range(2 * n_jobs))  # start workers
        for _ in range(calls):
            start = time.perf_counter()
            parallel(delayed(nothing)(i) for i in range(n_tasks))
            seconds.append(time.perf_counter() - start)
    return seconds


def split_gap(floor_seconds):
    """The overhead run's gap at n_jobs=2: engine, the rest, and floors."""
    data = json.loads(OVERHEAD.read_text())
    out = []
    for r in data["results"]:
        if r["n_jobs"] != 2:
            continue
        ga = statistics.median(r["times"]["ga"])
        random = statistics.median(r["times"]["random"])
        generations = r["generations"]
        engine = r["engine_per_generation"] * generations
        rest = ga - random - engine
        floors = generations * floor_seconds
        out.append(
            {
                "size": r["size"],
                "generations": generations,
                "ga_seconds": ga,
                "random_seconds": random,
                "gap_seconds": ga - random,
                "engine_seconds": engine,
                "rest_seconds": rest,
                "floors_seconds": floors,
                "floors_share_of_rest": floors / rest if rest > 0 else None,
                "ratio_without_engine": (ga - engine) / random,
                "ratio_without_engine_and_floors": (ga - engine - floors) / random,
            }
        )
    return {"file": str(OVERHEAD.name), "commit": data["source"]["commit"]}, out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--tasks", nargs="+", type=int, default=[2, 48])
    parser.add_argument("--n-jobs", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--json", default=H.results_path("batch_floor.json"))
    args = parser.parse_args(argv)
    run = H.start("batch_floor", "The floor of one parallel batch", argv)
    rows, results = [], []
    for n_tasks in args.tasks:
        for n_jobs in args.n_jobs:
            seconds = floor(n_jobs, n_tasks, args.calls)
            entry = {
                "n_jobs": n_jobs,
                "n_tasks": n_tasks,
                "calls": args.calls,
                "median_ms": 1000 * statistics.median(seconds),
                "mean_ms": 1000 * statistics.fmean(seconds),
                "min_ms": 1000 * min(seconds),
            }
            results.append(entry)
            rows.append(
                [n_tasks, n_jobs]
                + [f"{entry[k]:.2f}" for k in ("median_ms", "mean_ms", "min_ms")]
            )
    run.log(
        "\n"
        + H.markdown_table(
            ["tasks", "n_jobs", "median (ms)", "mean (ms)", "min (ms)"], rows
        )
    )
    two = [r for r in results if r["n_jobs"] == 2]
    floor_seconds = statistics.median(r["median_ms"] for r in two) / 1000
    source, gap = split_gap(floor_seconds)
    rows = [
        [
            g["size"],
            g["generations"],
            f"{g['gap_seconds']:.2f}",
            f"{g['engine_seconds']:.2f}",
            f"{g['rest_seconds']:.2f}",
            f"{g['floors_seconds']:.2f}",
            f"{g['ratio_without_engine']:.3f}",
            f"{g['ratio_without_engine_and_floors']:.3f}",
        ]
        for g in gap
    ]
    run.log(
        f"\nn_jobs=2 in {source['file']} (commit {source['commit'][:7]}), "
        f"one floor of {1000 * floor_seconds:.1f} ms per generation:\n"
        + H.markdown_table(
            [
                "candidates",
                "generations",
                "GA - random (s)",
                "engine (s)",
                "rest (s)",
                "floors (s)",
                "GA / random without engine",
                "without engine and floors",
            ],
            rows,
        )
    )
    run.write(
        args.json,
        {
            "floor_per_call": results,
            "floor_seconds_n_jobs_2": floor_seconds,
            "overhead_source": source,
            "gap_at_n_jobs_2": gap,
        },
    )


if __name__ == "__main__":
    main()
