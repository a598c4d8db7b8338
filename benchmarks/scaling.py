#!/usr/bin/env python
"""Scaling: how well a search keeps 2 to 32 workers busy, and its 1 -> 2 speed-up.

Issue 16. Two experiments (``--experiments sleep real`` picks):

**sleep**: fits that only sleep (``_sleeper.Sleeper``) let a 2-core machine
stand in for a cluster: a fit sleeps ``seconds``, drawn log-uniform in
[0.02, 2] s, and scores ``1 - (log10(seconds / 0.5) / 2) ** 2 - (shape -
0.7) ** 2`` (``shape`` uniform in [0, 1], free): the optimum, a 0.5 s fit,
lies above the median draw (0.2 s), so a search that favours fast
candidates finds a worse one. Four searches, each fitting the same number
of distinct candidates, ``n_iter=145``, with ``cv=2``, ``refit=False``
(the refit is not timed) and ``random_state=seed``:

* ``generational``: ``GeneticSearchCV(population_size=25, surrogate=None,
  scheme="generational")``: 25 + 5 x 24 new candidates (elitism 1), one
  ``evaluate_candidates`` batch per generation, 6 generations;
* ``steady_state``: the same with ``scheme="steady_state"``, each fit
  dispatched as a worker frees (batches of 25 children);
* ``random``: ``RandomizedSearchCV(n_iter=145)`` on the same laws;
* ``replay``: ``GridSearchCV`` over exactly the 145 candidates the
  generational search fitted (a list of one-point grids), in one batch: what
  the same fits cost without generation barriers.

Each at 2, 4, 16 and 32 workers of joblib's loky backend (``n_jobs=W``
given to the search) and at 4 and 16 workers of a Dask
``distributed.LocalCluster(n_workers=W, threads_per_worker=1,
processes=True)`` (``joblib.parallel_backend("dask")``, ``n_jobs=-1``),
methods in a rotating order per setting (the replay after the first
generational run). Before every timed search the workers are warmed up by an
untimed ``Parallel`` call in which every one of the W workers imports
scikit-learn's model selection and gahpo, so no worker start-up is timed.

Every fit appends its start and end time to a trace file. Reported: wall
time of ``fit``; the fits' total sleep (from the trace); utilisation =
total sleep / (W x wall); the share of the wall time during which all W
workers were busy; the head (``fit`` called to first fit started) and tail
(last fit ended to ``fit`` returned); the number of candidates; the mean
``seconds`` of the candidates a search chose (the asynchronous mode may
favour fast fits: evaluation-time bias) and the best score it found.

**real**: the study's MLP task on digits (``study.make("mlp", ...)``, the
split of seed ``--seed``), ``--budget`` 30 candidates, ``cv=2``,
``refit=False``, each method at its defaults: ``gahpo``
(``scheme="generational"``), ``gahpo-async`` (``scheme="steady_state"``),
``random``, and Optuna's ``tpe`` when installed; each at ``n_jobs=1`` and
``n_jobs=2`` (joblib's worker pool warmed before each fit with workers),
the (method, n_jobs) pairs in an order rotating by one each round,
``--rounds`` rounds (3). Speed-up = median wall at ``n_jobs=1`` / median
wall at ``n_jobs=2``.

Targets (printed with met / not met, never tuned for): utilisation >= 85 %
at 4 and 16 workers; at 32 workers, at least 90 % of the replay's
utilisation; wall time falling as workers are added; speed-up from 1 to 2
jobs >= 1.9 on the MLP.

Run time with the defaults on 2 cores, estimated from the quick run: about
25 minutes, 17 of them sleeping fits (one round: a sleep is not slowed by
other load, and the searches' order barely matters) and 8 real fits (three
rounds). ``--quick`` is a smoke test of under two minutes: 2 and 4 loky
workers and 4 Dask workers, sleeps x 0.05, the MLP at 6 candidates and 20
epochs, one round, no JSON unless ``--json`` is given.

Run::

    python benchmarks/scaling.py                 # the report, results/scaling.json
    python benchmarks/scaling.py --quick         # smoke test
    python benchmarks/scaling.py --experiments real --rounds 5 --json ''
"""

import _harness as H  # noqa: I001  (first: pins BLAS/OpenMP threads)
import argparse
import contextlib
import os
import shutil
import statistics
import tempfile
import time

import joblib
import numpy as np
from joblib import Parallel, delayed
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV

import _flatmlp
import _sleeper
import study
from gahpo import GeneticSearchCV

#: The sleeping fits: the space, written once (H.encode gives each library
#: its form: gahpo's Real(log=True), scipy's loguniform and uniform).
SLEEP_SPACE = {
    "seconds": H.Float(_sleeper.LOW, _sleeper.HIGH, log=True),
    "shape": H.Float(0.0, 1.0),
}
N_ITER = 145  # 25 + 5 x 24: six generations of 25 with elitism 1
POPULATION = 25
N_SPLITS = 2
N_ROWS = 20  # of dummy data: the fits only sleep
SLEEP_METHODS = ("generational", "steady_state", "random", "replay")
GAHPO_MODES = ("generational", "steady_state")
SETTINGS = (
    ("loky", 2),
    ("loky", 4),
    ("loky", 16),
    ("loky", 32),
    ("dask", 4),
    ("dask", 16),
)
QUICK_SETTINGS = (("loky", 2), ("loky", 4), ("dask", 4))
QUICK_TIME_SCALE = 0.05

#: The real fits: study.py's MLP task.
REAL_METHODS = ("gahpo", "gahpo-async", "random", "tpe")
REAL_N_JOBS = (1, 2)

#: Issue 16's targets.
UTILISATION_TARGET = 0.85  # at 4 and 16 workers
UTILISATION_WORKERS = (4, 16)
REPLAY_SHARE_TARGET = 0.90  # at 32 workers, of the replay's utilisation
REPLAY_SHARE_WORKERS = 32
SPEED_UP_TARGET = 1.9  # n_jobs 1 -> 2, the MLP


# -- the sleeping fits -----------------------------------------------------------


def sleep_search(method, n_jobs, time_scale, trace, seed, replay=None):
    """``method``'s search of the sleeping fits; ``replay``: candidates to replay."""
    estimator = _sleeper.Sleeper(time_scale=time_scale, trace=trace)
    common = {"cv": N_SPLITS, "n_jobs": n_jobs, "refit": False}
    if method in GAHPO_MODES:
        return GeneticSearchCV(
            estimator,
            H.encode(SLEEP_SPACE, "gahpo"),
            n_iter=N_ITER,
            population_size=POPULATION,
            surrogate=None,
            scheme=method,
            random_state=seed,
            **common,
        )
    if method == "random":
        return RandomizedSearchCV(
            estimator,
            H.encode(SLEEP_SPACE, "random"),
            n_iter=N_ITER,
            random_state=seed,
            **common,
        )
    grid = [{name: [value] for name, value in params.items()} for params in replay]
    return GridSearchCV(estimator, grid, **common)


def warm_up(workers, n_jobs):
    """Untimed: every one of the ``workers`` imports what the fits need.

    Returns the number of distinct worker processes that ran a warm-up task
    (tasks go to whichever worker is free, so rounds of ``2 x workers`` tasks
    are repeated, each sleeping longer, until all were seen, at most 5).
    """
    seen = set()
    for attempt in range(5):
        pause = 0.1 * 2**attempt
        seen.update(
            Parallel(n_jobs=n_jobs)(
                delayed(_sleeper.warm_up)(pause) for _ in range(2 * workers)
            )
        )
        if len(seen) >= workers:
            break
    return len(seen)


@contextlib.contextmanager
def backend(kind, workers):
    """The ``n_jobs`` the searches get, inside the backend of ``kind``."""
    if kind == "loky":
        yield workers
        return
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        client.run(_sleeper.warm_up)  # every worker, outside joblib
        with joblib.parallel_backend("dask"):
            yield -1


def profile(fits, t0, t1, workers):
    """``(peak concurrent fits, share of [t0, t1] with every worker busy)``."""
    events = sorted(
        [(s, 1) for s in fits[:, 0]] + [(e, -1) for e in fits[:, 1]],
        key=lambda ev: (ev[0], ev[1]),
    )
    level, peak, full, last = 0, 0, 0.0, t0
    for when, step in events:
        if level >= workers:
            full += when - last
        level += step
        peak = max(peak, level)
        last = when
    return peak, full / (t1 - t0)


def run_sleep(method, kind, workers, n_jobs, args, time_scale, replay):
    """One timed search of the sleeping fits, and what it did."""
    tmp = tempfile.mkdtemp(prefix="gahpo-scaling-")
    trace = os.path.join(tmp, "trace.txt")
    try:
        search = sleep_search(method, n_jobs, time_scale, trace, args.seed, replay)
        warmed = warm_up(workers, n_jobs)
        open(trace, "w").close()
        t0, p0 = time.time(), time.perf_counter()
        search.fit(np.zeros((N_ROWS, 1)), np.zeros(N_ROWS))
        wall = time.perf_counter() - p0
        t1 = time.time()
        fits = _sleeper.read_trace(trace)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    res = search.cv_results_
    params = [H.plain(p) for p in res["params"]]
    scores = np.asarray(res["mean_test_score"], dtype=float)
    slept = float(np.sum(fits[:, 1] - fits[:, 0]))
    peak, full = profile(fits, t0, t1, workers)
    best = int(np.nanargmax(scores))
    out = {
        "method": method,
        "backend": kind,
        "workers": workers,
        "effective_n_jobs": joblib.effective_n_jobs(n_jobs),
        "warmed_workers": warmed,
        "wall_seconds": wall,
        "n_candidates": len({H.key(p) for p in params}),
        "n_rows": len(params),
        "n_fits": len(fits),
        "n_worker_processes": len(set(fits[:, 2].astype(int))),
        "slept_seconds": slept,
        "nominal_sleep_seconds": N_SPLITS
        * time_scale
        * float(sum(p["seconds"] for p in params)),
        "cv_fit_seconds": float(np.sum(res["mean_fit_time"]) * search.n_splits_),
        "utilisation": slept / (workers * wall),
        "all_busy_share": full,
        "peak_concurrent_fits": peak,
        "head_seconds": float(fits[0, 0] - t0) if len(fits) else None,
        "tail_seconds": float(t1 - fits[:, 1].max()) if len(fits) else None,
        "mean_seconds_param": float(np.mean([p["seconds"] for p in params])),
        "best_score": float(scores[best]),
        "best_params": params[best],
        "params": params,
    }
    if method in GAHPO_MODES:
        out["history"] = [
            {
                k: r.get(k)
                for k in (
                    "generation",
                    "n_evaluated",
                    "n_in_flight",
                    "elapsed",
                    "best_score",
                )
            }
            for r in search.history_
        ]
    return out


def sleep_experiment(args, run, settings, time_scale):
    """Every setting, every method; the runs in the order they ran."""
    runs, replay, order_log = [], None, []
    for rnd in range(args.sleep_rounds):
        for i, (kind, workers) in enumerate(settings):
            order = H.rotate(SLEEP_METHODS, i + rnd)
            if replay is None:  # the replay needs a generational run first
                order = [m for m in order if m != "replay"] + ["replay"]
                order.remove("generational")
                order.insert(0, "generational")
            order_log.append(
                {"round": rnd, "backend": kind, "workers": workers, "order": order}
            )
            with backend(kind, workers) as n_jobs:
                for method in order:
                    r = run_sleep(
                        method, kind, workers, n_jobs, args, time_scale, replay
                    )
                    r["round"] = rnd
                    if method == "generational":
                        if replay is None:
                            replay = r["params"]
                        r["same_candidates_as_replayed"] = r["params"] == replay
                    runs.append(r)
                    if r["warmed_workers"] < workers:
                        run.log(
                            f"note: only {r['warmed_workers']} of {workers} "
                            "workers ran a warm-up task"
                        )
                    run.log(
                        f"sleep r{rnd} {kind:4s} W={workers:2d} {method:12s} "
                        f"wall {r['wall_seconds']:6.2f}s slept "
                        f"{r['slept_seconds']:7.2f}s util "
                        f"{100 * r['utilisation']:5.1f}% n {r['n_candidates']} "
                        f"fits {r['n_fits']} mean sleep "
                        f"{r['mean_seconds_param']:.3f}s best {r['best_score']:.4f}"
                    )
            if kind == "loky" and (
                i + 1 == len(settings) or settings[i + 1][0] != kind
            ):
                from joblib.externals.loky import get_reusable_executor

                get_reusable_executor().shutdown(wait=True)  # free the workers
    return runs, order_log


def median_of(runs, field):
    values = [r[field] for r in runs if r[field] is not None]
    return statistics.median(values) if values else None


SLEEP_FIELDS = (
    "wall_seconds",
    "slept_seconds",
    "cv_fit_seconds",
    "utilisation",
    "all_busy_share",
    "head_seconds",
    "tail_seconds",
    "mean_seconds_param",
    "best_score",
    "n_candidates",
    "n_fits",
    "peak_concurrent_fits",
)


def summarize_sleep(runs, settings):
    """Per setting and method: the median of each field over rounds."""
    out = {}
    for kind, workers in settings:
        rows = {}
        for method in SLEEP_METHODS:
            mine = [
                r
                for r in runs
                if r["backend"] == kind
                and r["workers"] == workers
                and r["method"] == method
            ]
            if mine:
                rows[method] = {f: median_of(mine, f) for f in SLEEP_FIELDS}
                rows[method]["n_runs"] = len(mine)
        out[f"{kind}/{workers}"] = rows
    return out


def sleep_tables(summary, time_scale):
    lines = []
    for key, rows in summary.items():
        kind, workers = key.split("/")
        lines.append(f"\n### Sleeping fits, {kind}, {workers} workers\n")
        body = [
            (
                m,
                r["n_candidates"],
                r["n_fits"],
                f"{r['wall_seconds']:.2f}",
                f"{r['slept_seconds']:.1f}",
                f"{100 * r['utilisation']:.1f}",
                f"{100 * r['all_busy_share']:.1f}",
                f"{r['head_seconds']:.2f}",
                f"{r['tail_seconds']:.2f}",
                f"{r['mean_seconds_param']:.3f}",
                f"{r['best_score']:.4f}",
            )
            for m, r in rows.items()
        ]
        lines.append(
            H.markdown_table(
                (
                    "method",
                    "candidates",
                    "fits",
                    "wall s",
                    "slept s",
                    "util %",
                    "all busy %",
                    "head s",
                    "tail s",
                    "mean sleep s",
                    "best score",
                ),
                body,
            )
        )
    lines.append("\n### Sleeping fits: wall s (utilisation %) by workers\n")
    body = []
    for key, rows in summary.items():
        kind, workers = key.split("/")
        body.append(
            (kind, workers)
            + tuple(
                f"{rows[m]['wall_seconds']:.2f} ({100 * rows[m]['utilisation']:.0f})"
                if m in rows
                else "-"
                for m in SLEEP_METHODS
            )
        )
    lines.append(H.markdown_table(("backend", "workers", *SLEEP_METHODS), body))
    note = "" if time_scale == 1 else f" (x {time_scale}: scaled sleeps)"
    lines.append(
        "\n'mean sleep s' is the mean `seconds` of the candidates, unscaled"
        f"{note}; the optimum is {_sleeper.BEST_SECONDS} s (score 1)."
    )
    return "\n".join(lines)


# -- the real fits ---------------------------------------------------------------


def real_search(method, n_jobs, seed, n_train, budget, max_iter):
    """study.py's search of the MLP task for ``method``, at ``n_jobs``."""
    base = "gahpo" if method.startswith("gahpo") else method
    extra = {"refit": False}
    if base == "gahpo":  # explicit: the default, "auto", depends on the workers
        extra["scheme"] = "steady_state" if method == "gahpo-async" else "generational"
    search = study.make("mlp", base, seed, n_train, budget, **extra)
    search.set_params(n_jobs=n_jobs)
    if max_iter != study.TASKS["mlp"]["max_iter"]:  # --quick: not the study's net
        name = "estimator__max_iter" if base == "tpe" else "estimator__mlp__max_iter"
        search.set_params(**{name: max_iter})
    return search


def real_experiment(args, run, methods):
    X_train, _, y_train, _ = study.task_data(args.seed)
    pairs = [(m, n) for m in methods for n in REAL_N_JOBS]
    runs, orders = [], []
    for rnd in range(args.rounds):
        order = H.rotate(pairs, rnd)
        orders.append(order)
        for method, n_jobs in order:
            search = real_search(
                method, n_jobs, args.seed, len(y_train), args.budget, args.max_iter
            )
            _flatmlp.start_pool(n_jobs)
            wall = H.fit(search, X_train, y_train)
            evaluated = H.evaluations(
                "gahpo" if base_is_gahpo(method) else method, search
            )
            r = {
                "method": method,
                "n_jobs": n_jobs,
                "round": rnd,
                "wall_seconds": wall,
                "n_candidates": len({H.key(e["params"]) for e in evaluated}),
                "n_rows": len(evaluated),
                "fit_seconds": float(sum(e["fit_seconds"] for e in evaluated)),
                "best_cv_score": float(max(e["score"] for e in evaluated)),
            }
            if base_is_gahpo(method):
                r["history"] = [
                    {k: h.get(k) for k in ("generation", "n_evaluated", "elapsed")}
                    for h in search.history_
                ]
            runs.append(r)
            run.log(
                f"real r{rnd} {method:11s} n_jobs={n_jobs} wall {wall:6.1f}s "
                f"n {r['n_candidates']} fit {r['fit_seconds']:6.1f}s "
                f"best {r['best_cv_score']:.4f}"
            )
    return runs, orders


def base_is_gahpo(method):
    return method.startswith("gahpo")


def summarize_real(runs, methods):
    out = {}
    for method in methods:
        walls = {
            n: [
                r["wall_seconds"]
                for r in runs
                if r["method"] == method and r["n_jobs"] == n
            ]
            for n in REAL_N_JOBS
        }
        paired = [
            a["wall_seconds"] / b["wall_seconds"]
            for a in runs
            for b in runs
            if a["method"] == b["method"] == method
            and a["round"] == b["round"]
            and (a["n_jobs"], b["n_jobs"]) == REAL_N_JOBS
        ]
        median = {n: statistics.median(w) for n, w in walls.items()}
        out[method] = {
            "walls": walls,
            "median_wall": median,
            "speed_up": median[REAL_N_JOBS[0]] / median[REAL_N_JOBS[1]],
            "paired_speed_ups": paired,
            "n_candidates": statistics.median(
                r["n_candidates"] for r in runs if r["method"] == method
            ),
            "fit_seconds_n_jobs_1": statistics.median(
                r["fit_seconds"]
                for r in runs
                if r["method"] == method and r["n_jobs"] == 1
            ),
            "best_cv_score": statistics.median(
                r["best_cv_score"] for r in runs if r["method"] == method
            ),
        }
    return out


def real_table(summary):
    body = [
        (
            m,
            f"{s['median_wall'][1]:.1f}",
            f"{s['median_wall'][2]:.1f}",
            f"{s['speed_up']:.2f}",
            ", ".join(f"{x:.2f}" for x in s["paired_speed_ups"]),
            f"{s['n_candidates']:.0f}",
            f"{s['fit_seconds_n_jobs_1']:.1f}",
            f"{s['best_cv_score']:.4f}",
        )
        for m, s in summary.items()
    ]
    return "\n### Real fits: the study's MLP, n_jobs 1 -> 2\n\n" + H.markdown_table(
        (
            "method",
            "wall s, n_jobs=1",
            "wall s, n_jobs=2",
            "speed-up",
            "per round",
            "candidates",
            "fit s (n_jobs=1)",
            "best CV",
        ),
        body,
    )


# -- targets ---------------------------------------------------------------------


def targets(sleep, real):
    """Issue 16's targets, for gahpo's two modes, each with its value and verdict."""
    out = {}
    for key, rows in (sleep or {}).items():
        kind, workers = key.split("/")
        if int(workers) not in UTILISATION_WORKERS:
            continue
        for mode in GAHPO_MODES:
            if mode in rows:
                value = rows[mode]["utilisation"]
                out[f"{mode}, {kind} {workers} workers: utilisation >= 85 %"] = {
                    "value": value,
                    "met": value >= UTILISATION_TARGET,
                }
    key = f"loky/{REPLAY_SHARE_WORKERS}"
    if sleep and key in sleep and "replay" in sleep[key]:
        rows = sleep[key]
        for mode in GAHPO_MODES:
            if mode in rows:
                share = rows[mode]["utilisation"] / rows["replay"]["utilisation"]
                out[f"{mode}, loky 32 workers: utilisation >= 90 % of the replay's"] = {
                    "value": share,
                    "utilisation": rows[mode]["utilisation"],
                    "replay": rows["replay"]["utilisation"],
                    "met": share >= REPLAY_SHARE_TARGET,
                }
    for kind in ("loky", "dask"):
        keys = sorted(
            (k for k in (sleep or {}) if k.startswith(kind + "/")),
            key=lambda k: int(k.split("/")[1]),
        )
        if len(keys) < 2:
            continue
        for mode in GAHPO_MODES:
            walls = [sleep[k][mode]["wall_seconds"] for k in keys if mode in sleep[k]]
            out[f"{mode}, {kind}: wall time falls as workers are added"] = {
                "workers": [int(k.split("/")[1]) for k in keys],
                "walls": walls,
                "met": all(b < a for a, b in zip(walls, walls[1:])),
            }
    for method in ("gahpo", "gahpo-async"):
        if real and method in real:
            value = real[method]["speed_up"]
            name = f"{method}, MLP: n_jobs 1 -> 2 speed-up >= 1.9"
            out[name] = {
                "name": name,
                "value": value,
                "met": value >= SPEED_UP_TARGET,
            }
    return out


def describe_target(t):
    if "walls" in t:
        return ", ".join(f"{w}: {s:.2f}s" for w, s in zip(t["workers"], t["walls"]))
    if "replay" in t:
        return (
            f"{100 * t['utilisation']:.1f} % / {100 * t['replay']:.1f} % = "
            f"{100 * t['value']:.0f} %"
        )
    if "speed-up" in t.get("name", ""):
        return f"{t['value']:.2f}"
    return f"{100 * t['value']:.1f} %"  # a utilisation


# -- main ------------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--experiments", nargs="+", default=["sleep", "real"], choices=["sleep", "real"]
    )
    parser.add_argument("--quick", action="store_true", help="a smoke test, < 2 min")
    parser.add_argument(
        "--loky",
        nargs="*",
        type=int,
        default=None,
        help="loky worker counts (default 2 4 16 32)",
    )
    parser.add_argument(
        "--dask",
        nargs="*",
        type=int,
        default=None,
        help="Dask worker counts (default 4 16)",
    )
    parser.add_argument(
        "--time-scale",
        type=float,
        default=None,
        help="multiplies every sleep (default 1; --quick 0.05)",
    )
    parser.add_argument("--sleep-rounds", type=int, default=1)
    parser.add_argument(
        "--rounds",
        type=int,
        default=None,
        help="rounds of real fits (default 3; --quick 1)",
    )
    parser.add_argument(
        "--budget",
        type=int,
        default=None,
        help="MLP candidates (default 30; --quick 6)",
    )
    parser.add_argument(
        "--max-iter",
        type=int,
        default=None,
        help="MLP epochs at most (default the study's 200; --quick 20)",
    )
    parser.add_argument(
        "--methods",
        nargs="+",
        default=list(REAL_METHODS),
        choices=REAL_METHODS,
        help="of the real fits",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--json", default=None, help="default results/scaling.json ('' with --quick)"
    )
    args = parser.parse_args(argv)
    quick = args.quick
    settings = list(QUICK_SETTINGS if quick else SETTINGS)
    if args.loky is not None or args.dask is not None:
        settings = [("loky", w) for w in (args.loky or [])] + [
            ("dask", w) for w in (args.dask or [])
        ]
    time_scale = args.time_scale or (QUICK_TIME_SCALE if quick else 1.0)
    args.rounds = args.rounds or (1 if quick else 3)
    args.budget = args.budget or (6 if quick else 30)
    args.max_iter = args.max_iter or (20 if quick else study.TASKS["mlp"]["max_iter"])
    if args.json is None:
        args.json = "" if quick else H.results_path("scaling.json")

    run = H.start("scaling", "Scaling with workers: sleeping fits and real fits")
    H.silence_warnings()
    if any(kind == "dask" for kind, _ in settings):
        try:
            import distributed  # noqa: F401
        except ImportError as exc:
            run.log(f"note: skipping Dask: {exc}: pip install -e '.[dask]'")
            settings = [s for s in settings if s[0] != "dask"]
    methods, skipped = H.available(args.methods, say=run.log)
    payload = {
        "quick": quick,
        "seed": args.seed,
        "sleep_config": {
            "settings": settings,
            "time_scale": time_scale,
            "n_iter": N_ITER,
            "population_size": POPULATION,
            "cv": N_SPLITS,
            "surrogate": None,
            "refit": False,
            "space": {
                m: H.describe(H.encode(SLEEP_SPACE, m)) for m in ("gahpo", "random")
            },
            "score": "1 - (log10(seconds / 0.5) / 2) ** 2 - (shape - 0.7) ** 2",
            "optimum": {
                "seconds": _sleeper.BEST_SECONDS,
                "shape": _sleeper.BEST_SHAPE,
            },
            "rounds": args.sleep_rounds,
        },
        "real_config": {
            "task": "study.py mlp (digits, split of --seed, StratifiedKFold(2))",
            "budget": args.budget,
            "max_iter": args.max_iter,
            "study_network": args.max_iter == study.TASKS["mlp"]["max_iter"],
            "methods": methods,
            "skipped_methods": skipped,
            "n_jobs": list(REAL_N_JOBS),
            "rounds": args.rounds,
            "refit": False,
        },
    }
    sleep_summary = real_summary = None
    text = []
    if "sleep" in args.experiments:
        runs, orders = sleep_experiment(args, run, settings, time_scale)
        sleep_summary = summarize_sleep(runs, settings)
        payload.update(
            sleep_runs=runs, sleep_orders=orders, sleep_summary=sleep_summary
        )
        text.append(sleep_tables(sleep_summary, time_scale))
    if "real" in args.experiments:
        runs, orders = real_experiment(args, run, methods)
        real_summary = summarize_real(runs, methods)
        payload.update(
            real_runs=runs,
            real_orders=[[list(p) for p in o] for o in orders],
            real_summary=real_summary,
        )
        text.append(real_table(real_summary))
    goals = targets(sleep_summary, real_summary)
    payload["targets"] = goals
    for block in text:
        run.log(block)
    run.log("\n### Targets\n")
    for name, t in goals.items():
        run.log(f"- {name}: {describe_target(t)}: {'met' if t['met'] else 'not met'}")
    run.write(args.json, payload)


if __name__ == "__main__":
    main()
