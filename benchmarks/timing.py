#!/usr/bin/env python
"""Time: wall time at the same budget, the speed-up from 1 to 2 jobs, the best
score within the same wall-clock budget, and what a generation costs.

Issue 6's time benchmark, on the study's MLP (``_flatmlp.FlatMLP``, flat
parameters so that every peer can search it) on digits, 25 % held out,
``cv=StratifiedKFold(2)``. Targets (reported, never asserted): at the same
budget with ``n_jobs=2``, gahpo's wall time at most 0.6 x ``GASearchCV``'s and
1.1 x ``RandomizedSearchCV``'s, and its speed-up from 1 to 2 jobs at least 1.8.

Part 1: every method's ``fit`` at budget B, per seed and ``n_jobs`` (order
rotating). Part 2: each method given T seconds (the median wall time of
random search at ``n_jobs=2`` in part 1). Part 3 (``--no-ablations`` skips
it): gahpo's idle tail per generation, a cold against a warm worker pool,
and 1 against 2 BLAS threads per process in fresh processes.
``benchmarks/README.md`` has the full protocol.

Run::

    python benchmarks/timing.py                     # 5 seeds, B = 30, all parts
    python benchmarks/timing.py --seeds 1 --budget 6 --max-iter 20 \\
        --no-ablations --json ''                    # smoke test
"""

import _harness as H  # noqa: I001  (first: pins BLAS/OpenMP threads)
import argparse
import datetime
import json
import math
import statistics
import sys
import time

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.datasets import load_digits
from sklearn.model_selection import StratifiedKFold

import _flatmlp
from _flatmlp import FlatMLP
from gahpo.study import N_SPLITS, split

TARGETS = {
    "gahpo_over_ga_peer_n_jobs_2": 0.6,  # at most
    "gahpo_over_random_n_jobs_2": 1.1,  # at most
    "gahpo_speed_up_1_to_2": 1.8,  # at least
}
WALL_N_JOBS = 2  # parts 2 and 3
BLAS_CONFIGS = ((2, 1), (2, 2), (1, 1), (1, 2))  # (n_jobs, BLAS threads), part 3 (c)
BLAS_TIMEOUT_FACTOR = 5  # part 3 (c): a child is stopped after 5x the first's time
SPACE = _flatmlp.SPACE


def load_task():
    """``X_train, X_test, y_train, y_test``: digits, 25 % held out, seed 0."""
    X, y = load_digits(return_X_y=True)
    return split(X, y, test_size=0.25, seed=0)


def search(method, budget, n_jobs, seed, max_iter, **kwargs):
    return H.make_search(
        method,
        FlatMLP(max_iter=max_iter),
        SPACE,
        budget=budget,
        cv=StratifiedKFold(N_SPLITS),
        n_jobs=n_jobs,
        seed=seed,
        **kwargs,
    )


def gahpo_population(budget):
    """The population ``GeneticSearchCV(n_iter=B)`` derives (its documented rule)."""
    return min(25, max(6, round(0.7 * math.sqrt(budget)) + 1))


def describe_methods(budget):
    p, g, evals = H.ga_peer_budget(budget)
    return {
        "gahpo": "GeneticSearchCV(n_iter=B, random_state=seed), otherwise defaults",
        "random": "RandomizedSearchCV(n_iter=B, random_state=seed)",
        "halving": "HalvingRandomSearchCV(n_candidates=B, random_state=seed), "
        "otherwise defaults (resource n_samples, factor 3)",
        "tpe": "OptunaSearchCV(n_trials=B, random_state=seed, study=create_study("
        "direction='maximize', sampler=TPESampler(seed=seed))); n_jobs = threads",
        "ga-peer": f"GASearchCV(population_size={p}, generations={g}, verbose=False), "
        f"otherwise defaults (eaMuPlusLambda): {evals} evaluations, cached repeats "
        "included; random and np.random seeded with the seed; uniform Integer genes",
    }


# -- part 1: the same budget --------------------------------------------------------


def fit_summary(evals, n_splits):
    """Candidates, CV fits run and fit seconds (cached repeats cost no fit)."""
    fitted = [e for e in evals if not e["cached"]]
    n_fits = len(fitted) * n_splits
    fit = sum(e["fit_seconds"] for e in fitted)
    return {
        "n_rows": len(evals),
        "n_distinct_candidates": len({H.key(e["params"]) for e in evals}),
        "n_cv_fits": n_fits,
        "fit_seconds": fit,
        "score_seconds": sum(e["score_seconds"] for e in fitted),
        "mean_fit_time": fit / n_fits if n_fits else float("nan"),
    }


def run_same_budget(method, budget, n_jobs, seed, data, max_iter):
    X_train, X_test, y_train, y_test = data
    s = search(method, budget, n_jobs, seed, max_iter)
    wall = H.fit(s, X_train, y_train)
    record = {
        "method": method,
        "seed": seed,
        "n_jobs": n_jobs,
        "wall_seconds": wall,
        "refit_seconds": float(getattr(s, "refit_time_", float("nan"))),
        "best_score": float(s.best_score_),
        "test_accuracy": float(s.best_estimator_.score(X_test, y_test)),
        "best_params": H.plain(s.best_params_),
        **fit_summary(H.evaluations(method, s), s.n_splits_),
    }
    if method == "gahpo":
        record["n_generations"] = int(s.n_generations_)
    elif method == "ga-peer":
        record["n_generations"] = int(s._n_iterations)
    elif method == "halving":
        record["n_resources"] = [int(r) for r in s.n_resources_]
        record["n_candidates_per_round"] = [int(c) for c in s.n_candidates_]
    return record


def part1(methods, args, data, log):
    runs = []
    for seed in range(args.seeds):
        for n_jobs in args.n_jobs if seed % 2 == 0 else args.n_jobs[::-1]:
            for method in H.rotate(methods, seed):
                _flatmlp.start_pool(n_jobs)
                r = run_same_budget(
                    method, args.budget, n_jobs, seed, data, args.max_iter
                )
                runs.append(r)
                log(
                    f"   seed {seed} n_jobs={n_jobs} {method:8s} wall "
                    f"{r['wall_seconds']:7.2f}s (refit {r['refit_seconds']:.2f}s), "
                    f"{r['n_cv_fits']} CV fits, {r['mean_fit_time']:.3f}s/fit, best CV "
                    f"{r['best_score']:.4f}, test {r['test_accuracy']:.4f}"
                )
    return runs


def paired(runs, method, other, n_num, n_den=None):
    """Per-seed ratios wall(method, n_num) / wall(other, n_den)."""
    n_den = n_num if n_den is None else n_den
    by = {(r["method"], r["n_jobs"], r["seed"]): r["wall_seconds"] for r in runs}
    return [
        by[(m, n, s)] / by[(other, n_den, s)]
        for (m, n, s) in by
        if m == method and n == n_num and (other, n_den, s) in by
    ]


def summarize_part1(runs, methods, n_jobs_list):
    lo, hi = min(n_jobs_list), max(n_jobs_list)
    keys = (
        "wall_seconds",
        "refit_seconds",
        "n_cv_fits",
        "mean_fit_time",
        "fit_seconds",
        "best_score",
        "test_accuracy",
        "n_distinct_candidates",
    )
    summary = {}
    for method in methods:
        mine = [r for r in runs if r["method"] == method]
        entry = {
            "by_n_jobs": {
                str(n): {
                    k: dict(
                        zip(
                            ("mean", "std"),
                            H.mean_std([r[k] for r in mine if r["n_jobs"] == n]),
                        )
                    )
                    for k in keys
                }
                for n in n_jobs_list
            }
        }
        if lo != hi:
            entry[f"speed_up_{lo}_to_{hi}"] = [
                1 / x for x in paired(runs, method, method, hi, lo)
            ]
        for other in ("random", "ga-peer"):
            ratios = paired(runs, method, other, hi)
            if ratios and other != method:
                entry[f"ratio_to_{other}_n_jobs_{hi}"] = ratios
        summary[method] = entry
    return summary


def table_part1(runs, summary, methods, n_jobs_list):
    lo, hi, first = min(n_jobs_list), max(n_jobs_list), n_jobs_list[0]
    header = (
        ["method"]
        + [f"wall n_jobs={n} (s)" for n in n_jobs_list]
        + ([f"speed-up {lo}→{hi} mean (min)"] if lo != hi else [])
        + [
            f"/ random @{hi}",
            f"/ ga-peer @{hi}",
            "s / fit",
            "CV fits",
            "best CV",
            "test acc.",
        ]
    )
    rows = []
    for method in methods:
        mine = [r for r in runs if r["method"] == method]
        cells = [method] + [
            H.fmt([r["wall_seconds"] for r in mine if r["n_jobs"] == n])
            for n in n_jobs_list
        ]
        if lo != hi:
            sp = summary[method].get(f"speed_up_{lo}_to_{hi}", [])
            cells.append(f"{statistics.fmean(sp):.2f} ({min(sp):.2f})" if sp else "-")
        cells += [
            H.fmt(summary[method].get(f"ratio_to_{o}_n_jobs_{hi}", []))
            for o in ("random", "ga-peer")
        ]
        desc = [r for r in mine if r["n_jobs"] == first]
        cells += [
            H.fmt([r[k] for r in desc], d)
            for k, d in (
                ("mean_fit_time", 3),
                ("n_cv_fits", 0),
                ("best_score", 4),
                ("test_accuracy", 4),
            )
        ]
        rows.append(cells)
    return H.markdown_table(header, rows)


def targets(summary):
    """The issue's targets: value, threshold, met (None when not measured)."""
    out, g = {}, summary.get("gahpo", {})
    for name, k, sense in (
        ("gahpo_over_ga_peer_n_jobs_2", "ratio_to_ga-peer_n_jobs_2", "le"),
        ("gahpo_over_random_n_jobs_2", "ratio_to_random_n_jobs_2", "le"),
        ("gahpo_speed_up_1_to_2", "speed_up_1_to_2", "ge"),
    ):
        values = g.get(k)
        if not values:
            out[name] = {"threshold": TARGETS[name], "value": None, "met": None}
            continue
        value = statistics.fmean(values)
        met = value <= TARGETS[name] if sense == "le" else value >= TARGETS[name]
        out[name] = {
            "threshold": TARGETS[name],
            "value": value,
            "met": met,
            "per_seed": values,
        }
    return out


# -- part 2: the same wall-clock budget ----------------------------------------


def refit_score(params, data, max_iter):
    X_train, X_test, y_train, y_test = data
    t0 = time.perf_counter()
    model = FlatMLP(max_iter=max_iter).set_params(**params).fit(X_train, y_train)
    return model.score(X_test, y_test), time.perf_counter() - t0


def finished_by(method, T, budget, seed, data, max_iter, halving_n):
    """Run one search given T seconds: ``(search, wall, finished, extra)``.

    ``finished`` lists ``(seconds from the start of fit, CV score, params)``
    per candidate, its time the end of its generation, chunk or trial.
    """
    X, y, n_jobs, ends, extra = data[0], data[2], WALL_N_JOBS, [], {}
    if method == "gahpo":

        def clock(s, record):
            ends.append((time.perf_counter() - t0, record["generation"]))

        s = search(
            method,
            budget,
            n_jobs,
            seed,
            max_iter,
            n_iter=10 * budget,
            max_time=T,
            callbacks=[clock],
            population_size=gahpo_population(budget),
        )
    elif method == "tpe":
        s = search(method, budget, n_jobs, seed, max_iter, n_trials=None, timeout=T)
        start = datetime.datetime.now()
    elif method == "ga-peer":
        from sklearn_genetic.callbacks import TimerStopping
        from sklearn_genetic.callbacks.base import BaseCallback

        class Clock(BaseCallback):
            def on_step(self, record=None, logbook=None, estimator=None):
                rows = len(estimator.logbook.chapters["parameters"])
                ends.append((time.perf_counter() - t0, rows))
                return False

        s = search(method, budget, n_jobs, seed, max_iter, generations=10 * budget)
        t0 = time.perf_counter()
        wall = H.fit(s, X, y, callbacks=[Clock(), TimerStopping(total_seconds=T)])
        finished, done = [], 0
        evals = H.evaluations(method, s)
        for t, n_rows in ends:
            finished += [(t, e["score"], e["params"]) for e in evals[done:n_rows]]
            done = n_rows
        extra.update(n_generations=int(s._n_iterations), n_evaluations=len(evals))
        return s, wall, finished, extra
    elif method == "random":  # no time limit: chunks until T has passed
        t0, finished, i = time.perf_counter(), [], 0
        while time.perf_counter() - t0 < T:
            chunk = search(
                method, 2 * n_jobs, n_jobs, 1000 * seed + i, max_iter, refit=False
            )
            chunk.fit(X, y)
            end = time.perf_counter() - t0
            finished += [
                (end, e["score"], e["params"]) for e in H.evaluations(method, chunk)
            ]
            i += 1
        return None, None, finished, {"n_chunks": i, "t0": t0}
    elif method == "halving":  # no time limit: scaled to T, counts if done by T
        s = search(method, halving_n, n_jobs, seed, max_iter)
    t0 = time.perf_counter()
    s.fit(X, y)
    wall = time.perf_counter() - t0
    if method == "gahpo":
        gen_end = {g: t for t, g in ends}
        res = s.cv_results_
        finished = [
            (gen_end[g], sc, p)
            for g, sc, p in zip(
                res["generation"], res["mean_test_score"], res["params"]
            )
        ]
        extra["n_generations"] = int(s.n_generations_)
        extra["history"] = [
            {k: r[k] for k in ("generation", "elapsed", "best_score", "n_evaluated")}
            for r in s.history_
        ]
        extra["population_size"] = gahpo_population(budget)
    elif method == "tpe":
        finished = [
            ((t.datetime_complete - start).total_seconds(), t.value, t.params)
            for t in s.trials_
            if t.state.name == "COMPLETE"
        ]
        extra["n_trials"] = len(s.trials_)
    else:
        res = s.cv_results_
        last = res["iter"] == max(res["iter"])  # only the last round ranks the best
        end = wall - s.refit_time_
        finished = [
            (end, sc, p)
            for sc, p, keep in zip(res["mean_test_score"], res["params"], last)
            if keep
        ]
        extra.update(
            n_candidates_param=halving_n,
            n_rows_all_rounds=len(res["params"]),
            n_resources=[int(r) for r in s.n_resources_],
        )
    return s, wall, finished, extra


def run_same_wall(method, T, budget, seed, data, max_iter, halving_n):
    s, wall, finished, extra = finished_by(
        method, T, budget, seed, data, max_iter, halving_n
    )
    X_test, y_test = data[1], data[3]
    valid = [c for c in finished if c[1] is not None and not math.isnan(c[1])]
    by_t = [c for c in valid if c[0] <= T]
    best_by_t = max(by_t, key=lambda c: c[1]) if by_t else None
    if method == "random":  # the best of the chunks finished by T, refitted
        best = best_by_t or max(valid, key=lambda c: c[1])
        test, refit = refit_score(best[2], data, max_iter)
        search_end = max(t for t, _, _ in finished)
        wall = time.perf_counter() - extra.pop("t0")
        returned = {
            "best_score": float(best[1]),
            "test_accuracy": test,
            "best_params": H.plain(best[2]),
            "refit_seconds": refit,
        }
    else:
        refit = float(s.refit_time_)
        search_end = wall - refit
        returned = {
            "best_score": float(s.best_score_),
            "test_accuracy": float(s.best_estimator_.score(X_test, y_test)),
            "best_params": H.plain(s.best_params_),
            "refit_seconds": refit,
        }
    record = {
        "method": method,
        "seed": seed,
        "n_jobs": WALL_N_JOBS,
        "T": T,
        "wall_seconds": wall,
        "search_end_seconds": search_end,
        "overshoot_seconds": search_end - T,
        # distinct: GASearchCV's cached repeats and TPE's re-proposals once
        "n_candidates": len({H.key(p) for _, _, p in finished}),
        "n_candidates_by_T": len({H.key(p) for _, _, p in by_t}),
        **returned,
        "best_score_by_T": None,
        "test_accuracy_by_T": None,
    }
    if best_by_t is not None:
        record["best_score_by_T"] = float(best_by_t[1])
        record["test_accuracy_by_T"] = (
            returned["test_accuracy"]
            if H.key(best_by_t[2]) == H.key(returned["best_params"])
            else refit_score(best_by_t[2], data, max_iter)[0]
        )  # untimed
        record["best_params_by_T"] = H.plain(best_by_t[2])
    return {**record, **extra}


def part2(methods, T, args, data, runs1, log):
    skipped, halving_n = {}, None
    if "halving" in methods:
        walls = [
            r["wall_seconds"]
            for r in runs1
            if r["method"] == "halving" and r["n_jobs"] == WALL_N_JOBS
        ]
        if walls:
            halving_n = max(2, round(args.budget * T / statistics.median(walls)))
        else:
            skipped["halving"] = (
                f"no part-1 wall time of halving at n_jobs="
                f"{WALL_N_JOBS} to scale n_candidates from"
            )
            log(f"   note: skipping halving: {skipped['halving']}")
    run_methods, runs = [m for m in methods if m not in skipped], []
    for seed in range(args.seeds):
        for method in H.rotate(run_methods, seed):
            _flatmlp.start_pool(WALL_N_JOBS)
            r = run_same_wall(
                method, T, args.budget, seed, data, args.max_iter, halving_n
            )
            runs.append(r)
            by_t = r["best_score_by_T"]
            log(
                f"   seed {seed} {method:8s} wall {r['wall_seconds']:7.2f}s (search "
                f"ends T{r['overshoot_seconds']:+.2f}s), {r['n_candidates_by_T']}/"
                f"{r['n_candidates']} candidates by T, best CV {r['best_score']:.4f} "
                f"(by T: {'-' if by_t is None else f'{by_t:.4f}'})"
            )
    return runs, skipped, halving_n


def table_part2(runs, methods):
    header = [
        "method",
        "wall used (s)",
        "search end − T (s)",
        "candidates (by T)",
        "best CV",
        "test acc.",
        "best CV by T",
        "test acc. by T",
    ]
    rows = []
    for method in methods:
        rs = [r for r in runs if r["method"] == method]
        if not rs:
            continue
        n_by = sum(r["best_score_by_T"] is not None for r in rs)
        rows.append(
            [
                method,
                H.fmt([r["wall_seconds"] for r in rs]),
                H.fmt([r["overshoot_seconds"] for r in rs]),
                f"{H.fmt([r['n_candidates'] for r in rs], 1)} "
                f"({H.fmt([r['n_candidates_by_T'] for r in rs], 1)})",
                H.fmt([r["best_score"] for r in rs], 4),
                H.fmt([r["test_accuracy"] for r in rs], 4),
                H.fmt([r["best_score_by_T"] for r in rs], 4)
                + (f" ({n_by} of {len(rs)} seeds)" if n_by < len(rs) else ""),
                H.fmt([r["test_accuracy_by_T"] for r in rs], 4),
            ]
        )
    return H.markdown_table(header, rows)


# -- part 3: what a generation costs ------------------------------------------


def makespan(durations, n_workers):
    """Greedy list scheduling: each task, in order, to the first free worker."""
    free = [0.0] * n_workers
    for d in durations:
        free[free.index(min(free))] += d
    return max(free)


def idle_tail(s, n_workers):
    """Per generation: wall, busy worker time, idle share, simulated dispatch."""
    res, n_splits = s.cv_results_, s.n_splits_
    gen_col, out, before = np.asarray(res["generation"]), [], 0.0
    for record in s.history_:
        g, wall = record["generation"], record["elapsed"] - before
        before = record["elapsed"]
        rows = np.flatnonzero(gen_col == g)
        tasks = []  # fit + score seconds of each CV fit, in submission order
        for i in rows:
            mean, std = res["mean_fit_time"][i], res["std_fit_time"][i]
            sc = res["mean_score_time"][i]
            tasks += (
                [mean - std + sc, mean + std + sc]
                if n_splits == 2  # exact
                else [mean + sc] * n_splits
            )
        work = float(sum(tasks))
        ideal, longest = work / n_workers, max(tasks, default=0.0)
        out.append(
            {
                "generation": int(g),
                "n_candidates": len(rows),
                "wall": wall,
                "work": work,
                "idle": wall - ideal,
                "idle_share": 1 - ideal / wall if wall > 0 else float("nan"),
                "longest_fit": longest,
                "lower_bound": max(ideal, longest),
                "simulated_in_order": makespan(tasks, n_workers),
                "simulated_slowest_first": makespan(
                    sorted(tasks, reverse=True), n_workers
                ),
            }
        )
    return out


def run_blas_child(n_jobs, budget, max_iter, seed):
    """Part 3 (c), in a child process: one timed gahpo fit; prints a JSON line."""
    X_train, _, y_train, _ = load_task()
    _flatmlp.start_pool(n_jobs)
    workers = {}
    if effective_n_jobs(n_jobs) > 1:
        workers = dict(
            Parallel(n_jobs=n_jobs)(
                delayed(_flatmlp.worker_threads)() for _ in range(4 * n_jobs)
            )
        )
    s = search("gahpo", budget, n_jobs, seed, max_iter)
    wall = H.fit(s, X_train, y_train)
    print(
        json.dumps(
            {
                "n_jobs": n_jobs,
                "blas_threads": H.BLAS_THREADS,
                "wall_seconds": wall,
                "best_score": float(s.best_score_),
                "n_cv_fits": len(s.cv_results_["params"]) * s.n_splits_,
                "main_pools": H.thread_pools(),
                "worker_pools": [{"pid": p, "pools": i} for p, i in workers.items()],
                "thread_variables_overridden": H.OVERRIDDEN,
            }
        )
    )


def part3(args, data, log):
    X_train, y_train, n_jobs, seed = data[0], data[2], WALL_N_JOBS, 0
    n_workers = effective_n_jobs(n_jobs)
    out = {"n_jobs": n_jobs, "seed": seed, "pool": []}
    log(f"\n## Part 3: gahpo, n_jobs={n_jobs}, seed {seed}, budget {args.budget}")
    analysed = None  # (b) cold vs warm pool; the first warm fit also gives (a)
    for r in range(args.ablation_repeats):
        for kind in H.rotate(("warm", "cold"), r):
            if kind == "cold":
                from joblib.externals.loky import get_reusable_executor

                get_reusable_executor().shutdown(wait=True)
            else:
                _flatmlp.start_pool(n_jobs)
            s = search("gahpo", args.budget, n_jobs, seed, args.max_iter)
            wall = H.fit(s, X_train, y_train)
            out["pool"].append({"pool": kind, "wall_seconds": wall})
            log(f"   (b) {kind} pool: {wall:.2f}s")
            if kind == "warm" and analysed is None:
                analysed = s

    gens = idle_tail(analysed, n_workers)
    total = {
        k: sum(g[k] for g in gens)
        for k in (
            "wall",
            "work",
            "idle",
            "simulated_in_order",
            "simulated_slowest_first",
        )
    }
    out["idle_tail"] = {"generations": gens, "totals": total}
    cols = (
        "wall",
        "work",
        "idle",
        "idle_share",
        "longest_fit",
        "simulated_in_order",
        "simulated_slowest_first",
    )
    rows = [
        [g["generation"], g["n_candidates"]]
        + [f"{g[k]:.0%}" if k == "idle_share" else f"{g[k]:.2f}" for k in cols]
        for g in gens
    ]
    log("\n### (a) Idle tail per generation (first warm-pool fit)\n")
    log(
        H.markdown_table(
            [
                "generation",
                "candidates",
                "wall (s)",
                "fit+score (s)",
                "idle (s)",
                "idle share",
                "longest fit (s)",
                "sim. in order (s)",
                "sim. slowest first (s)",
            ],
            rows,
        )
    )
    log(
        f"\nidle = wall − (fit + score seconds) / {n_workers}: {total['idle']:.2f}s "
        f"of {total['wall']:.2f}s ({total['idle'] / total['wall']:.0%}). Simulated "
        f"dispatch: in order {total['simulated_in_order']:.2f}s, slowest first "
        f"{total['simulated_slowest_first']:.2f}s."
    )
    walls = {
        k: [p["wall_seconds"] for p in out["pool"] if p["pool"] == k]
        for k in ("warm", "cold")
    }
    out["pool_summary"] = {
        f"{k}_median": statistics.median(w) for k, w in walls.items()
    }
    log("\n### (b) Cold vs warm worker pool\n")
    log(
        H.markdown_table(
            ["pool", "fits", "wall (s)", "median (s)"],
            [
                [
                    k,
                    len(w),
                    ", ".join(f"{x:.2f}" for x in w),
                    f"{statistics.median(w):.2f}",
                ]
                for k, w in walls.items()
            ],
        )
    )

    children, timeout, base = [], None, None  # (c) BLAS threads, fresh processes
    for child_jobs, threads in BLAS_CONFIGS:
        cmd = [
            sys.executable,
            __file__,
            "--blas-child",
            str(child_jobs),
            "--budget",
            str(args.budget),
            "--max-iter",
            str(args.max_iter),
        ]
        code, stdout, stderr = H.run_child(
            cmd, timeout, env={"GAHPO_BENCH_THREADS": str(threads)}
        )
        c = {"n_jobs": child_jobs, "blas_threads": threads}
        if code is None:
            c.update(error=f"stopped after {timeout:.0f}s", timeout_seconds=timeout)
        elif code != 0 or not stdout.strip():
            c["error"] = (stderr.strip().splitlines() or ["no output"])[-1]
        else:
            c = json.loads(stdout.strip().splitlines()[-1])
            timeout = timeout or max(30.0, BLAS_TIMEOUT_FACTOR * c["wall_seconds"])
            if (child_jobs, threads) == (2, 1):
                base = c["wall_seconds"]
        children.append(c)
        log(
            f"   (c) n_jobs={child_jobs}, {threads} BLAS thread(s): "
            + (f"{c['wall_seconds']:.2f}s" if "wall_seconds" in c else c["error"])
        )
    out["blas"] = children
    rows = []
    for c in children:
        if "wall_seconds" in c:
            pools = (
                sorted({p for w in c["worker_pools"] for p in w["pools"]})
                or c["main_pools"]
            )
            wall, ratio = c["wall_seconds"], c["wall_seconds"] / base if base else None
            rows.append(
                [
                    c["n_jobs"],
                    c["blas_threads"],
                    f"{wall:.2f}",
                    f"{ratio:.2f}" if ratio else "-",
                    "; ".join(pools),
                ]
            )
        else:
            limit = c.get("timeout_seconds")
            rows.append(
                [
                    c["n_jobs"],
                    c["blas_threads"],
                    f"> {limit:.0f}" if limit else "failed",
                    f"> {limit / base:.1f}" if limit and base else "-",
                    c["error"],
                ]
            )
    log("\n### (c) BLAS threads per process (fresh process per row)\n")
    log(
        H.markdown_table(
            [
                "n_jobs",
                "BLAS threads",
                "wall (s)",
                "/ (n_jobs=2, 1 thread)",
                "thread pools in the workers",
            ],
            rows,
        )
    )
    return out


# -- main --------------------------------------------------------------------------


def build_parser():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--budget",
        type=int,
        default=30,
        help="distinct candidates per search, B (default: 30)",
    )
    p.add_argument(
        "--seeds",
        type=int,
        default=5,
        help="seeds 0..N-1 for parts 1 and 2 (default: 5)",
    )
    p.add_argument(
        "--methods",
        nargs="+",
        default=list(H.METHODS),
        choices=H.METHODS,
        help="default: all available",
    )
    p.add_argument(
        "--n-jobs",
        type=int,
        nargs="+",
        default=[1, 2],
        help="n_jobs settings of part 1 (default: 1 2)",
    )
    p.add_argument(
        "--wall",
        type=float,
        default=None,
        metavar="SECONDS",
        help="T of part 2 (default: median wall of random at n_jobs=2)",
    )
    p.add_argument(
        "--no-ablations", dest="ablations", action="store_false", help="skip part 3"
    )
    p.add_argument(
        "--ablation-repeats",
        type=int,
        default=2,
        help="part 3 (b): fits with a cold and a warm pool, each",
    )
    p.add_argument(
        "--json",
        default=H.results_path("timing.json"),
        help="results file (default: benchmarks/results/timing.json); '' to skip",
    )
    # hidden: smoke tests, and part 3 (c)'s child processes
    p.add_argument("--max-iter", type=int, default=200, help=argparse.SUPPRESS)
    p.add_argument("--blas-child", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    return p


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.budget < 2 or args.seeds < 1 or args.max_iter < 1 or 0 in args.n_jobs:
        parser.error("need --budget >= 2, --seeds >= 1, --max-iter >= 1, n_jobs != 0")
    H.silence_warnings()
    if args.blas_child is not None:
        run_blas_child(args.blas_child, args.budget, args.max_iter, args.seed)
        return 0

    run = H.start(
        "timing", "Time: gahpo and its peers on the study's MLP (digits)", argv
    )
    log = run.log
    methods, skipped = H.available(args.methods, say=log)
    if not methods:
        return 1
    data = load_task()
    p, g, evals = H.ga_peer_budget(args.budget)
    log(
        f"Task: FlatMLP (make_network, max_iter={args.max_iter}) on digits, "
        f"{len(data[0])} rows to tune on ({N_SPLITS}-fold CV), {len(data[1])} held "
        f"out; budget B={args.budget}; seeds 0..{args.seeds - 1}; methods {methods}."
    )
    if args.max_iter != 200:
        log(f"NOTE: --max-iter {args.max_iter}: not the study's network (200 epochs).")
    out = {
        "targets": dict(TARGETS),
        "config": {
            "data": "load_digits, split(test_size=0.25, seed=0)",
            "cv": f"StratifiedKFold({N_SPLITS})",
            "estimator": f"_flatmlp.FlatMLP(max_iter={args.max_iter}, random_state=0)",
            "budget": args.budget,
            "seeds": list(range(args.seeds)),
            "n_jobs": args.n_jobs,
            "methods": {m: describe_methods(args.budget)[m] for m in methods},
            "ga_peer_budget": {
                "population_size": p,
                "generations": g,
                "evaluations": evals,
            },
            "spaces": {m: H.describe(H.encode(SPACE, m)) for m in methods},
        },
        "skipped_methods": skipped,
    }

    log(f"\n## Part 1: same budget (B={args.budget}), n_jobs {args.n_jobs}")
    runs1 = part1(methods, args, data, log)
    summary1 = summarize_part1(runs1, methods, args.n_jobs)
    out["part1"] = {"runs": runs1, "summary": summary1}
    out["target_results"] = goals = targets(summary1)
    log(f"\n### Same budget: {args.seeds} seed(s), mean ± std over seeds\n")
    log(table_part1(runs1, summary1, methods, args.n_jobs))
    log(
        f"\nWall = fit, refit included; ratios paired within a seed; s / fit, CV "
        f"fits, best CV and test acc. at n_jobs={args.n_jobs[0]}."
    )
    for name, goal in goals.items():
        verdict = (
            "not measured"
            if goal["met"] is None
            else f"{goal['value']:.3f}: {'met' if goal['met'] else 'NOT met'}"
        )
        log(
            f"Target {name} {'>=' if 'speed' in name else '<='} "
            f"{goal['threshold']}: {verdict}"
        )

    walls = [
        r["wall_seconds"]
        for r in runs1
        if r["method"] == "random" and r["n_jobs"] == WALL_N_JOBS
    ]
    T, t_source = args.wall, "--wall"
    if T is None and walls:
        T = statistics.median(walls)
        t_source = f"median wall time of random at n_jobs={WALL_N_JOBS} in part 1"
    if T is None:
        out["part2"] = {"skipped": "no T: random did not run at n_jobs=2; give --wall"}
        log(f"\n## Part 2 skipped: {out['part2']['skipped']}")
    else:
        log(
            f"\n## Part 2: same wall-clock budget T = {T:.2f}s ({t_source}), "
            f"n_jobs={WALL_N_JOBS}"
        )
        runs2, skipped2, halving_n = part2(methods, T, args, data, runs1, log)
        out["part2"] = {
            "T": T,
            "T_source": t_source,
            "n_jobs": WALL_N_JOBS,
            "halving_n_candidates": halving_n,
            "skipped": skipped2,
            "runs": runs2,
        }
        log(f"\n### Same wall clock T = {T:.2f}s: {args.seeds} seed(s)\n")
        log(table_part2(runs2, methods))
    out["part3"] = (
        part3(args, data, log) if args.ablations else {"skipped": "--no-ablations"}
    )
    run.write(args.json, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
