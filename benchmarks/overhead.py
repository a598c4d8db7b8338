#!/usr/bin/env python
"""Overhead of GeneticSearchCV against RandomizedSearchCV at the same budget.

On a cheap estimator (a decision tree on a small synthetic classification set)
the fits are fast, so whatever the genetic search adds around them — the
engine (selection, crossover, mutation, cache), one ``evaluate_candidates``
batch per generation instead of one for the whole search, and the
``cv_results_`` bookkeeping redone after every batch — shows up in the wall
time. The issue's target: GeneticSearchCV takes at most 1.10 times as long
as RandomizedSearchCV evaluating the same number of candidates.

What is measured, for each ``n_jobs`` separately, in the same process:

* ``GA``: ``GeneticSearchCV(population_size, generations)`` with a fixed
  ``random_state``; the number of distinct candidates it evaluates (the sum
  of ``history_["n_evaluated"]``, checked against ``cv_results_``) sets the
  budget of the others.
* ``random``: ``RandomizedSearchCV`` with ``n_iter`` = that number, over the
  same space written with ``scipy.stats`` (``randint``/``uniform``/list).
* ``replay`` (control): ``GridSearchCV`` over exactly the GA's candidates, in a
  single batch. ``GA / replay`` isolates what the generations cost, since a
  GA may drift to candidates that are cheaper or dearer to fit than random
  ones (a decision tree's fit time depends on ``max_features``, depth, ...).

All with ``cv=3`` (the same stratified folds), ``refit=False``, the same
``n_jobs``. An untimed warm-up GA run comes first (it also gives the candidate
list); then ``--repeats`` rounds, the order of the three searches rotating
from one round to the next to spread drift. Ratios are paired within a round;
the median and the minimum over rounds are reported.

The GA's time is split by timing, from a subclass, each ``evaluate_candidates``
call and each ``_format_results`` call inside it: ``engine`` is the time of
``_run_search`` spent outside ``evaluate_candidates`` (ask, tell, decode,
records); ``cv_results`` is the rebuilding of ``cv_results_`` that scikit-learn
does after every batch. The engine is also timed alone (ask/decode/tell with
a fake objective, no scikit-learn) on the same space.

BLAS/OpenMP are pinned to one thread (environment variables set before numpy
is imported, inherited by joblib's workers, plus threadpoolctl in this
process).

Run:  python benchmarks/overhead.py [--n-jobs 1 2] [--repeats 5] [--budget 500]
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common  # noqa: E402

_OVERRIDDEN = _common.pin_threads_env(1)  # before numpy, scipy, sklearn

import cProfile  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import pstats  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

from scipy.stats import randint, uniform  # noqa: E402
from sklearn.datasets import make_classification  # noqa: E402
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV  # noqa: E402
from sklearn.tree import DecisionTreeClassifier  # noqa: E402

from gahpo import GeneticSearchCV  # noqa: E402
from gahpo.space import Integer, Real  # noqa: E402

TARGET = 1.10
CV = 3


def ga_space():
    return {
        "max_depth": Integer(1, 30),
        "min_samples_split": Integer(2, 50),
        "min_samples_leaf": Integer(1, 50),
        "max_features": Real(0.1, 1.0),
        "criterion": ["gini", "entropy"],
    }


def random_space():
    """The same space for RandomizedSearchCV: Integer bounds are inclusive."""
    return {
        "max_depth": randint(1, 31),
        "min_samples_split": randint(2, 51),
        "min_samples_leaf": randint(1, 51),
        "max_features": uniform(0.1, 0.9),  # [loc, loc + scale]
        "criterion": ["gini", "entropy"],
    }


# -- searches that time their own parts ------------------------------------


class _Timed:
    """Mixin: time ``_run_search``, each ``evaluate_candidates`` and ``_format_results``."""

    def _run_search(self, evaluate_candidates, *, callback_ctx=None):
        batches, formats = [], []
        self._bench_formats = formats

        def timed_evaluate_candidates(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return evaluate_candidates(*args, **kwargs)
            finally:
                batches.append(time.perf_counter() - t0)

        t0 = time.perf_counter()
        super()._run_search(timed_evaluate_candidates, callback_ctx=callback_ctx)
        self.bench_ = {
            "run_search": time.perf_counter() - t0,
            "batches": batches,
            "format_results": formats,
        }
        del self._bench_formats

    def _format_results(self, *args, **kwargs):
        t0 = time.perf_counter()
        try:
            return super()._format_results(*args, **kwargs)
        finally:
            self._bench_formats.append(time.perf_counter() - t0)


class TimedGeneticSearchCV(_Timed, GeneticSearchCV):
    pass


class TimedRandomizedSearchCV(_Timed, RandomizedSearchCV):
    pass


class TimedGridSearchCV(_Timed, GridSearchCV):
    pass


def make_ga(n_jobs, population_size, generations, seed):
    return TimedGeneticSearchCV(
        DecisionTreeClassifier(random_state=0),
        ga_space(),
        population_size=population_size,
        generations=generations,
        cv=CV,
        n_jobs=n_jobs,
        refit=False,
        random_state=seed,
    )


def make_random(n_jobs, n_iter, seed):
    return TimedRandomizedSearchCV(
        DecisionTreeClassifier(random_state=0),
        random_space(),
        n_iter=n_iter,
        cv=CV,
        n_jobs=n_jobs,
        refit=False,
        random_state=seed,
    )


def make_replay(n_jobs, candidates):
    grid = [{name: [value] for name, value in params.items()} for params in candidates]
    return TimedGridSearchCV(
        DecisionTreeClassifier(random_state=0), grid, cv=CV, n_jobs=n_jobs, refit=False
    )


def timed_fit(search, X, y):
    """Wall seconds of ``fit``; this process's CPU seconds kept on ``search.cpu_time_``."""
    t0, c0 = time.perf_counter(), time.process_time()
    search.fit(X, y)
    search.cpu_time_ = time.process_time() - c0
    return time.perf_counter() - t0


def distinct_candidates(ga):
    """Number of distinct candidates the GA evaluated, cross-checked."""
    n = int(sum(record["n_evaluated"] for record in ga.history_))
    params = ga.cv_results_["params"]
    keys = {tuple(sorted((k, repr(v)) for k, v in p.items())) for p in params}
    if not n == len(params) == len(keys):
        raise RuntimeError(
            f"GA bookkeeping disagrees: sum(n_evaluated)={n}, "
            f"{len(params)} rows in cv_results_, {len(keys)} distinct."
        )
    return n


# -- the engine alone ----------------------------------------------------------


def fake_score(params):
    """A cheap deterministic objective with an interior optimum."""
    return -(
        (params["max_depth"] - 8) ** 2 / 100
        + (params["min_samples_leaf"] - 5) ** 2 / 1000
        + (params["max_features"] - 0.6) ** 2
        + (params["criterion"] == "gini") * 0.01
    )


def time_engine_alone(population_size, generations, seed, repeats):
    """Seconds per generation of ask + decode + tell, median over repeats.

    The engine is built by the search itself (its private ``_make_engine``,
    after its own parameter checks), so it has every default the search
    gives it: operators, rates, surrogate, the estimator's defaults in the
    first population. Returns ``(seconds, None)``, or ``(None, reason)`` when
    the search's internals changed shape.
    """
    from sklearn.utils import check_random_state

    search = GeneticSearchCV(
        DecisionTreeClassifier(random_state=0),
        ga_space(),
        population_size=population_size,
        generations=generations,
        random_state=seed,
    )
    per_generation = []
    try:
        search._validate_params()
        search._check_search_parameters()
        space = search._space
        for _ in range(repeats):
            engine = search._make_engine(check_random_state(seed))
            t0 = time.perf_counter()
            for _ in range(generations):
                batch = engine.ask()
                engine.tell([fake_score(space.decode(ind)) for ind in batch])
            per_generation.append((time.perf_counter() - t0) / generations)
    except Exception as exc:  # private API: report, do not crash the benchmark
        return None, f"{type(exc).__name__}: {exc}"
    return statistics.median(per_generation), None


# -- one n_jobs setting --------------------------------------------------------


def ga_breakdown(ga, total):
    bench = ga.bench_
    batches = sum(bench["batches"])
    formats = sum(bench["format_results"])
    engine = bench["run_search"] - batches
    return {
        "total": total,
        "batches": batches,
        "n_batches": len(bench["batches"]),
        "fits_in_batches": batches - formats,
        "format_results": formats,
        "engine": engine,
        "outside_run_search": total - bench["run_search"],
    }


def measure(n_jobs, args, X, y, log):
    generations = math.ceil(args.budget / args.population_size)
    log(f"\n## n_jobs={n_jobs}: warm-up GA run (untimed) ...")
    warm = make_ga(n_jobs, args.population_size, generations, args.seed)
    warm_time = timed_fit(warm, X, y)
    n_candidates = distinct_candidates(warm)
    candidates = list(warm.cv_results_["params"])
    log(
        f"   GA evaluated {n_candidates} distinct candidates in "
        f"{warm.n_generations_} generations ({warm_time:.2f}s, warm-up)"
    )
    if n_candidates < 0.9 * args.budget:
        log(
            f"   WARNING: {n_candidates} candidates is under 90% of the budget "
            f"{args.budget}; the space may be too small or the GA stalled."
        )

    runs = {"ga": [], "random": [], "replay": []}
    cpu = {"ga": [], "random": [], "replay": []}
    breakdowns, orders = [], []
    kinds = ["ga", "random", "replay"] if args.replay else ["ga", "random"]
    for r in range(args.repeats):
        order = kinds[r % len(kinds):] + kinds[: r % len(kinds)]
        orders.append(order)
        times = {}
        for kind in order:
            if kind == "ga":
                search = make_ga(n_jobs, args.population_size, generations, args.seed)
                times[kind] = timed_fit(search, X, y)
                got = distinct_candidates(search)
                if got != n_candidates:
                    raise RuntimeError(
                        f"GA is not deterministic: {got} candidates, warm-up had {n_candidates}."
                    )
                breakdowns.append(ga_breakdown(search, times[kind]))
            elif kind == "random":
                search = make_random(n_jobs, n_candidates, args.seed)
                times[kind] = timed_fit(search, X, y)
                assert len(search.cv_results_["params"]) == n_candidates
            else:
                search = make_replay(n_jobs, candidates)
                times[kind] = timed_fit(search, X, y)
                assert len(search.cv_results_["params"]) == n_candidates
            cpu[kind].append(search.cpu_time_)
        for kind, value in times.items():
            runs[kind].append(value)
        line = ", ".join(f"{k} {times[k]:.3f}s" for k in kinds)
        log(
            f"   round {r + 1}/{args.repeats} (order {'/'.join(order)}): {line}; "
            f"GA/random {times['ga'] / times['random']:.3f}"
        )

    ratios = [g / r for g, r in zip(runs["ga"], runs["random"])]
    result = {
        "n_jobs": n_jobs,
        "candidates": n_candidates,
        "generations": warm.n_generations_,
        "fits_per_search": n_candidates * CV,
        "times": runs,
        "main_process_cpu_times": cpu,
        "cpu_ratio_median": (
            statistics.median(g / r for g, r in zip(cpu["ga"], cpu["random"]))
            if n_jobs == 1 else None  # with workers, the fits' CPU is elsewhere
        ),
        "cpu_ratio_ga_replay_median": (
            statistics.median(g / r for g, r in zip(cpu["ga"], cpu["replay"]))
            if n_jobs == 1 and cpu["replay"] else None
        ),
        "orders": orders,
        "ratio_ga_random": ratios,
        "ratio_median": statistics.median(ratios),
        "ratio_min": min(ratios),
        "ga_median": statistics.median(runs["ga"]),
        "random_median": statistics.median(runs["random"]),
        "ga_breakdown": breakdowns,
        "engine_per_generation": statistics.median(
            b["engine"] / warm.n_generations_ for b in breakdowns
        ),
        "meets_target": statistics.median(ratios) <= TARGET,
    }
    if args.replay:
        replay_ratios = [g / r for g, r in zip(runs["ga"], runs["replay"])]
        result.update(
            replay_median=statistics.median(runs["replay"]),
            ratio_ga_replay=replay_ratios,
            ratio_ga_replay_median=statistics.median(replay_ratios),
            ratio_replay_random_median=statistics.median(
                p / r for p, r in zip(runs["replay"], runs["random"])
            ),
        )
    return result


def profile_ga(n_jobs, args, X, y, top):
    """cProfile of one GA fit (this process only; joblib workers are not seen)."""
    generations = math.ceil(args.budget / args.population_size)
    search = make_ga(n_jobs, args.population_size, generations, args.seed)
    profiler = cProfile.Profile()
    profiler.enable()
    search.fit(X, y)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


# -- report ----------------------------------------------------------------------


def report(results, engine_alone, engine_alone_error=None):
    header = [
        "n_jobs",
        "candidates",
        "GA time (s)",
        "random time (s)",
        "ratio median",
        "ratio min",
        "engine / generation (ms)",
    ]
    rows = [
        [
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
    lines = [_common.markdown_table(header, rows)]
    alone = (
        f"{1000 * engine_alone:.2f} ms / generation"
        if engine_alone is not None
        else f"not measured ({engine_alone_error})"
    )
    lines.append(
        f"\nTimes are medians over rounds; ratios are GA/random paired within a "
        f"round. Target: ratio <= {TARGET:.2f}. Engine time = GA's _run_search "
        f"outside evaluate_candidates. Engine alone (ask + decode + tell, fake "
        f"objective, no fits): {alone}."
    )

    header = [
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
    ]
    rows = []
    for r in results:
        b = {k: statistics.median(x[k] for x in r["ga_breakdown"]) for k in r["ga_breakdown"][0]}
        rows.append(
            [
                r["n_jobs"],
                int(b["n_batches"]),
                f"{b['fits_in_batches']:.3f}",
                f"{b['format_results']:.3f}",
                f"{b['engine']:.3f}",
                f"{b['outside_run_search']:.3f}",
                f"{r['replay_median']:.3f}" if "replay_median" in r else "-",
                f"{r['ratio_ga_replay_median']:.3f}" if "replay_median" in r else "-",
                f"{r['ratio_replay_random_median']:.3f}" if "replay_median" in r else "-",
                f"{r['cpu_ratio_median']:.3f}" if r["cpu_ratio_median"] is not None else "-",
                f"{r['cpu_ratio_ga_replay_median']:.3f}"
                if r["cpu_ratio_ga_replay_median"] is not None else "-",
            ]
        )
    lines.append("\nWhere the GA's time goes (medians over rounds):\n")
    lines.append(_common.markdown_table(header, rows))
    lines.append(
        "\n`replay` = GridSearchCV over exactly the GA's candidates in one batch: "
        "GA / replay is the cost of evolving in generations, replay / random the "
        "cost of the GA's candidate mix. CPU = the same ratios in CPU seconds of "
        "this process (n_jobs=1 only): less sensitive than wall time to other load."
    )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=(
            "Wall time of GeneticSearchCV / RandomizedSearchCV at the same number "
            "of candidates, on a decision tree (target: <= 1.10)."
        )
    )
    parser.add_argument(
        "--n-jobs", type=int, nargs="+", default=[1, 2],
        help="n_jobs settings, each measured separately (default: 1 2)",
    )
    parser.add_argument("--repeats", type=int, default=5, help="timed rounds (default: 5)")
    parser.add_argument(
        "--budget", type=int, default=500,
        help="candidates: generations = ceil(budget / population size) (default: 500)",
    )
    parser.add_argument("--population-size", type=int, default=25, help="(default: 25)")
    parser.add_argument("--seed", type=int, default=0, help="random_state of the searches")
    parser.add_argument(
        "--json", default=_common.default_results_path("overhead.json"),
        help="write the results here (default: benchmarks/results/overhead.json); "
        "'' to skip",
    )
    parser.add_argument(
        "--no-replay", dest="replay", action="store_false",
        help="skip the GridSearchCV replay of the GA's candidates",
    )
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N",
        help="after timing, cProfile one GA fit per n_jobs and print the top N functions",
    )
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.budget < args.population_size:
        parser.error("need --repeats >= 1 and --budget >= --population-size")

    def log(message):
        print(message, flush=True)

    limiter, pools = _common.pin_threads_runtime(1)
    log("# GeneticSearchCV overhead vs RandomizedSearchCV")
    log(_common.pinning_line(_OVERRIDDEN, pools))
    machine = _common.machine_info()
    log(
        f"Machine: {machine['cpu_count']} CPUs, load average "
        f"{machine['load_average_1_5_15']}, Python {machine['python']}, "
        f"scikit-learn {machine['scikit-learn']}, numpy {machine['numpy']}, "
        f"joblib {machine['joblib']}, gahpo {machine['gahpo']}."
    )
    source = _common.source_state()
    log(
        f"Source: commit {(source['commit'] or '?')[:12]}"
        + (
            f", with {len(source['gahpo_dirty_files'])} uncommitted file(s) in gahpo/"
            if source["gahpo_dirty_files"]
            else ", gahpo/ clean"
        )
        + "."
    )
    X, y = make_classification(n_samples=1000, n_features=20, random_state=0)
    generations = math.ceil(args.budget / args.population_size)
    log(
        f"Problem: DecisionTreeClassifier on make_classification(1000 x 20), cv={CV}, "
        f"refit=False; GA population {args.population_size} x {generations} "
        f"generations (budget {args.budget}), seed {args.seed}, {args.repeats} rounds."
    )

    results = [measure(n_jobs, args, X, y, log) for n_jobs in args.n_jobs]
    engine_alone, engine_alone_error = time_engine_alone(
        args.population_size, generations, args.seed, repeats=5
    )
    load_after = _common.load_average()

    log("\n" + report(results, engine_alone, engine_alone_error))
    log(f"\nLoad average (1 min) before: {machine['load_average_1_5_15'][0]:.2f}, "
        f"after: {load_after:.2f}.")
    verdict = all(r["meets_target"] for r in results)
    summary = ", ".join(
        "n_jobs={}: {:.3f}".format(r["n_jobs"], r["ratio_median"]) for r in results
    )
    log(f"Target ratio <= {TARGET:.2f}: {'met' if verdict else 'NOT met'} ({summary}).")

    profiles = {}
    for n_jobs in args.n_jobs if args.profile else ():
        log(f"\n## cProfile of one GA fit, n_jobs={n_jobs} (main process only)\n")
        profiles[n_jobs] = profile_ga(n_jobs, args, X, y, args.profile)
        log(profiles[n_jobs])

    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        payload = {
            "benchmark": "overhead",
            "target_ratio": TARGET,
            "config": {
                "estimator": "DecisionTreeClassifier(random_state=0)",
                "data": "make_classification(n_samples=1000, n_features=20, random_state=0)",
                "cv": CV,
                "refit": False,
                "budget": args.budget,
                "population_size": args.population_size,
                "generations": generations,
                "seed": args.seed,
                "repeats": args.repeats,
                "n_jobs": args.n_jobs,
                "ga_space": {k: repr(v) for k, v in ga_space().items()},
                "random_space": {
                    k: (f"{v.dist.name}{v.args}" if hasattr(v, "dist") else repr(v))
                    for k, v in random_space().items()
                },
            },
            "threads": {"pinned_to": 1, "variables_overridden": _OVERRIDDEN, "pools": pools},
            "machine": machine,
            "load_average_after": load_after,
            "results": results,
            "engine_alone_per_generation": engine_alone,
            "engine_alone_error": engine_alone_error,
            "source": source,
            "meets_target": verdict,
        }
        with open(args.json, "w") as f:
            json.dump(payload, f, indent=2, default=float)
        log(f"\nResults written to {args.json}")
    limiter.restore_original_limits()
    return 0


if __name__ == "__main__":
    sys.exit(main())
