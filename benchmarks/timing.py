#!/usr/bin/env python
"""Time: wall time at the same budget, the speed-up from 1 to 2 jobs, the best
score within the same wall-clock budget, and what a generation costs.

Issue 6's time benchmark. Targets (reported, never asserted): with the same
budget and ``n_jobs=2``, gahpo's wall time is at most 0.6 x sklearn-genetic-opt's
``GASearchCV``'s and at most 1.1 x ``RandomizedSearchCV``'s, and gahpo's speed-up
from 1 to 2 jobs is at least 1.8 on the MLP task.

Task
----
The study's network (:func:`gahpo.__main__.make_network`: features
standardized, Adam, early stopping on a held-out tenth, ``max_iter=200``,
``random_state=0``) on scikit-learn's digits: 25 % held out for testing
(``gahpo.__main__._split(X, y, test_size=0.25, seed=0)``, the same rows for
every seed) and ``cv=StratifiedKFold(2)`` (``gahpo.__main__.N_SPLITS``, the
CLI's default) on the other 1347 rows.

Optuna and sklearn-genetic-opt cannot sample a variable-length
``hidden_layer_sizes`` tuple, so **every** tool, gahpo included, tunes
``_flatmlp.FlatMLP``, the same network with flat parameters:

* ``batch_size``: integer 16 .. 512, log-uniform;
* ``n_layers``: integer 1 .. 3;
* ``units_1``, ``units_2``, ``units_3``: integers 16 .. 256, log-uniform (only
  the first ``n_layers`` are used: the others are inert, so two distinct
  candidates can be the same network, for every tool alike);
* ``activation``: identity, logistic, tanh, relu.

Written natively for each tool: gahpo ``Integer(16, 512, log=True)``,
``Integer(1, 3)``, ``Categorical``; ``RandomizedSearchCV`` and
``HalvingRandomSearchCV`` ``_flatmlp.LogUniformInt`` (``floor`` of
``scipy.stats.loguniform(16, 513)``, the same law as gahpo's log ``Integer``),
``scipy.stats.randint(1, 4)``, a list; Optuna ``IntDistribution(16, 512,
log=True)``, ``IntDistribution(1, 3)``, ``CategoricalDistribution``.
sklearn-genetic-opt's ``space.Integer`` only has a uniform distribution, so
it samples and mutates batch sizes and widths uniformly: mean batch 264 and
mean width 136, against about 143 and 87 log-uniform. Larger batches fit
faster and wider layers slower; its mean fit time per fit shows the net
effect.

Methods (``--methods`` picks a subset; a missing peer is skipped with a note)
------------------------------------------------------------------------------
Each at its defaults except the budget, ``cv``, ``n_jobs`` and the seed, with
``refit=True`` (the default of all five), so the wall time is what a user pays;
the refit's own time (``refit_time_``) is recorded too.

* ``gahpo``: ``GeneticSearchCV(n_candidates=B, random_state=seed)``: the
  population and generations derived from the budget (a population of 9 for
  B = 30; the budget ends it after about 4 generations).
* ``random``: ``RandomizedSearchCV(n_iter=B, random_state=seed)``.
* ``halving``: ``HalvingRandomSearchCV(n_candidates=B, random_state=seed)``,
  resource ``n_samples``, factor 3, ``min_resources="smallest"`` (40 rows):
  most of its fits see a fraction of the rows (rounds of 40, 120, 360 and
  1080 rows for B = 30), so neither its compute per candidate nor its best
  CV score (from its last round, on a subsample) is comparable; reported
  anyway.
* ``tpe``: ``OptunaSearchCV(n_trials=B, random_state=seed,
  study=create_study(direction="maximize", sampler=TPESampler(seed=seed)))``.
  Its ``n_jobs`` runs trials in *threads* (Optuna's design), not processes.
* ``ga-peer``: ``GASearchCV`` (``eaMuPlusLambda``: an initial population of P,
  then 2P offspring per generation, all re-evaluated but cached repeats
  cost no fit), ``population_size=P = min(10, B)`` (its default of 50 is
  more than the budget) and ``generations=G``, ``(B - P) / 2P`` rounded, i.e.
  ``P * (1 + 2G)`` evaluations (exactly 30 for B = 30: 10 + 20). Its
  ``n_jobs`` parallelizes the folds of one candidate at a time. It has no
  ``random_state``: Python's ``random`` and numpy's global generator are
  seeded after the space is built (as in ``quality.py``); ``verbose=False``.

Part 1: the same budget, ``n_jobs`` 1 and 2
-------------------------------------------
For each seed 0 .. N-1, each ``n_jobs`` (order alternating between seeds)
and each method (order rotating between seeds): the wall time of ``fit``.
Before every fit with workers, the joblib pool is started (or kept alive)
and every worker has imported and fitted a tiny ``FlatMLP``. Recorded: wall
time, refit time, distinct candidates, CV fits actually run (rows x folds;
cached repeats of ``GASearchCV`` cost none, re-proposed candidates of TPE
and random search are fitted again), the mean fit time per CV fit (the
drift to slow or fast configurations), best CV score and the held-out
accuracy of ``best_estimator_``. Ratios (speed-up, to random search, to
``GASearchCV``) are paired within a seed.

Part 2: the same wall-clock budget
----------------------------------
``T`` = the median wall time of ``random`` at ``n_jobs=2`` in part 1 (``--wall``
overrides). Each method runs once per seed with ``n_jobs=2`` and T seconds:

* ``gahpo``: ``max_time=T``, ``n_candidates=10 B`` (never reached), and the
  population part 1 derived from B (6 for B = 30); it stops after the
  generation crossing T.
* ``tpe``: ``timeout=T``, ``n_trials=None``; no trial starts after T.
* ``ga-peer``: the same P, ``TimerStopping(total_seconds=T)``,
  ``generations=10 B`` (a cap); it stops after the generation crossing T.
* ``random``: it has no time limit: successive ``RandomizedSearchCV(n_iter=
  2 n_jobs, random_state=1000 seed + i, refit=False)`` chunks until T has
  passed; the best of the chunks that *finished* by T is refitted.
* ``halving``: ``n_candidates`` scaled so that part 1's median wall time of
  ``halving`` at ``n_jobs=2`` would take T: ``round(B T / that time)``. It has
  no time limit and no result before its last round, so it counts only when
  it ends by T.

Reported: wall time actually used (refit included) and how far the search
overshot T; best CV score and test accuracy of what ``fit`` returned; and of
the best candidate *finished by T* (generation, chunk or trial end times,
from a callback, relative to the start of ``fit``), refitted untimed when it
differs from the returned one.

Part 3: what a generation costs (``--no-ablations`` skips it)
-------------------------------------------------------------
gahpo, ``n_jobs=2``, seed 0, budget B:

(a) idle tail: per generation, wall time minus half the fit + score seconds
    of its fits (from ``cv_results_`` and ``history_``): the worker time spent
    waiting, mostly for the slowest fit; the most any dispatch order could
    recover. Alongside, the makespan of greedy dispatch in the order
    scikit-learn submits the fits, and slowest-first (LPT), simulated from
    the measured fit times (per-fold times rebuilt from mean and std, exact
    for two folds up to their order).
(b) cold vs warm pool: a fit right after
    ``joblib.externals.loky.get_reusable_executor().shutdown(wait=True)``,
    against one with the pool started, ``--ablation-repeats`` times each,
    alternating.
(c) BLAS threads: the fit in a fresh process (this script with hidden
    options) with ``OMP/OPENBLAS/MKL/...`` threads 1 and 2, at ``n_jobs`` 2 and
    1; the thread pools of its workers are read back with threadpoolctl.
    Oversubscribed BLAS can be an order of magnitude slower on 2 cores, so a
    child is stopped (with its workers) after the larger of 30 s and 5 times
    the first row's time, and reported as "> that".

BLAS/OpenMP are pinned to one thread per process (environment variables set
before numpy is imported, inherited by joblib's workers, plus threadpoolctl
in this process), except in (c)'s children. ConvergenceWarning and the
clipped-batch-size warning are silenced (scikit-learn forwards the filters to
its workers), as are Optuna's ExperimentalWarning and its FutureWarning about
``optuna.terminator``; Optuna logs at WARNING.

Run::

    python benchmarks/timing.py                     # 5 seeds, B = 30, all parts
    python benchmarks/timing.py --seeds 1 --budget 6 --json ''   # smoke test

Prints markdown tables and writes ``benchmarks/results/timing.json`` with every
run, versions, machine, load average before and after, and the commit.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common  # noqa: E402


def _blas_threads_from_argv(argv):
    """The hidden ``--blas-threads N`` of part 3 (c)'s child processes (else 1).

    Read from ``sys.argv`` by hand: BLAS reads its thread count when numpy is
    imported, long before ``argparse`` runs.
    """
    for i, arg in enumerate(argv):
        if arg == "--blas-threads" and i + 1 < len(argv):
            return int(argv[i + 1])
        if arg.startswith("--blas-threads="):
            return int(arg.split("=", 1)[1])
    return 1


_BLAS_THREADS = _blas_threads_from_argv(sys.argv[1:])
_OVERRIDDEN = _common.pin_threads_env(_BLAS_THREADS)  # before numpy, scipy, sklearn

import argparse  # noqa: E402
import contextlib  # noqa: E402
import datetime  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import random as pyrandom  # noqa: E402
import signal  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import _flatmlp  # noqa: E402
import numpy as np  # noqa: E402
from _flatmlp import FlatMLP, LogUniformInt  # noqa: E402
from joblib import Parallel, delayed, effective_n_jobs  # noqa: E402
from scipy.stats import randint  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.experimental import enable_halving_search_cv  # noqa: E402, F401
from sklearn.model_selection import (  # noqa: E402
    HalvingRandomSearchCV,
    RandomizedSearchCV,
    StratifiedKFold,
)

from gahpo import GeneticSearchCV  # noqa: E402
from gahpo.__main__ import ACTIVATIONS, N_SPLITS, _split  # noqa: E402
from gahpo.space import Categorical, Integer  # noqa: E402

METHODS = ("gahpo", "random", "halving", "tpe", "ga-peer")
TARGETS = {
    "gahpo_over_ga_peer_n_jobs_2": 0.6,  # at most
    "gahpo_over_random_n_jobs_2": 1.1,  # at most
    "gahpo_speed_up_1_to_2": 1.8,  # at least
}
GA_PEER_POPULATION = 10
TEST_SIZE = 0.25
SPLIT_SEED = 0
WALL_N_JOBS = 2  # parts 2 and 3
BLAS_CONFIGS = ((2, 1), (2, 2), (1, 1), (1, 2))  # (n_jobs, BLAS threads), part 3 (c)
BLAS_TIMEOUT_FACTOR = 5  # part 3 (c): a child is stopped after 5x the first's time


# -- task and spaces -----------------------------------------------------------


def load_task():
    """``X_train, X_test, y_train, y_test``: digits, 25 % held out, seed 0."""
    X, y = load_digits(return_X_y=True)
    return _split(X, y, test_size=TEST_SIZE, seed=SPLIT_SEED)


def make_cv():
    return StratifiedKFold(N_SPLITS)


def gahpo_space():
    return {
        "batch_size": Integer(16, 512, log=True),
        "n_layers": Integer(1, 3),
        "units_1": Integer(16, 256, log=True),
        "units_2": Integer(16, 256, log=True),
        "units_3": Integer(16, 256, log=True),
        "activation": Categorical(ACTIVATIONS),
    }


def random_space():
    """For RandomizedSearchCV and HalvingRandomSearchCV (``randint`` excludes high)."""
    return {
        "batch_size": LogUniformInt(16, 512),
        "n_layers": randint(1, 4),
        "units_1": LogUniformInt(16, 256),
        "units_2": LogUniformInt(16, 256),
        "units_3": LogUniformInt(16, 256),
        "activation": list(ACTIVATIONS),
    }


def optuna_space():
    from optuna.distributions import CategoricalDistribution, IntDistribution

    return {
        "batch_size": IntDistribution(16, 512, log=True),
        "n_layers": IntDistribution(1, 3),
        "units_1": IntDistribution(16, 256, log=True),
        "units_2": IntDistribution(16, 256, log=True),
        "units_3": IntDistribution(16, 256, log=True),
        "activation": CategoricalDistribution(list(ACTIVATIONS)),
    }


def ga_peer_space():
    """sklearn-genetic-opt's Integer has no log distribution: uniform integers."""
    from sklearn_genetic.space import Categorical as GACategorical
    from sklearn_genetic.space import Integer as GAInteger

    return {
        "batch_size": GAInteger(16, 512),
        "n_layers": GAInteger(1, 3),
        "units_1": GAInteger(16, 256),
        "units_2": GAInteger(16, 256),
        "units_3": GAInteger(16, 256),
        "activation": GACategorical(list(ACTIVATIONS)),
    }


def ga_peer_budget(budget):
    """``(population_size, generations, evaluations)`` of GASearchCV for budget B.

    ``eaMuPlusLambda`` evaluates the initial population (P), then
    ``lambda = 2P`` offspring per generation: ``P (1 + 2G)`` evaluations, cached
    repeats included (they cost no fit).
    """
    population = min(GA_PEER_POPULATION, budget)
    generations = max(0, math.floor((budget - population) / (2 * population) + 0.5))
    return population, generations, population * (1 + 2 * generations)


def describe_methods(budget):
    p, g, evals = ga_peer_budget(budget)
    return {
        "gahpo": "GeneticSearchCV(n_candidates=B, random_state=seed), "
        "otherwise defaults",
        "random": "RandomizedSearchCV(n_iter=B, random_state=seed)",
        "halving": "HalvingRandomSearchCV(n_candidates=B, random_state=seed), "
        "otherwise defaults (resource n_samples, factor 3)",
        "tpe": "OptunaSearchCV(n_trials=B, random_state=seed, study=create_study("
        "direction='maximize', sampler=TPESampler(seed=seed))); n_jobs = threads",
        "ga-peer": f"GASearchCV(population_size={p}, generations={g}, verbose=False), "
        f"otherwise defaults (eaMuPlusLambda): {evals} evaluations, cached repeats "
        "included; random and np.random seeded with the seed; uniform Integer genes",
    }


# -- availability ----------------------------------------------------------------


def unavailable_reason(method):
    """None if ``method`` can run here, else why not."""
    modules = {
        "tpe": ("optuna", "optuna_integration.sklearn"),
        "ga-peer": ("sklearn_genetic",),
    }.get(method, ())
    for module in modules:
        try:
            __import__(module)
        except ImportError as exc:
            dist = {"ga-peer": "sklearn-genetic-opt"}.get(method, module)
            return f"{dist} is not installed ({exc})"
    return None


# -- the worker pool ---------------------------------------------------------------


def start_pool(n_jobs):
    """Start (or keep alive) joblib's workers; each imports and fits a tiny FlatMLP.

    Called before every timed fit with workers: loky shuts idle workers down
    after 300 s, which the ``n_jobs=1`` runs in between can exceed.
    """
    n_workers = effective_n_jobs(n_jobs)
    if n_workers > 1:
        tasks = (delayed(_flatmlp.warm_up)() for _ in range(2 * n_workers))
        Parallel(n_jobs=n_jobs)(tasks)


def shutdown_pool():
    """Stop joblib's (loky's) reusable pool; the next parallel call starts a new one."""
    from joblib.externals.loky import get_reusable_executor

    get_reusable_executor().shutdown(wait=True)


# -- helpers -------------------------------------------------------------------------


def _plain(value):
    """numpy scalars as Python ones (for keys and JSON)."""
    return value.item() if isinstance(value, np.generic) else value


def _params(params):
    return {k: _plain(v) for k, v in params.items()}


def _key(params):
    return tuple(sorted(_params(params).items()))


def _fit_summary(method, search):
    """Candidates, CV fits run and fit seconds, from what the search recorded."""
    if method == "ga-peer":
        rows = search.logbook.chapters["parameters"]
        names = list(search.space.parameters)
        distinct = {}
        for row in rows:
            distinct.setdefault(_key({n: row[n] for n in names}), row)
        n_splits = search.n_splits_
        fit = sum(float(np.sum(r["fit_time"])) for r in distinct.values())
        score = sum(float(np.sum(r["score_time"])) for r in distinct.values())
        n_rows, n_fitted, n_distinct = len(rows), len(distinct), len(distinct)
    elif method == "tpe":
        import optuna

        complete = optuna.trial.TrialState.COMPLETE
        trials = [t for t in search.trials_ if t.state == complete]
        n_splits = search.n_splits_
        fit = n_splits * sum(t.user_attrs.get("mean_fit_time", 0.0) for t in trials)
        score = n_splits * sum(t.user_attrs.get("mean_score_time", 0.0) for t in trials)
        n_rows = n_fitted = len(trials)  # a repeated proposal is fitted again
        n_distinct = len({_key(t.params) for t in trials})
    else:
        res = search.cv_results_
        n_splits = search.n_splits_
        fit = n_splits * float(np.sum(res["mean_fit_time"]))
        score = n_splits * float(np.sum(res["mean_score_time"]))
        n_rows = n_fitted = len(res["params"])
        n_distinct = len({_key(p) for p in res["params"]})
    n_fits = n_fitted * n_splits
    return {
        "n_rows": n_rows,
        "n_distinct_candidates": n_distinct,
        "n_cv_fits": n_fits,
        "fit_seconds": fit,
        "score_seconds": score,
        "mean_fit_time": fit / n_fits if n_fits else float("nan"),
    }


def _timed_fit(search, X, y, **fit_params):
    t0 = time.perf_counter()
    search.fit(X, y, **fit_params)
    return time.perf_counter() - t0


def _new_ga_peer(budget_population, generations, n_jobs, max_iter, seed):
    from sklearn_genetic import GASearchCV

    search = GASearchCV(
        FlatMLP(max_iter=max_iter),
        cv=make_cv(),
        param_grid=ga_peer_space(),
        population_size=budget_population,
        generations=generations,
        n_jobs=n_jobs,
        verbose=False,
    )
    # No random_state: it draws from `random` (DEAP, its Categorical) and
    # numpy's global generator. Categorical() re-seeds `random` from the OS
    # when built, so seed after building.
    pyrandom.seed(seed)
    np.random.seed(seed)
    return search


def _new_tpe(n_jobs, max_iter, seed, **kwargs):
    import optuna
    from optuna_integration.sklearn import OptunaSearchCV

    study = optuna.create_study(
        direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed)
    )
    return OptunaSearchCV(
        FlatMLP(max_iter=max_iter),
        optuna_space(),
        cv=make_cv(),
        n_jobs=n_jobs,
        random_state=seed,
        study=study,
        **kwargs,
    )


def make_gahpo(budget, n_jobs, max_iter, seed, **kwargs):
    kwargs.setdefault("n_candidates", budget)
    return GeneticSearchCV(
        FlatMLP(max_iter=max_iter),
        gahpo_space(),
        cv=make_cv(),
        n_jobs=n_jobs,
        random_state=seed,
        **kwargs,
    )


# -- part 1: the same budget --------------------------------------------------------


def run_same_budget(method, budget, n_jobs, seed, data, max_iter):
    """One search with budget B; its record."""
    X_train, X_test, y_train, y_test = data
    extra = {}
    if method == "gahpo":
        search = make_gahpo(budget, n_jobs, max_iter, seed)
        wall = _timed_fit(search, X_train, y_train)
        extra["n_generations"] = int(search.n_generations_)
    elif method == "random":
        search = RandomizedSearchCV(
            FlatMLP(max_iter=max_iter), random_space(), n_iter=budget, cv=make_cv(),
            n_jobs=n_jobs, random_state=seed,
        )
        wall = _timed_fit(search, X_train, y_train)
    elif method == "halving":
        search = HalvingRandomSearchCV(
            FlatMLP(max_iter=max_iter), random_space(), n_candidates=budget,
            cv=make_cv(), n_jobs=n_jobs, random_state=seed,
        )
        wall = _timed_fit(search, X_train, y_train)
        extra["n_resources"] = [int(r) for r in search.n_resources_]
        extra["n_candidates_per_round"] = [int(c) for c in search.n_candidates_]
    elif method == "tpe":
        search = _new_tpe(n_jobs, max_iter, seed, n_trials=budget)
        wall = _timed_fit(search, X_train, y_train)
    elif method == "ga-peer":
        population, generations, _ = ga_peer_budget(budget)
        search = _new_ga_peer(population, generations, n_jobs, max_iter, seed)
        with contextlib.redirect_stdout(io.StringIO()):  # "INFO: ..." lines
            wall = _timed_fit(search, X_train, y_train)
        extra["n_generations"] = int(search._n_iterations)
    else:
        raise ValueError(method)
    record = {
        "method": method,
        "seed": seed,
        "n_jobs": n_jobs,
        "wall_seconds": wall,
        "refit_seconds": float(getattr(search, "refit_time_", float("nan"))),
        "best_score": float(search.best_score_),
        "test_accuracy": float(search.best_estimator_.score(X_test, y_test)),
        "best_params": _params(search.best_params_),
    }
    record.update(_fit_summary(method, search))
    record.update(extra)
    return record


def part1(methods, args, data, log):
    seeds = list(range(args.seeds))
    runs = []
    for seed in seeds:
        k = seed % len(methods)
        order = methods[k:] + methods[:k]
        jobs_order = args.n_jobs if seed % 2 == 0 else args.n_jobs[::-1]
        for n_jobs in jobs_order:
            for method in order:
                start_pool(n_jobs)
                rec = run_same_budget(
                    method, args.budget, n_jobs, seed, data, args.max_iter
                )
                runs.append(rec)
                log(
                    f"   seed {seed} n_jobs={n_jobs} {method:8s} "
                    f"wall {rec['wall_seconds']:7.2f}s "
                    f"(refit {rec['refit_seconds']:.2f}s), {rec['n_cv_fits']} CV fits, "
                    f"{rec['mean_fit_time']:.3f}s/fit, "
                    f"best CV {rec['best_score']:.4f}, test {rec['test_accuracy']:.4f}"
                )
    return runs


def _mean_std(values):
    values = [v for v in values if v is not None and not math.isnan(v)]
    if not values:
        return None, None
    mean = statistics.fmean(values)
    std = statistics.stdev(values) if len(values) > 1 else float("nan")
    return mean, std


def _fmt(values, digits=2):
    mean, std = _mean_std(values)
    if mean is None:
        return "-"
    if math.isnan(std):
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {std:.{digits}f}"


def _paired(runs, method, other, n_num, n_den=None):
    """Per-seed ratios wall(method, n_num) / wall(other, n_den)."""
    n_den = n_num if n_den is None else n_den
    by = {(r["method"], r["n_jobs"], r["seed"]): r["wall_seconds"] for r in runs}
    return [
        by[(method, n_num, s)] / by[(other, n_den, s)]
        for (m, n, s) in by
        if m == method and n == n_num and (other, n_den, s) in by
    ]


def summarize_part1(runs, methods, n_jobs_list):
    lo, hi = min(n_jobs_list), max(n_jobs_list)
    summary = {}
    for method in methods:
        mine = [r for r in runs if r["method"] == method]
        entry = {"by_n_jobs": {}}
        for n in n_jobs_list:
            rs = [r for r in mine if r["n_jobs"] == n]
            entry["by_n_jobs"][str(n)] = {
                key: dict(zip(("mean", "std"), _mean_std([r[key] for r in rs])))
                for key in ("wall_seconds", "refit_seconds", "n_cv_fits",
                            "mean_fit_time", "fit_seconds", "best_score",
                            "test_accuracy", "n_distinct_candidates")
            }
        if lo != hi:
            speed = [1 / x for x in _paired(runs, method, method, hi, lo)]
            entry[f"speed_up_{lo}_to_{hi}"] = speed
        for other in ("random", "ga-peer"):
            ratios = _paired(runs, method, other, hi)
            if ratios and other != method:
                entry[f"ratio_to_{other}_n_jobs_{hi}"] = ratios
        summary[method] = entry
    return summary


def table_part1(runs, summary, methods, n_jobs_list):
    lo, hi = min(n_jobs_list), max(n_jobs_list)
    first = n_jobs_list[0]  # the descriptive columns come from this setting
    header = ["method"] + [f"wall n_jobs={n} (s)" for n in n_jobs_list]
    if lo != hi:
        header.append(f"speed-up {lo}→{hi} mean (min)")
    header += [f"/ random @{hi}", f"/ ga-peer @{hi}", "s / fit", "CV fits",
               "best CV", "test acc."]
    rows = []
    for method in methods:
        mine = [r for r in runs if r["method"] == method]
        cells = [method]
        for n in n_jobs_list:
            cells.append(_fmt([r["wall_seconds"] for r in mine if r["n_jobs"] == n]))
        if lo != hi:
            speed = summary[method].get(f"speed_up_{lo}_to_{hi}", [])
            cells.append(
                f"{statistics.fmean(speed):.2f} ({min(speed):.2f})" if speed else "-"
            )
        for other in ("random", "ga-peer"):
            ratios = summary[method].get(f"ratio_to_{other}_n_jobs_{hi}")
            cells.append(_fmt(ratios) if ratios else "-")
        desc = [r for r in mine if r["n_jobs"] == first]
        cells += [
            _fmt([r["mean_fit_time"] for r in desc], 3),
            _fmt([r["n_cv_fits"] for r in desc], 0),
            _fmt([r["best_score"] for r in desc], 4),
            _fmt([r["test_accuracy"] for r in desc], 4),
        ]
        rows.append(cells)
    return _common.markdown_table(header, rows)


def targets(summary):
    """The issue's targets: value, threshold, met (None when not measured)."""
    out = {}
    g = summary.get("gahpo")
    checks = (
        ("gahpo_over_ga_peer_n_jobs_2", "ratio_to_ga-peer_n_jobs_2", "le"),
        ("gahpo_over_random_n_jobs_2", "ratio_to_random_n_jobs_2", "le"),
        ("gahpo_speed_up_1_to_2", "speed_up_1_to_2", "ge"),
    )
    for name, key, sense in checks:
        threshold = TARGETS[name]
        values = g.get(key) if g else None  # present only when n_jobs 1 and 2 ran
        if not values:
            out[name] = {"threshold": threshold, "value": None, "met": None}
            continue
        value = statistics.fmean(values)
        met = value <= threshold if sense == "le" else value >= threshold
        out[name] = {"threshold": threshold, "value": value, "met": met,
                     "per_seed": values}
    return out


# -- part 2: the same wall-clock budget ---------------------------------------


def _refit_score(params, data, max_iter):
    X_train, X_test, y_train, y_test = data
    t0 = time.perf_counter()
    model = FlatMLP(max_iter=max_iter).set_params(**params).fit(X_train, y_train)
    return model.score(X_test, y_test), time.perf_counter() - t0


def run_same_wall(method, T, budget, n_jobs, seed, data, max_iter, halving_n):
    """One search given T seconds; returns its record.

    ``finished`` lists ``(seconds from the start of fit, CV score, params)`` for
    every candidate, its time being the end of its generation, chunk or trial.
    """
    X_train, X_test, y_train, y_test = data
    extra = {}
    if method == "gahpo":

        def clock(search, record):
            clock.ends[record["generation"]] = time.perf_counter() - clock.t0

        clock.ends = {}
        search = make_gahpo(
            budget, n_jobs, max_iter, seed,
            n_candidates=10 * budget, max_time=T, callbacks=[clock],
            # the population part 1 used (the n_candidates rule at B): 10 B
            # would derive a larger one, and fewer generations would fit in T
            population_size=make_gahpo(budget, n_jobs, max_iter, seed)._budget()[0],
        )
        clock.t0 = time.perf_counter()
        search.fit(X_train, y_train)
        wall = time.perf_counter() - clock.t0
        res = search.cv_results_
        finished = [
            (clock.ends[g], s, p)
            for g, s, p in zip(res["generation"], res["mean_test_score"], res["params"])
        ]
        extra["n_generations"] = int(search.n_generations_)
        extra["history"] = [  # gahpo's own clock: seconds since _run_search began
            {k: r[k] for k in ("generation", "elapsed", "best_score", "n_evaluated")}
            for r in search.history_
        ]
        with contextlib.suppress(Exception):  # private: the derived population
            extra["population_size"] = int(search._budget()[0])
    elif method == "tpe":
        search = _new_tpe(n_jobs, max_iter, seed, n_trials=None, timeout=T)
        t0 = time.perf_counter()
        start = datetime.datetime.now()
        search.fit(X_train, y_train)
        wall = time.perf_counter() - t0
        import optuna

        finished = [
            ((t.datetime_complete - start).total_seconds(), t.value, t.params)
            for t in search.trials_
            if t.state == optuna.trial.TrialState.COMPLETE
        ]
        extra["n_trials"] = len(search.trials_)
    elif method == "ga-peer":
        from sklearn_genetic.callbacks import TimerStopping
        from sklearn_genetic.callbacks.base import BaseCallback

        class Clock(BaseCallback):
            """Seconds since fit began, and logbook rows, at each generation's end."""

            def __init__(self):
                self.steps = []

            def on_step(self, record=None, logbook=None, estimator=None):
                rows = len(estimator.logbook.chapters["parameters"])
                self.steps.append((time.perf_counter() - self.t0, rows))
                return False

        population, _, _ = ga_peer_budget(budget)
        search = _new_ga_peer(population, 10 * budget, n_jobs, max_iter, seed)
        clock = Clock()
        callbacks = [clock, TimerStopping(total_seconds=T)]
        clock.t0 = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            search.fit(X_train, y_train, callbacks=callbacks)
        wall = time.perf_counter() - clock.t0
        rows = search.logbook.chapters["parameters"]
        names = list(search.space.parameters)
        finished, done = [], 0
        for t, n_rows in clock.steps:
            for row in rows[done:n_rows]:
                finished.append((t, float(row["score"]), {n: row[n] for n in names}))
            done = n_rows
        extra["n_generations"] = int(search._n_iterations)
        extra["n_evaluations"] = len(rows)
    elif method == "random":
        t0 = time.perf_counter()
        finished, i = [], 0
        while time.perf_counter() - t0 < T:
            chunk = RandomizedSearchCV(
                FlatMLP(max_iter=max_iter), random_space(), n_iter=2 * n_jobs,
                cv=make_cv(), n_jobs=n_jobs, random_state=1000 * seed + i, refit=False,
            ).fit(X_train, y_train)
            end = time.perf_counter() - t0
            res = chunk.cv_results_
            scores, params = res["mean_test_score"], res["params"]
            finished += [(end, s, p) for s, p in zip(scores, params)]
            i += 1
        extra["n_chunks"] = i
        search = None
    elif method == "halving":
        t0 = time.perf_counter()
        search = HalvingRandomSearchCV(
            FlatMLP(max_iter=max_iter), random_space(), n_candidates=halving_n,
            cv=make_cv(), n_jobs=n_jobs, random_state=seed,
        ).fit(X_train, y_train)
        wall = time.perf_counter() - t0
        end = wall - search.refit_time_
        res = search.cv_results_
        last = res["iter"] == max(res["iter"])  # only the last round ranks the best
        scores, params = res["mean_test_score"], res["params"]
        finished = [(end, s, p) for s, p, keep in zip(scores, params, last) if keep]
        extra["n_candidates_param"] = halving_n
        extra["n_rows_all_rounds"] = len(res["params"])
        extra["n_resources"] = [int(r) for r in search.n_resources_]
    else:
        raise ValueError(method)

    valid = [(t, s, p) for t, s, p in finished if s is not None and not math.isnan(s)]
    by_t = [c for c in valid if c[0] <= T]
    best_by_t = max(by_t, key=lambda c: c[1]) if by_t else None
    if method == "random":
        # the best of the chunks finished by T is the result (of all chunks if
        # none finished by T, which only a tiny --wall does); refit it (timed)
        best = best_by_t or max(valid, key=lambda c: c[1])
        test, refit = _refit_score(best[2], data, max_iter)
        search_end = max(t for t, _, _ in finished)
        wall = time.perf_counter() - t0
        returned = {"best_score": float(best[1]), "test_accuracy": test,
                    "best_params": _params(best[2]), "refit_seconds": refit}
    else:
        refit = float(search.refit_time_)
        search_end = wall - refit
        returned = {
            "best_score": float(search.best_score_),
            "test_accuracy": float(search.best_estimator_.score(X_test, y_test)),
            "best_params": _params(search.best_params_),
            "refit_seconds": refit,
        }
    record = {
        "method": method,
        "seed": seed,
        "n_jobs": n_jobs,
        "T": T,
        "wall_seconds": wall,
        "search_end_seconds": search_end,
        "overshoot_seconds": search_end - T,
        # distinct candidates (GASearchCV's cached repeats and TPE's re-proposals
        # counted once)
        "n_candidates": len({_key(p) for _, _, p in finished}),
        "n_candidates_by_T": len({_key(p) for _, _, p in by_t}),
        **returned,
    }
    if best_by_t is None:
        record.update(best_score_by_T=None, test_accuracy_by_T=None)
    else:
        record["best_score_by_T"] = float(best_by_t[1])
        if _key(best_by_t[2]) == _key(returned["best_params"]):
            record["test_accuracy_by_T"] = returned["test_accuracy"]
        else:  # untimed: it is not part of what fit cost
            record["test_accuracy_by_T"] = _refit_score(best_by_t[2], data, max_iter)[0]
        record["best_params_by_T"] = _params(best_by_t[2])
    record.update(extra)
    return record


def part2(methods, T, args, data, runs1, log):
    n_jobs = WALL_N_JOBS
    skipped = {}
    halving_n = None
    if "halving" in methods:
        walls = [r["wall_seconds"] for r in runs1
                 if r["method"] == "halving" and r["n_jobs"] == n_jobs]
        if walls:
            halving_n = max(2, round(args.budget * T / statistics.median(walls)))
        else:
            skipped["halving"] = (
                f"no part-1 wall time of halving at n_jobs={n_jobs} to scale "
                "n_candidates from"
            )
            log(f"   note: skipping halving: {skipped['halving']}")
    run_methods = [m for m in methods if m not in skipped]
    runs = []
    for seed in range(args.seeds):
        k = seed % len(run_methods)
        for method in run_methods[k:] + run_methods[:k]:
            start_pool(n_jobs)
            rec = run_same_wall(method, T, args.budget, n_jobs, seed, data,
                                args.max_iter, halving_n)
            runs.append(rec)
            by_t = rec["best_score_by_T"]
            log(
                f"   seed {seed} {method:8s} wall {rec['wall_seconds']:7.2f}s "
                f"(search ends T{rec['overshoot_seconds']:+.2f}s), "
                f"{rec['n_candidates_by_T']}/{rec['n_candidates']} candidates by T, "
                f"best CV {rec['best_score']:.4f} (by T: "
                f"{'-' if by_t is None else f'{by_t:.4f}'})"
            )
    return runs, skipped, halving_n


def table_part2(runs, methods):
    header = ["method", "wall used (s)", "search end − T (s)", "candidates (by T)",
              "best CV", "test acc.", "best CV by T", "test acc. by T"]
    rows = []
    for method in methods:
        rs = [r for r in runs if r["method"] == method]
        if not rs:
            continue
        n_by = sum(r["best_score_by_T"] is not None for r in rs)
        by_t = _fmt([r["best_score_by_T"] for r in rs], 4)
        if n_by < len(rs):
            by_t += f" ({n_by} of {len(rs)} seeds)"
        rows.append([
            method,
            _fmt([r["wall_seconds"] for r in rs]),
            _fmt([r["overshoot_seconds"] for r in rs]),
            (f"{_fmt([r['n_candidates'] for r in rs], 1)} "
             f"({_fmt([r['n_candidates_by_T'] for r in rs], 1)})"),
            _fmt([r["best_score"] for r in rs], 4),
            _fmt([r["test_accuracy"] for r in rs], 4),
            by_t,
            _fmt([r["test_accuracy_by_T"] for r in rs], 4),
        ])
    return _common.markdown_table(header, rows)


# -- part 3: what a generation costs ------------------------------------------


def _makespan(durations, n_workers):
    """Greedy list scheduling: each task, in order, to the first free worker."""
    free = [0.0] * n_workers
    for d in durations:
        i = free.index(min(free))
        free[i] += d
    return max(free)


def idle_tail(search, n_workers):
    """Per generation: wall, busy worker time, idle share, simulated dispatch orders."""
    res = search.cv_results_
    n_splits = search.n_splits_
    gen_col = np.asarray(res["generation"])
    out, before = [], 0.0
    for record in search.history_:
        g = record["generation"]
        wall = record["elapsed"] - before
        before = record["elapsed"]
        rows = np.flatnonzero(gen_col == g)
        tasks = []  # fit + score seconds of each CV fit, in submission order
        for i in rows:
            fit_mean, fit_std = res["mean_fit_time"][i], res["std_fit_time"][i]
            score = res["mean_score_time"][i]
            if n_splits == 2:  # two values are exactly mean ± std (ddof=0)
                tasks += [fit_mean - fit_std + score, fit_mean + fit_std + score]
            else:
                tasks += [fit_mean + score] * n_splits
        work = float(sum(tasks))
        ideal = work / n_workers
        longest = max(tasks) if tasks else 0.0
        in_order = _makespan(tasks, n_workers)
        lpt = _makespan(sorted(tasks, reverse=True), n_workers)
        out.append({
            "generation": int(g),
            "n_candidates": len(rows),
            "wall": wall,
            "work": work,
            "idle": wall - ideal,
            "idle_share": 1 - ideal / wall if wall > 0 else float("nan"),
            "longest_fit": longest,
            "lower_bound": max(ideal, longest),
            "simulated_in_order": in_order,
            "simulated_slowest_first": lpt,
        })
    return out


def table_idle(gens):
    header = ["generation", "candidates", "wall (s)", "fit+score / 2 (s)", "idle (s)",
              "idle share", "longest fit (s)", "sim. in order (s)",
              "sim. slowest first (s)"]
    rows = [[g["generation"], g["n_candidates"], f"{g['wall']:.2f}",
             f"{g['work'] / 2:.2f}", f"{g['idle']:.2f}", f"{g['idle_share']:.0%}",
             f"{g['longest_fit']:.2f}", f"{g['simulated_in_order']:.2f}",
             f"{g['simulated_slowest_first']:.2f}"] for g in gens]
    total = {k: sum(g[k] for g in gens) for k in
             ("wall", "work", "idle", "simulated_in_order", "simulated_slowest_first")}
    rows.append(["all", sum(g["n_candidates"] for g in gens), f"{total['wall']:.2f}",
                 f"{total['work'] / 2:.2f}", f"{total['idle']:.2f}",
                 f"{total['idle'] / total['wall']:.0%}", "",
                 f"{total['simulated_in_order']:.2f}",
                 f"{total['simulated_slowest_first']:.2f}"])
    return _common.markdown_table(header, rows), total


def run_blas_child(n_jobs, budget, max_iter, seed):
    """Part 3 (c), in a child process: one timed gahpo fit; prints a JSON line."""
    from threadpoolctl import threadpool_info

    limiter, _ = _common.pin_threads_runtime(_BLAS_THREADS)
    pools = _flatmlp.pool_summary(threadpool_info())
    data = load_task()
    X_train, _, y_train, _ = data
    start_pool(n_jobs)
    workers = []
    if effective_n_jobs(n_jobs) > 1:
        seen = {}
        for pid, info in Parallel(n_jobs=n_jobs)(
            delayed(_flatmlp.worker_threads)() for _ in range(4 * n_jobs)
        ):
            seen[pid] = info
        workers = [{"pid": pid, "pools": info} for pid, info in seen.items()]
    search = make_gahpo(budget, n_jobs, max_iter, seed)
    wall = _timed_fit(search, X_train, y_train)
    print(json.dumps({
        "n_jobs": n_jobs,
        "blas_threads": _BLAS_THREADS,
        "wall_seconds": wall,
        "best_score": float(search.best_score_),
        "n_cv_fits": len(search.cv_results_["params"]) * search.n_splits_,
        "main_pools": pools,
        "worker_pools": workers,
        "thread_variables_overridden": _OVERRIDDEN,
    }))
    limiter.restore_original_limits()


def _run_child(cmd, timeout):
    """``(returncode, stdout, stderr)``; returncode None if stopped at ``timeout``.

    The child runs in its own session, so that on a timeout its joblib workers
    are stopped with it (by its process group), not left running.
    """
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        return None, stdout, stderr
    return proc.returncode, stdout, stderr


def part3(args, data, log):
    X_train, _, y_train, _ = data
    n_jobs, seed = WALL_N_JOBS, 0
    n_workers = effective_n_jobs(n_jobs)
    out = {"n_jobs": n_jobs, "seed": seed}

    # (b) cold vs warm pool; the first warm fit also gives (a)
    log(f"\n## Part 3: gahpo, n_jobs={n_jobs}, seed {seed}, budget {args.budget}")
    pool_runs, analysed = [], None
    for r in range(args.ablation_repeats):
        for kind in (("warm", "cold") if r % 2 == 0 else ("cold", "warm")):
            if kind == "cold":
                shutdown_pool()
            else:
                start_pool(n_jobs)
            search = make_gahpo(args.budget, n_jobs, args.max_iter, seed)
            wall = _timed_fit(search, X_train, y_train)
            pool_runs.append({"pool": kind, "wall_seconds": wall})
            log(f"   (b) {kind} pool: {wall:.2f}s")
            if kind == "warm" and analysed is None:
                analysed = search
    out["pool"] = pool_runs

    gens = idle_tail(analysed, n_workers)
    table, total = table_idle(gens)
    out["idle_tail"] = {"generations": gens, "totals": total}
    log("\n### (a) Idle tail per generation (first warm-pool fit)\n")
    log(table)
    log(
        f"\nidle = wall − (fit + score seconds of the generation's fits) / "
        f"{n_workers}: "
        f"{total['idle']:.2f}s of {total['wall']:.2f}s "
        f"({total['idle'] / total['wall']:.0%}), the most any dispatch order could "
        "recover. Simulated greedy dispatch from the measured fit times: in "
        f"scikit-learn's order {total['simulated_in_order']:.2f}s, slowest first "
        f"{total['simulated_slowest_first']:.2f}s (no dispatch overhead in either)."
    )

    warm = [p["wall_seconds"] for p in pool_runs if p["pool"] == "warm"]
    cold = [p["wall_seconds"] for p in pool_runs if p["pool"] == "cold"]
    out["pool_summary"] = {"warm_median": statistics.median(warm),
                           "cold_median": statistics.median(cold)}
    log("\n### (b) Cold vs warm worker pool\n")
    log(_common.markdown_table(
        ["pool", "fits", "wall (s)", "median (s)"],
        [["warm", len(warm), ", ".join(f"{w:.2f}" for w in warm),
          f"{statistics.median(warm):.2f}"],
         ["cold", len(cold), ", ".join(f"{w:.2f}" for w in cold),
          f"{statistics.median(cold):.2f}"]],
    ))
    log(f"\ncold − warm: {statistics.median(cold) - statistics.median(warm):+.2f}s "
        "(starting the workers and importing scikit-learn and gahpo in them).")

    # (c) BLAS threads, in fresh processes
    children, timeout = [], None
    for child_jobs, threads in BLAS_CONFIGS:
        cmd = [sys.executable, os.path.abspath(__file__),
               "--blas-child", str(child_jobs), "--blas-threads", str(threads),
               "--budget", str(args.budget), "--max-iter", str(args.max_iter)]
        code, stdout, stderr = _run_child(cmd, timeout)
        lines = stdout.strip().splitlines()
        if code is None:
            err = (f"stopped after {timeout:.0f}s (the larger of 30 s and "
                   f"{BLAS_TIMEOUT_FACTOR}x the first row)")
            children.append({"n_jobs": child_jobs, "blas_threads": threads,
                             "error": err, "timeout_seconds": timeout})
            log(f"   (c) n_jobs={child_jobs}, {threads} BLAS thread(s): {err}")
            continue
        if code != 0 or not lines:
            err = (stderr.strip().splitlines() or ["no output"])[-1]
            children.append({"n_jobs": child_jobs, "blas_threads": threads,
                             "error": err})
            log(f"   (c) n_jobs={child_jobs}, {threads} BLAS thread(s): FAILED ({err})")
            continue
        child = json.loads(lines[-1])
        children.append(child)
        if timeout is None:  # oversubscribed BLAS can be 10x slower: cap the others
            timeout = max(30.0, BLAS_TIMEOUT_FACTOR * child["wall_seconds"])
        log(f"   (c) n_jobs={child_jobs}, {threads} BLAS thread(s): "
            f"{child['wall_seconds']:.2f}s")
    out["blas"] = children
    base = next((c["wall_seconds"] for c in children
                 if c.get("n_jobs") == 2 and c.get("blas_threads") == 1
                 and "wall_seconds" in c), None)
    rows = []
    for c in children:
        if "wall_seconds" not in c:
            if "timeout_seconds" in c:
                limit = c["timeout_seconds"]
                rows.append([c["n_jobs"], c["blas_threads"], f"> {limit:.0f}",
                             f"> {limit / base:.1f}" if base else "-", "(stopped)"])
            else:
                rows.append([c["n_jobs"], c["blas_threads"], "failed", "", c["error"]])
            continue
        pools = sorted({p for w in c["worker_pools"] for p in w["pools"]})
        if not c["worker_pools"]:
            pools = c["main_pools"]
        rows.append([c["n_jobs"], c["blas_threads"], f"{c['wall_seconds']:.2f}",
                     f"{c['wall_seconds'] / base:.2f}" if base else "-",
                     "; ".join(pools)])
    log("\n### (c) BLAS threads per process (fresh process per row)\n")
    log(_common.markdown_table(
        ["n_jobs", "BLAS threads", "wall (s)", "/ (n_jobs=2, 1 thread)",
         "thread pools seen in the workers (main process if n_jobs=1)"], rows))
    return out


# -- provenance, main --------------------------------------------------------


def versions():
    return {
        dist: _common.dist_version(dist)
        for dist in ("sklearn-gahpo", "scikit-learn", "numpy", "scipy", "joblib",
                     "threadpoolctl", "deap", "optuna", "optuna-integration",
                     "sklearn-genetic-opt", "pandas")
    }


def build_parser():
    parser = argparse.ArgumentParser(
        description=(
            "Wall time of gahpo and its peers on the study's MLP task at the same "
            "budget (n_jobs 1 and 2), best score within the same wall-clock budget, "
            "and what a generation costs."
        )
    )
    parser.add_argument("--budget", type=int, default=30,
                        help="distinct candidates per search, B (default: 30)")
    parser.add_argument("--seeds", type=int, default=5,
                        help="seeds 0..N-1 for parts 1 and 2 (default: 5)")
    parser.add_argument("--methods", nargs="+", default=list(METHODS),
                        help=f"subset of {list(METHODS)} (default: all available)")
    parser.add_argument("--n-jobs", type=int, nargs="+", default=[1, 2],
                        help="n_jobs settings of part 1 (default: 1 2)")
    parser.add_argument("--wall", type=float, default=None, metavar="SECONDS",
                        help="T of part 2 (default: the median wall time of random "
                        "at n_jobs=2 in part 1)")
    parser.add_argument("--no-ablations", dest="ablations", action="store_false",
                        help="skip part 3")
    parser.add_argument("--ablation-repeats", type=int, default=2,
                        help="part 3 (b): fits with a cold and with a warm pool, each "
                        "(default: 2)")
    parser.add_argument("--json", default=_common.default_results_path("timing.json"),
                        help="write the results here (default: "
                        "benchmarks/results/timing.json); '' to skip")
    # hidden: smoke tests, and part 3 (c)'s child processes
    parser.add_argument("--max-iter", type=int, default=200, help=argparse.SUPPRESS)
    parser.add_argument("--blas-child", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--blas-threads", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    return parser


def _silence(optuna_available):
    """Narrow warning filters; scikit-learn forwards them to its workers."""
    # unconverged networks at max_iter: their scores say so already
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    # halving's small resources: batches larger than the fold are clipped
    warnings.filterwarnings("ignore", message="Got `batch_size` less than 1",
                            category=UserWarning)
    # DEAP, when a GASearchCV fit failed before deleting its classes
    warnings.filterwarnings("ignore", message="A class named 'FitnessMax'",
                            category=RuntimeWarning)
    warnings.filterwarnings("ignore", message="A class named 'Individual'",
                            category=RuntimeWarning)
    if optuna_available:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        experimental = optuna.exceptions.ExperimentalWarning
        warnings.filterwarnings("ignore", category=experimental)
        # OptunaSearchCV reports CV scores to the deprecated optuna.terminator
        warnings.filterwarnings("ignore", message=".*optuna.terminator",
                                category=FutureWarning)


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    unknown = [m for m in args.methods if m not in METHODS]
    if unknown:
        parser.error(f"unknown method(s) {unknown}; choose from {list(METHODS)}")
    if args.budget < 2 or args.seeds < 1 or args.max_iter < 1:
        parser.error("need --budget >= 2, --seeds >= 1 and --max-iter >= 1")
    if any(n == 0 for n in args.n_jobs) or args.ablation_repeats < 1:
        parser.error("--n-jobs must not be 0; --ablation-repeats must be >= 1")
    if args.wall is not None and not args.wall > 0:
        parser.error("--wall must be > 0")
    if args.blas_child is None and _BLAS_THREADS != 1:
        parser.error("--blas-threads is for part 3's child processes only")

    with warnings.catch_warnings():
        _silence(unavailable_reason("tpe") is None)
        if args.blas_child is not None:
            run_blas_child(args.blas_child, args.budget, args.max_iter, args.seed)
            return 0
        return run(args, argv)


def run(args, argv):
    def log(message):
        print(message, flush=True)

    limiter, pools = _common.pin_threads_runtime(1)
    started = time.perf_counter()
    machine = _common.machine_info()
    source = _common.source_state()
    log("# Time: gahpo and its peers on the study's MLP (digits)")
    log(_common.pinning_line(_OVERRIDDEN, pools))
    log(
        f"Machine: {machine['cpu_count']} CPUs, load average "
        f"{machine['load_average_1_5_15']}, Python {machine['python']}, "
        f"scikit-learn {machine['scikit-learn']}, numpy {machine['numpy']}, "
        f"joblib {machine['joblib']}, gahpo {machine['gahpo']}."
    )
    log(
        f"Source: commit {(source['commit'] or '?')[:12]}"
        + (f", with {len(source['gahpo_dirty_files'])} uncommitted file(s) in gahpo/"
           if source["gahpo_dirty_files"] else ", gahpo/ clean") + "."
    )

    methods, skipped = _common.available_methods(args.methods, unavailable_reason, log)
    if not methods:
        log("nothing to run")
        return 1
    data = load_task()
    X_train, X_test = data[0], data[1]
    population, generations, evaluations = ga_peer_budget(args.budget)
    log(
        f"Task: FlatMLP (make_network, max_iter={args.max_iter}) on digits, "
        f"{len(X_train)} rows to tune on ({N_SPLITS}-fold CV), {len(X_test)} held out; "
        f"budget B={args.budget}; seeds 0..{args.seeds - 1}; methods {methods}."
    )
    if "ga-peer" in methods:
        log(f"GASearchCV: population_size={population}, generations={generations}: "
            f"{evaluations} evaluations (cached repeats included).")
    if args.max_iter != 200:
        log(f"NOTE: --max-iter {args.max_iter}: not the study's network (200 epochs).")
    load_before = os.getloadavg()
    out = {
        "benchmark": "timing",
        "command": "python " + " ".join([os.path.relpath(__file__)]
                                        + (argv if argv is not None else sys.argv[1:])),
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "targets": dict(TARGETS),
        "config": {
            "data": f"load_digits, _split(test_size={TEST_SIZE}, seed={SPLIT_SEED})",
            "cv": f"StratifiedKFold({N_SPLITS})",
            "estimator": f"_flatmlp.FlatMLP(max_iter={args.max_iter}, random_state=0)",
            "budget": args.budget,
            "seeds": list(range(args.seeds)),
            "n_jobs": args.n_jobs,
            "methods": {m: describe_methods(args.budget)[m] for m in methods},
            "ga_peer_budget": {"population_size": population,
                               "generations": generations,
                               "evaluations": evaluations},
            "spaces": {
                "gahpo": {k: repr(v) for k, v in gahpo_space().items()},
                "random_halving": {
                    k: (repr(v) if not hasattr(v, "dist") else f"{v.dist.name}{v.args}")
                    for k, v in random_space().items()
                },
                "tpe": ({k: repr(v) for k, v in optuna_space().items()}
                        if "tpe" in methods else None),
                "ga-peer": ("sklearn_genetic.space Integer (uniform only: no log "
                            "distribution) / Categorical, same bounds"
                            if "ga-peer" in methods else None),
            },
        },
        "threads": {"pinned_to": 1, "variables_overridden": _OVERRIDDEN,
                    "pools": pools},
        "machine": machine,
        "versions": versions(),
        "source": source,
        "skipped_methods": skipped,
    }

    # part 1
    log(f"\n## Part 1: same budget (B={args.budget}), n_jobs {args.n_jobs}; "
        f"load average {load_before[0]:.2f}")
    runs1 = part1(methods, args, data, log)
    summary1 = summarize_part1(runs1, methods, args.n_jobs)
    goals = targets(summary1)
    out["part1"] = {"runs": runs1, "summary": summary1}
    out["target_results"] = goals
    load_1 = os.getloadavg()
    first = args.n_jobs[0]
    log(f"\n### Same budget: {args.seeds} seed(s), mean ± std over seeds\n")
    log(table_part1(runs1, summary1, methods, args.n_jobs))
    log(
        f"\nWall = fit, refit included. Speed-up and ratios paired within a seed. "
        f"s / fit, CV fits, best CV and test acc. from the n_jobs={first} runs. "
        f"Load average {load_before[0]:.2f} -> {load_1[0]:.2f}."
    )
    for name, g in goals.items():
        sense = "<=" if name != "gahpo_speed_up_1_to_2" else ">="
        verdict = ("not measured" if g["met"] is None
                   else f"{g['value']:.3f}: {'met' if g['met'] else 'NOT met'}")
        log(f"Target {name} {sense} {g['threshold']}: {verdict}")

    # part 2
    T, t_source = args.wall, "--wall"
    if T is None:
        walls = [r["wall_seconds"] for r in runs1
                 if r["method"] == "random" and r["n_jobs"] == WALL_N_JOBS]
        T = statistics.median(walls) if walls else None
        t_source = f"median wall time of random at n_jobs={WALL_N_JOBS} in part 1"
    if T is None:
        reason = (f"no T: random did not run at n_jobs={WALL_N_JOBS} in part 1; "
                  "give --wall SECONDS")
        log(f"\n## Part 2 skipped: {reason}")
        out["part2"] = {"skipped": reason}
    else:
        log(f"\n## Part 2: same wall-clock budget T = {T:.2f}s ({t_source}), "
            f"n_jobs={WALL_N_JOBS}")
        runs2, skipped2, halving_n = part2(methods, T, args, data, runs1, log)
        load_2 = os.getloadavg()
        out["part2"] = {"T": T, "T_source": t_source, "n_jobs": WALL_N_JOBS,
                        "halving_n_candidates": halving_n, "skipped": skipped2,
                        "runs": runs2}
        log(f"\n### Same wall clock T = {T:.2f}s: {args.seeds} seed(s), "
            "mean ± std over seeds\n")
        log(table_part2(runs2, methods))
        halving = (f" halving ran with n_candidates={halving_n}."
                   if halving_n is not None else "")
        log(
            "\nwall used = fit, refit included; search end − T > 0 is the overshoot "
            "of the generation, trial or chunk running at T. 'by T': the best "
            "candidate finished by T (random: the result; halving: only when its "
            f"search ended by T).{halving} Load average {load_1[0]:.2f} -> "
            f"{load_2[0]:.2f}."
        )

    # part 3
    if args.ablations:
        out["part3"] = part3(args, data, log)
    else:
        out["part3"] = {"skipped": "--no-ablations"}

    load_after = os.getloadavg()
    total = time.perf_counter() - started
    out["load_average_before_after"] = [list(load_before), list(load_after)]
    out["total_seconds"] = round(total, 1)
    out["source_after"] = _common.source_state()
    log(f"\nTotal {total:.0f}s. Load average (1 min) before {load_before[0]:.2f}, "
        f"after {load_after[0]:.2f}.")
    if skipped:
        log("skipped: " + "; ".join(f"{m}: {r}" for m, r in skipped.items()))
    if args.json:
        _common.write_json(args.json, out)
        log(f"\nResults written to {args.json}")
    limiter.restore_original_limits()
    return 0


if __name__ == "__main__":
    sys.exit(main())
