#!/usr/bin/env python
"""What ``fit_timeout`` costs per fit: a child process for every fit.

With ``fit_timeout`` set, each fit runs in a child process (POSIX fork; a
fresh interpreter on Windows and macOS) that sends the fitted estimator back
through a pipe. On a fit that takes no time (``DummyClassifier`` on iris),
``n_jobs=1``, per ``--rounds`` rounds in alternating order:

* ``direct``: ``--fits`` plain ``estimator.fit(X, y)`` calls;
* ``fork``: the same fits through ``TimeLimitedEstimator`` (the default on Linux);
* ``spawn``: ``--spawn-fits`` fits through the fresh-interpreter path;
* ``search``: ``GridSearchCV`` with ``--fits`` / 2 candidates x ``cv=2``,
  without and with ``time_limited_fits`` (what the search does with
  ``fit_timeout``), the whole ``fit`` timed.

The cost per fit is (limited - direct) / fits, median over rounds.

Run::

    python benchmarks/fit_timeout_cost.py       # 200 fits, 20 spawned, 5 rounds
"""

import _harness as H  # noqa: I001  (first: pins BLAS/OpenMP threads)

OVERRIDDEN = H.OVERRIDDEN

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

from sklearn.datasets import load_iris  # noqa: E402
from sklearn.dummy import DummyClassifier  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402

from gahpo._timeout import (  # noqa: E402
    START_METHOD,
    FitTimeLimit,
    TimeLimitedEstimator,
    _fit_copy,
    run_with_timeout,
    time_limited_fits,
)


def time_direct(X, y, n):
    start = time.perf_counter()
    for _ in range(n):
        DummyClassifier().fit(X, y)
    return time.perf_counter() - start


def time_fork(X, y, n):
    limit = FitTimeLimit(60.0)
    start = time.perf_counter()
    for _ in range(n):
        TimeLimitedEstimator(DummyClassifier(), limit).fit(X, y)
    return time.perf_counter() - start


def time_spawn(X, y, n):
    start = time.perf_counter()
    for _ in range(n):
        run_with_timeout(
            _fit_copy, (DummyClassifier(), X, y, {}), 60.0, start_method="spawn"
        )
    return time.perf_counter() - start


def time_search(X, y, n, limited):
    grid = {"constant": list(range(n // 2)), "strategy": ["prior"]}
    search = GridSearchCV(DummyClassifier(), grid, cv=2, refit=False, n_jobs=1)
    start = time.perf_counter()
    if limited:
        with time_limited_fits(search, 60.0):
            search.fit(X, y)
    else:
        search.fit(X, y)
    return time.perf_counter() - start


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--fits", type=int, default=200, help="fits per timing (default 200)"
    )
    p.add_argument(
        "--spawn-fits",
        type=int,
        default=20,
        help="fits per timing of the spawn path (default 20; 0 skips it)",
    )
    p.add_argument("--rounds", type=int, default=5, help="rounds (default 5)")
    p.add_argument(
        "--json",
        default=H.results_path("fit_timeout_cost.json"),
        help="results file (default: benchmarks/results/fit_timeout_cost.json)",
    )
    args = p.parse_args(argv)
    X, y = load_iris(return_X_y=True)
    time_fork(X, y, 5)  # warm-up: imports, first fork
    rounds = []
    for r in range(args.rounds):
        order = [False, True] if r % 2 == 0 else [True, False]
        row = {}
        for limited in order:
            if limited:
                row["fork_s"] = time_fork(X, y, args.fits)
                row["search_limited_s"] = time_search(X, y, args.fits, True)
            else:
                row["direct_s"] = time_direct(X, y, args.fits)
                row["search_plain_s"] = time_search(X, y, args.fits, False)
        if args.spawn_fits:
            row["spawn_s"] = time_spawn(X, y, args.spawn_fits)
        rounds.append(row)
        print(f"round {r + 1}: " + ", ".join(f"{k} {v:.3f}" for k, v in row.items()))

    def per_fit_ms(limited, plain, n):
        return statistics.median(
            1e3 * (row[limited] - row[plain]) / n for row in rounds
        )

    summary = {
        "fork_ms_per_fit": per_fit_ms("fork_s", "direct_s", args.fits),
        "search_fork_ms_per_fit": per_fit_ms(
            "search_limited_s", "search_plain_s", args.fits
        ),
        "direct_ms_per_fit": statistics.median(
            1e3 * r["direct_s"] / args.fits for r in rounds
        ),
    }
    if args.spawn_fits:
        summary["spawn_ms_per_fit"] = statistics.median(
            1e3 * r["spawn_s"] / args.spawn_fits for r in rounds
        )
    for key, value in summary.items():
        print(f"{key}: {value:.2f}")
    H.write_json(
        args.json,
        {
            "benchmark": "fit_timeout_cost",
            "command": "python benchmarks/fit_timeout_cost.py"
            + (f" {' '.join(argv)}" if argv else ""),
            "config": {
                "estimator": "DummyClassifier()",
                "data": "load_iris",
                "n_jobs": 1,
                "fits": args.fits,
                "spawn_fits": args.spawn_fits,
                "rounds": args.rounds,
                "default_start_method": START_METHOD,
                "search": "GridSearchCV, cv=2, refit=False",
            },
            "summary": summary,
            "rounds": rounds,
            "machine": H.machine_info(),
            "thread_pinning_overridden": OVERRIDDEN,
            "source": H.source_state(),
            "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        },
    )
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
