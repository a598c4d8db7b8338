#!/usr/bin/env python
"""Overhead of GeneticSearchCV against RandomizedSearchCV at the same budget.

On a cheap estimator (a decision tree on 1,000 rows, ``cv=3``) the fits are
fast, so whatever the genetic search adds around them (the engine and its
surrogate, one ``evaluate_candidates`` batch per generation, ``cv_results_``
rebuilt after every batch) shows in the wall time. Issue 2's target: at most
1.10 x RandomizedSearchCV's wall time at the same number of distinct
candidates. Issue 13 asks how that scales: ``--sizes 500 10000``.

Per size and ``n_jobs``, ``--rounds`` rounds in a rotating order of:

* ``ga``: ``GeneticSearchCV(n_iter=size)``, every other setting at its default
  (surrogate on, population and generations derived from the budget);
* ``random``: ``RandomizedSearchCV`` with ``n_iter`` = the GA's distinct
  candidates (checked against ``cv_results_``), the space in scipy.stats;
* ``replay`` (control, ``--no-replay`` skips it): ``GridSearchCV`` over
  exactly the GA's candidates in one batch: GA / replay is the cost of
  evolving in generations, replay / random that of the GA's candidate mix.

Both references are scikit-learn's searches without the experimental
callback contexts that scikit-learn 1.9 makes for every fit
(``_timed.PlainRandomizedSearchCV``): those are pickled into each fit with
the growing task tree, which slows ``RandomizedSearchCV(n_jobs=2)`` down
faster than its number of candidates grows (``random_njobs.py``); gahpo
makes none unless ``set_callbacks`` is used, so the same fits without them
are the fair reference.

All with ``refit=False`` and the same folds. Medians over rounds; ratios
paired within a round. The GA's time is split from a subclass (each
``evaluate_candidates`` and ``_format_results`` timed): the engine is
``_run_search`` minus the batches. Memory (``--no-memory`` skips it): per
size, a fresh process (``n_jobs=1``) fits each search and reports the growth
of its peak and current RSS (not tracemalloc, which would slow a 10,000
candidate search several times), against the size of ``cv_results_``.

Run::

    python benchmarks/overhead.py                 # 500 candidates, n_jobs 1 2, 5 rounds
    python benchmarks/overhead.py --sizes 500 10000 --rounds 5 --n-jobs 1 2
    python benchmarks/overhead.py --quick --json ''   # smoke test (~30 s)
"""

import _harness as H  # noqa: I001  (first: pins BLAS/OpenMP threads)
import argparse
import json
import pickle
import statistics
import sys

from sklearn.datasets import make_classification
from sklearn.tree import DecisionTreeClassifier

from _timed import PlainGridSearchCV, PlainRandomizedSearchCV, TimedGeneticSearchCV

TARGET = 1.10
CV = 3
SPACE = {
    "max_depth": H.Int(1, 30),
    "min_samples_split": H.Int(2, 50),
    "min_samples_leaf": H.Int(1, 50),
    "max_features": H.Float(0.1, 1.0),
    "criterion": H.Choice(["gini", "entropy"]),
}
KINDS = ("ga", "random", "replay")


def make(
    kind,
    n_jobs,
    seed,
    size=None,
    candidates=None,
    population_size=None,
    scheme="auto",
    surrogate=True,
):
    tree = DecisionTreeClassifier(random_state=0)
    common = {"cv": CV, "n_jobs": n_jobs, "refit": False}
    if kind == "ga":
        return TimedGeneticSearchCV(
            tree,
            H.encode(SPACE, "gahpo"),
            n_iter=size,
            population_size=population_size,
            scheme=scheme,
            random_state=seed,
            **({} if surrogate else {"surrogate": None}),
            **common,
        )
    if kind == "random":
        return PlainRandomizedSearchCV(
            tree, H.encode(SPACE, "random"), n_iter=size, random_state=seed, **common
        )
    grid = [{k: [v] for k, v in p.items()} for p in candidates]
    return PlainGridSearchCV(tree, grid, **common)


def distinct_candidates(ga):
    """Distinct candidates the GA evaluated, cross-checked with ``cv_results_``."""
    n = int(sum(record["n_evaluated"] for record in ga.history_))
    params = ga.cv_results_["params"]
    keys = {tuple(sorted((k, repr(v)) for k, v in p.items())) for p in params}
    if not n == len(params) == len(keys):
        raise RuntimeError(
            f"GA bookkeeping disagrees: sum(n_evaluated)={n}, "
            f"{len(params)} rows in cv_results_, {len(keys)} distinct"
        )
    return n


def breakdown(ga, total):
    b = ga.bench_
    batches, formats = sum(b["batches"]), sum(b["format_results"])
    return {
        "total": total,
        "batches": batches,
        "n_batches": len(b["batches"]),
        "fits_in_batches": batches - formats,
        "format_results": formats,
        "engine": b["run_search"] - batches,
        "outside_run_search": total - b["run_search"],
    }


def measure(size, n_jobs, args, X, y, log):
    """``--rounds`` rounds of the searches at one size and n_jobs; the record."""
    kinds = list(KINDS if args.replay else KINDS[:2])
    log(f"\n## {size} candidates, n_jobs={n_jobs}: warm-up (untimed) ...")
    for kind in kinds:  # imports, the worker pool, caches: outside the timings
        make(
            kind,
            n_jobs,
            args.seed,
            size=30,
            population_size=6,
            candidates=[{"max_depth": 3}],
        ).fit(X, y)
    times = {k: [] for k in kinds}
    cpu = {k: [] for k in kinds}
    runs, orders, n, candidates, generations = [], [], None, None, None
    for r in range(args.rounds):
        order = H.rotate(kinds, r)  # round 0: the GA first, its candidates set n
        orders.append(order)
        for kind in order:
            search = make(
                kind,
                n_jobs,
                args.seed,
                size=size if kind == "ga" else n,
                candidates=candidates,
                population_size=args.population_size,
                scheme=args.scheme,
                surrogate=args.surrogate,
            )
            wall, cpu_s, _ = H.timed(search.fit, X, y)
            times[kind].append(wall)
            cpu[kind].append(cpu_s)
            got = (
                distinct_candidates(search)
                if kind == "ga"
                else len(search.cv_results_["params"])
            )
            if kind == "ga":
                runs.append(breakdown(search, wall))
                if n is None:
                    n, generations = got, int(search.n_generations_)
                    candidates = list(search.cv_results_["params"])
            if got != n:
                raise RuntimeError(f"{kind} evaluated {got} candidates, not {n}")
        log(
            f"   round {r + 1}/{args.rounds} ({'/'.join(order)}): "
            + ", ".join(f"{k} {times[k][-1]:.3f}s" for k in kinds)
            + f"; GA/random {times['ga'][-1] / times['random'][-1]:.3f}"
        )

    def med_ratio(a, b):
        return statistics.median(x / y for x, y in zip(a, b))

    ratios = [g / r for g, r in zip(times["ga"], times["random"])]
    result = {
        "size": size,
        "n_jobs": n_jobs,
        "candidates": n,
        "generations": generations,
        "fits_per_search": n * CV,
        "times": times,
        "main_process_cpu_times": cpu,
        # with workers, the fits' CPU is elsewhere: CPU ratios at n_jobs=1 only
        "cpu_ratio_median": med_ratio(cpu["ga"], cpu["random"])
        if n_jobs == 1
        else None,
        "cpu_ratio_ga_replay_median": med_ratio(cpu["ga"], cpu["replay"])
        if n_jobs == 1 and args.replay
        else None,
        "orders": orders,
        "ratio_ga_random": ratios,
        "ratio_median": statistics.median(ratios),
        "ratio_min": min(ratios),
        "ga_median": statistics.median(times["ga"]),
        "random_median": statistics.median(times["random"]),
        "ga_breakdown": runs,
        "engine_per_generation": statistics.median(
            b["engine"] / generations for b in runs
        ),
        "meets_target": statistics.median(ratios) <= TARGET,
    }
    if args.replay:
        result.update(
            replay_median=statistics.median(times["replay"]),
            ratio_ga_replay=[g / p for g, p in zip(times["ga"], times["replay"])],
            ratio_ga_replay_median=med_ratio(times["ga"], times["replay"]),
            ratio_replay_random_median=med_ratio(times["replay"], times["random"]),
        )
    return result


def memory_child(kind, size, seed):
    """In a fresh process: one fit at ``n_jobs=1`` under tracemalloc; a JSON line."""
    X, y = make_classification(n_samples=1000, n_features=20, random_state=0)
    search = make(kind, 1, seed, size=size)
    _, peak, retained, rss = H.traced(lambda: search.fit(X, y), heap=False)
    res = search.cv_results_
    nbytes = sum(getattr(v, "nbytes", 0) for v in res.values())
    print(
        json.dumps(
            {
                "kind": kind,
                "size": size,
                "candidates": len(res["params"]),
                "peak_extra_mb": peak,
                "retained_mb": retained,
                "max_rss_mb": rss,
                "cv_results_pickle_mb": len(pickle.dumps(res)) / 2**20,
                "cv_results_array_mb": nbytes / 2**20,
                "search_pickle_mb": len(pickle.dumps(search)) / 2**20,
            }
        )
    )


def report(results, memory):
    rows = [
        [
            r["size"],
            r["n_jobs"],
            r["candidates"],
            f"{r['ga_median']:.3f}",
            f"{r['random_median']:.3f}",
            f"{r['ratio_median']:.3f}",
            f"{r['ratio_min']:.3f}",
            f"{1000 * r['engine_per_generation']:.2f}",
        ]
        for r in results
    ]
    lines = [
        H.markdown_table(
            [
                "size",
                "n_jobs",
                "candidates",
                "GA time (s)",
                "random time (s)",
                "ratio median",
                "ratio min",
                "engine / generation (ms)",
            ],
            rows,
        ),
        f"\nMedians over rounds; ratios GA/random paired within a round. Target: "
        f"ratio <= {TARGET:.2f}. Engine = GA's _run_search outside "
        "evaluate_candidates.\n\nWhere the GA's time goes (medians over rounds):\n",
    ]

    def opt(r, k):
        return f"{r[k]:.3f}" if r.get(k) is not None else "-"

    rows = []
    for r in results:
        b = {
            k: statistics.median(x[k] for x in r["ga_breakdown"])
            for k in r["ga_breakdown"][0]
        }
        rows.append(
            [r["size"], r["n_jobs"], int(b["n_batches"])]
            + [
                f"{b[k]:.3f}"
                for k in (
                    "fits_in_batches",
                    "format_results",
                    "engine",
                    "outside_run_search",
                )
            ]
            + [
                opt(r, k)
                for k in (
                    "replay_median",
                    "ratio_ga_replay_median",
                    "ratio_replay_random_median",
                    "cpu_ratio_median",
                    "cpu_ratio_ga_replay_median",
                )
            ]
        )
    lines.append(
        H.markdown_table(
            [
                "size",
                "n_jobs",
                "batches",
                "fits in batches (s)",
                "cv_results_ rebuilds (s)",
                "engine (s)",
                "rest of fit (s)",
                "replay (s)",
                "GA / replay",
                "replay / random",
                "CPU GA / random",
                "CPU GA / replay",
            ],
            rows,
        )
    )
    if memory:
        lines.append("\nMemory, fresh process, n_jobs=1 (RSS growth during fit):\n")
        lines.append(
            H.markdown_table(
                [
                    "size",
                    "search",
                    "candidates",
                    "peak RSS + (MB)",
                    "RSS kept (MB)",
                    "cv_results_ pickled (MB)",
                    "peak / cv_results_",
                    "max RSS (MB)",
                ],
                [
                    [
                        m["size"],
                        m["kind"],
                        m["candidates"],
                        f"{m['peak_extra_mb']:.1f}",
                        f"{m['retained_mb']:.1f}",
                        f"{m['cv_results_pickle_mb']:.2f}",
                        f"{m['peak_extra_mb'] / m['cv_results_pickle_mb']:.1f}",
                        f"{m['max_rss_mb']:.0f}",
                    ]
                    for m in memory
                ],
            )
        )
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[500],
        help="distinct candidates per search, each measured (default 500)",
    )
    p.add_argument(
        "--budget",
        type=int,
        dest="sizes_one",
        default=None,
        help="one size (the older spelling of --sizes B)",
    )
    p.add_argument(
        "--n-jobs",
        type=int,
        nargs="+",
        default=[1, 2],
        help="n_jobs settings, each measured separately (default: 1 2)",
    )
    p.add_argument(
        "--rounds", "--repeats", type=int, default=5, help="timed rounds (default: 5)"
    )
    p.add_argument(
        "--population-size",
        type=int,
        default=None,
        help="default: derived from the size by GeneticSearchCV",
    )
    p.add_argument("--seed", type=int, default=0, help="random_state of the searches")
    p.add_argument(
        "--scheme",
        default="auto",
        help="the GA's scheme (default 'auto': generational below 8 workers); "
        "'steady_state' measures the asynchronous mode (its fits run outside "
        "the timed batches, so the breakdown's 'engine' then includes them)",
    )
    p.add_argument(
        "--no-surrogate",
        dest="surrogate",
        action="store_false",
        help="the GA with surrogate=None: what the engine costs without it",
    )
    p.add_argument(
        "--no-replay",
        dest="replay",
        action="store_false",
        help="skip the GridSearchCV replay of the GA's candidates",
    )
    p.add_argument(
        "--no-memory",
        dest="memory",
        action="store_false",
        help="skip the peak-memory measurement",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="smoke test: --sizes 60 --rounds 1 --n-jobs 1",
    )
    p.add_argument(
        "--json",
        default=H.results_path("overhead.json"),
        help="results file (default: benchmarks/results/overhead.json); '' to skip",
    )
    p.add_argument(
        "--memory-child", nargs=2, metavar=("KIND", "SIZE"), help=argparse.SUPPRESS
    )
    args = p.parse_args(argv)
    if args.memory_child:
        memory_child(args.memory_child[0], int(args.memory_child[1]), args.seed)
        return 0
    if args.sizes_one is not None:
        args.sizes = [args.sizes_one]
    if args.quick:
        args.sizes, args.rounds, args.n_jobs = [60], 1, [1]
    if args.rounds < 1 or min(args.sizes) < 10:
        p.error("need --rounds >= 1 and sizes >= 10")

    run = H.start("overhead", "GeneticSearchCV overhead vs RandomizedSearchCV", argv)
    X, y = make_classification(n_samples=1000, n_features=20, random_state=0)
    run.log(
        f"Problem: DecisionTreeClassifier on make_classification(1000 x 20), "
        f"cv={CV}, refit=False; GeneticSearchCV(n_iter=size) at its defaults; "
        f"sizes {args.sizes}, n_jobs {args.n_jobs}, {args.rounds} round(s)."
    )
    results = [
        measure(size, n_jobs, args, X, y, run.log)
        for size in args.sizes
        for n_jobs in args.n_jobs
    ]
    memory = []
    for size in args.sizes if args.memory else ():
        for kind in ("ga", "random"):
            memory.append(
                H.child_json(
                    [
                        sys.executable,
                        __file__,
                        "--memory-child",
                        kind,
                        str(size),
                        "--seed",
                        str(args.seed),
                    ]
                )
            )
            run.log(
                f"   memory {kind} {size}: peak +{memory[-1]['peak_extra_mb']:.1f} MB"
            )
    run.log("\n" + report(results, memory))
    met = all(r["meets_target"] for r in results)
    run.log(
        f"Target ratio <= {TARGET:.2f}: {'met' if met else 'NOT met'} ("
        + ", ".join(
            f"{r['size']} @ n_jobs={r['n_jobs']}: {r['ratio_median']:.3f}"
            for r in results
        )
        + ")."
    )
    run.write(
        args.json,
        {
            "target_ratio": TARGET,
            "config": {
                "estimator": "DecisionTreeClassifier(random_state=0)",
                "data": "make_classification(n_samples=1000, n_features=20, "
                "random_state=0)",
                "cv": CV,
                "refit": False,
                "sizes": args.sizes,
                "ga": "GeneticSearchCV(n_iter=size), otherwise defaults"
                + (" (surrogate on)" if args.surrogate else ", surrogate=None"),
                "surrogate": args.surrogate,
                "population_size": args.population_size,
                "scheme": args.scheme,
                "seed": args.seed,
                "rounds": args.rounds,
                "repeats": args.rounds,
                "n_jobs": args.n_jobs,
                "ga_space": H.describe(H.encode(SPACE, "gahpo")),
                "random_space": H.describe(H.encode(SPACE, "random")),
            },
            "results": results,
            "memory": memory,
            "meets_target": met,
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
