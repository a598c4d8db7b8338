#!/usr/bin/env python
"""Search quality: regret to a known optimum at 30, 60 and 120 candidates.

Question: for the same number of distinct candidates, how close does each
search method get to the best configuration of a space?

How it is measured
------------------
* Spaces with a known optimum: for each task of ``grids.py`` (``svc``,
  ``mlp``, ``gbm``) every configuration of a dense grid was cross-validated
  once and stored in ``benchmarks/data/grid_<task>.json``. The searches run on
  ``grids.Lookup``, whose ``score`` is the stored mean CV accuracy of its
  parameters, on dummy data with ``cv=2``: every fold returns the stored
  number, so a method's ``mean_test_score`` is exactly the table's value and
  a fit costs (almost) nothing.
* Every method searches exactly the grid: each parameter is given as a
  categorical list of the grid's values, in the form each library takes
  (a list, ``gahpo``/``RandomizedSearchCV``; ``optuna.distributions.
  CategoricalDistribution``; ``sklearn_genetic.space.Categorical``).
* Budget = distinct candidates. A method's result at budget ``B`` is the best
  score among the first ``B`` *distinct* configurations it evaluated, in the
  order it evaluated them. Methods that propose whole generations are run
  until the generation in which they reach ``B`` distinct candidates (a
  callback stops them), and whatever they evaluated beyond ``B`` is ignored.
  Methods that may propose a configuration twice (TPE, sklearn-genetic-opt)
  are run until they have ``B`` distinct ones as well; for TPE the result
  with ``n_trials=B`` (duplicates counted) is reported too.
* Regret = (grid optimum - best score found) x 100, in accuracy points.
  Mean and standard error (std / sqrt(n)) over seeds 0 .. N-1; every method
  gets the same seeds.
* Overhead: the wall time of the whole ``fit`` (search, bookkeeping, refit of
  the lookup), which with free fits is what the method itself costs, per 100
  distinct candidates evaluated.

Methods (``--methods`` picks a subset; all available ones by default):

* ``gahpo``: ``GeneticSearchCV(n_candidates=B)``, every other setting at its
  default (population and generations derived from the budget);
  ``gahpo-plain`` is the same with ``surrogate=None``. Further gahpo variants
  are rows of ``GAHPO_METHODS`` (keyword overrides); two ablations run only
  when named in ``--methods``: ``gahpo-ei`` (the surrogate ranks children by
  expected improvement) and ``gahpo-sqrt-pop`` (the earlier budget rule's
  larger populations).
* ``random``: ``RandomizedSearchCV(n_iter=B)``; on all-list spaces it samples
  without replacement, so ``B`` distinct candidates.
* ``tpe``: ``optuna_integration.OptunaSearchCV`` with a study using
  ``TPESampler(seed=seed)`` at its defaults.
* ``ga-peer``: ``sklearn_genetic.GASearchCV`` at its defaults
  (``eaMuPlusLambda``, crossover 0.2, mutation 0.8, tournament 3, elitism,
  its evaluation cache) except ``population_size=10``.

Run::

    python benchmarks/quality.py                      # 100 seeds, every method, every task
    python benchmarks/quality.py --seeds 5 --tasks svc --methods gahpo random
    python benchmarks/quality.py --methods gahpo-ei gahpo-sqrt-pop --json ablation.json

Prints one markdown table per task and writes ``benchmarks/results/quality.json``
with every per-seed number, versions, machine and the command.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common  # noqa: E402

_OVERRIDDEN = _common.pin_threads_env(1)  # before numpy, scipy, sklearn

import argparse  # noqa: E402
import contextlib  # noqa: E402
import datetime  # noqa: E402
import inspect  # noqa: E402
import io  # noqa: E402
import math  # noqa: E402
import random as pyrandom  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
from sklearn.model_selection import RandomizedSearchCV  # noqa: E402

import grids  # noqa: E402
from gahpo.surrogate import ExtraTreesSurrogate  # noqa: E402

BUDGETS = (30, 60, 120)
CV = 2  # two folds of the dummy data: the mean of two equal floats is exact
GA_POPULATION = 10  # sklearn-genetic-opt: 30 candidates are 3 generations


class per_budget:
    """Marks a keyword override computed from the budget, e.g. ``per_budget(lambda b: b)``."""

    def __init__(self, func, text):
        self.func, self.text = func, text

    def __repr__(self):
        return self.text


# gahpo configurations: name -> keyword overrides of GeneticSearchCV's
# defaults. Nothing else differs between them: the runner adds only the
# estimator, the space, cv, random_state=seed, n_jobs=1 and a callback that
# stops the run after the generation that reaches the budget of distinct
# candidates. ``generations`` is only a safety cap (the callback ends the run).
# Add a variant by adding a row of keyword overrides.
GAHPO_METHODS = {
    # the default search given only a budget, as a user of n_iter would write it
    "gahpo": {"n_candidates": per_budget(lambda b: b, "B")},
    # the plain genetic algorithm: the same with offspring screening off
    "gahpo-plain": {"n_candidates": per_budget(lambda b: b, "B"), "surrogate": None},
}
# Ablations of the default, run only when named in --methods: the surrogate
# ranking by expected improvement instead of its upper confidence bound, and
# the earlier budget rule's larger populations (9 and 12 at 60 and 120).
ABLATION_METHODS = {
    "gahpo-ei": {
        "n_candidates": per_budget(lambda b: b, "B"),
        "surrogate": ExtraTreesSurrogate(acquisition="ei"),
    },
    "gahpo-sqrt-pop": {
        "n_candidates": per_budget(lambda b: b, "B"),
        "population_size": per_budget(
            lambda b: min(25, max(5, round(math.sqrt(b)) + 1)),
            "min(25, max(5, round(sqrt(B)) + 1))",
        ),
    },
}
GAHPO_METHODS.update(ABLATION_METHODS)

PEER_METHODS = ("random", "tpe", "ga-peer")
DEFAULT_METHODS = ("gahpo", "gahpo-plain") + PEER_METHODS
ALL_METHODS = DEFAULT_METHODS + tuple(ABLATION_METHODS)


# --------------------------------------------------------------------------
# Availability
# --------------------------------------------------------------------------


def unavailable_reason(method):
    """None if ``method`` can run here, else why not."""
    if method in GAHPO_METHODS:
        from gahpo import GeneticSearchCV

        accepted = inspect.signature(GeneticSearchCV).parameters
        missing = [k for k in GAHPO_METHODS[method] if k not in accepted]
        if missing:
            return f"this gahpo's GeneticSearchCV has no {missing}"
        return None
    if method == "random":
        return None
    if method == "tpe":
        for module in ("optuna", "optuna_integration.sklearn"):
            try:
                __import__(module)
            except ImportError as exc:
                return f"{module} is not installed ({exc})"
        return None
    if method == "ga-peer":
        try:
            import sklearn_genetic  # noqa: F401
        except ImportError as exc:
            return f"sklearn-genetic-opt is not installed ({exc})"
        return None
    return "unknown method"


# --------------------------------------------------------------------------
# One search = one (task, method, budget, seed). Each runner returns the
# configurations the method evaluated, in evaluation order, with their scores.
# --------------------------------------------------------------------------


def timed_fit(search, **fit_params):
    """Fit ``search`` on the lookup's dummy data; the wall time of ``fit``."""
    X, y = grids.dummy_data()
    start = time.perf_counter()
    search.fit(X, y, **fit_params)
    return time.perf_counter() - start


def run_gahpo(task, overrides, budget, seed):
    from gahpo import GeneticSearchCV

    table = grids.get_table(task)
    kwargs = {
        k: (v.func(budget) if isinstance(v, per_budget) else v) for k, v in overrides.items()
    }

    def stop_at_budget(search, record):
        # record["n_evaluated"] counts the generation's new (distinct) fits
        stop_at_budget.seen += record["n_evaluated"]
        return stop_at_budget.seen >= budget

    stop_at_budget.seen = 0
    search = GeneticSearchCV(
        grids.Lookup(task=task),
        dict(table.values),
        cv=CV,
        n_jobs=1,
        random_state=seed,
        callbacks=[stop_at_budget],
        **kwargs,
    )
    wall = timed_fit(search)
    # cv_results_ rows are in evaluation order (sorted by generation, stable)
    res = search.cv_results_
    assert np.all(np.diff(res["generation"]) >= 0), "rows not in generation order"
    return list(res["params"]), list(res["mean_test_score"]), wall, {
        "n_generations": int(search.n_generations_),
    }


def run_random(task, budget, seed):
    table = grids.get_table(task)
    search = RandomizedSearchCV(
        grids.Lookup(task=task),
        dict(table.values),
        n_iter=budget,
        cv=CV,
        n_jobs=1,
        random_state=seed,
    )
    wall = timed_fit(search)
    res = search.cv_results_
    return list(res["params"]), list(res["mean_test_score"]), wall, {}


def _optuna_space(table):
    from optuna.distributions import CategoricalDistribution

    space = {}
    for name, values in table.values.items():
        if name == "hidden_layer_sizes":  # tuples -> "64-256"; Lookup decodes them
            values = [grids.encode_layers(v) for v in values]
        space[name] = CategoricalDistribution(values)
    return space


def run_tpe(task, budget, seed):
    import optuna
    from optuna_integration.sklearn import OptunaSearchCV

    optuna.logging.set_verbosity(optuna.logging.WARNING)  # no line per trial
    table = grids.get_table(task)
    seen = set()

    def stop_at_budget(study, trial):
        # TPE may propose a configuration again (and pays a fit for it): keep
        # going until `budget` distinct ones were evaluated
        seen.add(table.key(trial.params))
        if len(seen) >= budget:
            study.stop()

    study = optuna.create_study(
        direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed)
    )
    search = OptunaSearchCV(
        grids.Lookup(task=task),
        _optuna_space(table),
        cv=CV,
        n_jobs=1,
        n_trials=20 * budget,  # cap; the callback ends the run
        random_state=seed,
        study=study,
        callbacks=[stop_at_budget],
    )
    wall = timed_fit(search)
    trials = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    trials.sort(key=lambda t: t.number)
    params = [dict(t.params) for t in trials]
    scores = [t.value for t in trials]
    # what a user who asks for n_trials=budget gets (duplicates included)
    n_trials_best = max(scores[:budget])
    return params, scores, wall, {"best_score_n_trials_eq_budget": float(n_trials_best)}


def run_ga_peer(task, budget, seed):
    from sklearn_genetic import GASearchCV
    from sklearn_genetic.callbacks.base import BaseCallback
    from sklearn_genetic.space import Categorical

    table = grids.get_table(task)

    class StopAtBudget(BaseCallback):
        """Stop after the generation in which `budget` distinct candidates were evaluated."""

        def on_step(self, record=None, logbook=None, estimator=None):
            rows = estimator.logbook.chapters["parameters"]
            keys = {table.key({k: row[k] for k in table.names}) for row in rows}
            return len(keys) >= budget

    # random_state=None: a shared seed would make every dimension draw the
    # same index sequence; the library then samples with the `random` module,
    # seeded below.
    space = {name: Categorical(list(values)) for name, values in table.values.items()}
    search = GASearchCV(
        grids.Lookup(task=task),
        cv=CV,
        param_grid=space,
        population_size=GA_POPULATION,
        generations=20 * budget,  # cap; the callback ends the run
        n_jobs=1,
        verbose=False,
    )
    # sklearn-genetic-opt has no random_state: it draws from the global
    # `random` (DEAP, its Categorical) and numpy generators. Categorical()
    # re-seeds `random` from the OS when built, so seed after building.
    pyrandom.seed(seed)
    np.random.seed(seed)
    with contextlib.redirect_stdout(io.StringIO()):  # its "INFO: Stopping the algorithm"
        wall = timed_fit(search, callbacks=[StopAtBudget()])
    # one logbook row per evaluation, cached duplicates included, in order
    rows = search.logbook.chapters["parameters"]
    params = [{k: row[k] for k in table.names} for row in rows]
    scores = [float(row["score"]) for row in rows]
    return params, scores, wall, {"n_generations": int(search._n_iterations)}


def run_one(task, method, budget, seed):
    """Run one search; return its record (regret, counts, time)."""
    if method in GAHPO_METHODS:
        out = run_gahpo(task, GAHPO_METHODS[method], budget, seed)
    elif method == "random":
        out = run_random(task, budget, seed)
    elif method == "tpe":
        out = run_tpe(task, budget, seed)
    elif method == "ga-peer":
        out = run_ga_peer(task, budget, seed)
    else:
        raise ValueError(method)
    params, scores, wall, extra = out
    table = grids.get_table(task)
    first = {}  # key -> score, in order of first evaluation
    for p, s in zip(params, scores):
        key = table.key(p)
        if not math.isclose(s, table.scores[key], rel_tol=0, abs_tol=1e-12):
            raise AssertionError(f"{method}: score {s} != table {table.scores[key]} for {p}")
        first.setdefault(key, s)
    counted = list(first.items())[:budget]  # the first `budget` distinct candidates
    best_key, best = max(counted, key=lambda kv: kv[1])
    fit_seconds = sum(
        3 * table.fit_times[k] for k, _ in counted
    )  # what the real 3-fold fits of these candidates cost when the grid was built
    record = {
        "seed": seed,
        "budget": budget,
        "regret": (table.optimum - best) * 100,
        "best_score": best,
        "best_params": {
            n: grids._to_json(table.values[n][i]) for n, i in zip(table.names, best_key)
        },
        "n_distinct_counted": len(counted),
        "n_distinct_evaluated": len(first),
        "n_evaluations": len(params),
        "wall_seconds": wall,
        "real_fit_seconds_of_counted": fit_seconds,
    }
    if "best_score_n_trials_eq_budget" in extra:
        extra["regret_n_trials_eq_budget"] = (
            table.optimum - extra["best_score_n_trials_eq_budget"]
        ) * 100
    record.update(extra)
    return record


def run_job(task, method, seed, budgets):
    """All budgets of one (task, method, seed): the unit of parallel work."""
    gahpo_hash = grids.loaded_gahpo_hash()  # the gahpo this worker runs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Optuna's ExperimentalWarning, DEAP's creator notes
        records = [run_one(task, method, b, seed) for b in budgets]
    for record in records:
        record["gahpo_sha256"] = gahpo_hash
    return [(task, method, record) for record in records]


# --------------------------------------------------------------------------
# Summaries, tables, provenance
# --------------------------------------------------------------------------


def mean_se(values):
    values = np.asarray(values, dtype=float)
    se = values.std(ddof=1) / math.sqrt(len(values)) if len(values) > 1 else float("nan")
    return float(values.mean()), float(se)


def summarize(records, budgets):
    out = {}
    for b in budgets:
        rs = [r for r in records if r["budget"] == b]
        m, se = mean_se([r["regret"] for r in rs])
        out[str(b)] = {
            "regret_mean": m,
            "regret_se": se,
            "n_seeds": len(rs),
            "found_optimum": int(sum(r["regret"] == 0 for r in rs)),
            "short_of_budget": int(sum(r["n_distinct_counted"] < b for r in rs)),
            "seconds_per_100": 100 * sum(r["wall_seconds"] for r in rs)
            / sum(r["n_distinct_evaluated"] for r in rs),
        }
        if rs and "regret_n_trials_eq_budget" in rs[0]:
            m2, se2 = mean_se([r["regret_n_trials_eq_budget"] for r in rs])
            out[str(b)]["regret_n_trials_eq_budget_mean"] = m2
            out[str(b)]["regret_n_trials_eq_budget_se"] = se2
    all_wall = sum(r["wall_seconds"] for r in records)
    all_n = sum(r["n_distinct_evaluated"] for r in records)
    out["seconds_per_100_candidates"] = 100 * all_wall / all_n if all_n else float("nan")
    return out


def task_table(task_result, methods, budgets):
    header = ["method"] + [f"regret @{b}" for b in budgets] + ["s / 100 cand."]
    rows = []
    for method in methods:
        s = task_result["methods"].get(method, {}).get("summary")
        if not s:
            continue
        cells = [method]
        for b in budgets:
            cells.append(f"{s[str(b)]['regret_mean']:.3f} ± {s[str(b)]['regret_se']:.3f}")
        cells.append(f"{s['seconds_per_100_candidates']:.2f}")
        rows.append(cells)
        if "regret_n_trials_eq_budget_mean" in s[str(budgets[0])]:
            cells = [f"{method} (n_trials=B)"]
            for b in budgets:
                cells.append(
                    f"{s[str(b)]['regret_n_trials_eq_budget_mean']:.3f} ± "
                    f"{s[str(b)]['regret_n_trials_eq_budget_se']:.3f}"
                )
            cells.append("")
            rows.append(cells)
    return _common.markdown_table(header, rows)


def provenance():
    """Versions, machine, and which gahpo source the numbers come from."""
    info = _common.machine_info()
    info["versions"] = {
        dist: _common.dist_version(dist)
        for dist in ("sklearn-gahpo", "scikit-learn", "numpy", "scipy", "deap", "optuna",
                     "optuna-integration", "sklearn-genetic-opt", "joblib")
    }
    import gahpo

    root = os.path.dirname(os.path.dirname(os.path.abspath(gahpo.__file__)))
    try:  # read-only git queries: the commit, and whether gahpo/ had local edits
        head = subprocess.run(["git", "-C", root, "rev-parse", "HEAD"], capture_output=True,
                              text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", root, "status", "--porcelain", "--", "gahpo"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except Exception:  # pragma: no cover
        head, dirty = None, None
    info["gahpo_source"] = {
        "git_head": head,
        "uncommitted_changes_in_gahpo": bool(dirty),
        "sha256_of_py_files": grids.source_hash(os.path.dirname(os.path.abspath(
            gahpo.__file__))),
    }
    return info


def describe_method(method):
    if method in GAHPO_METHODS:
        kw = ", ".join(f"{k}={v!r}" for k, v in GAHPO_METHODS[method].items())
        return (
            f"GeneticSearchCV({kw}), otherwise defaults; stopped after the "
            "generation reaching B distinct"
        )
    return {
        "random": "RandomizedSearchCV(n_iter=B)",
        "tpe": (
            "OptunaSearchCV(study=create_study(direction='maximize', "
            "sampler=TPESampler(seed=seed))), run until B distinct trials; "
            "'n_trials=B' row: best of the first B trials"
        ),
        "ga-peer": (
            f"GASearchCV(population_size={GA_POPULATION}), otherwise defaults; "
            "stopped after the generation reaching B distinct"
        ),
    }[method]


# --------------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Regret to a grid's known optimum at equal budgets of distinct candidates."
    )
    parser.add_argument("--seeds", type=int, default=100, help="seeds 0..N-1 (default 100)")
    parser.add_argument("--tasks", nargs="+", default=list(grids.GRIDS),
                        choices=list(grids.GRIDS))
    parser.add_argument("--methods", nargs="+", default=list(DEFAULT_METHODS),
                        help=f"subset of {list(ALL_METHODS)} (default: {list(DEFAULT_METHODS)})")
    parser.add_argument("--budgets", nargs="+", type=int, default=list(BUDGETS))
    parser.add_argument("--n-jobs", type=int, default=2,
                        help="worker processes, each running whole searches (default 2)")
    parser.add_argument("--json", default=_common.default_results_path("quality.json"),
                        help="where to write the results ('' to skip)")
    args = parser.parse_args(argv)
    unknown = [m for m in args.methods if m not in ALL_METHODS]
    if unknown:
        parser.error(f"unknown method(s) {unknown}; choose from {list(ALL_METHODS)}")
    if args.seeds < 2:
        parser.error("--seeds must be at least 2 (a standard error needs two)")

    _limiter, pools = _common.pin_threads_runtime(1)  # keep the limits alive
    print("threads:", "; ".join(pools))
    if _OVERRIDDEN:
        print("overrode:", ", ".join(_OVERRIDDEN))

    methods, skipped = _common.available_methods(args.methods, unavailable_reason)
    for task in args.tasks:
        grids.get_table(task)  # fail early if a grid is not built

    from joblib import Parallel, delayed

    seeds = list(range(args.seeds))
    jobs = [(t, m, s) for t in args.tasks for m in methods for s in seeds]
    machine_before = provenance()  # gahpo's source is hashed before and after the run
    load_before = os.getloadavg()
    print(f"{len(jobs)} jobs ({len(args.tasks)} tasks x {len(methods)} methods x "
          f"{len(seeds)} seeds, budgets {args.budgets}), n_jobs={args.n_jobs}; "
          f"load average {load_before[0]:.2f}", flush=True)
    start = time.perf_counter()
    results = Parallel(n_jobs=args.n_jobs, verbose=0)(
        delayed(run_job)(t, m, s, args.budgets) for t, m, s in jobs
    )
    total = time.perf_counter() - start
    load_after = os.getloadavg()

    out = {
        "command": "python " + " ".join([os.path.relpath(__file__)] + (argv or sys.argv[1:])),
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "total_seconds": round(total, 1),
        "n_jobs": args.n_jobs,
        "load_average_before_after": [list(load_before), list(load_after)],
        "machine": machine_before,
        "thread_pools": pools,
        "seeds": seeds,
        "budgets": args.budgets,
        "cv": CV,
        "skipped_methods": skipped,
        "tasks": {},
    }
    # The repository is shared: check that every worker ran the gahpo that
    # was there when the run started (each imports it once, at its first job).
    ran = sorted({r["gahpo_sha256"] for job in results for _, _, r in job})
    out["gahpo_sha256_run_by_workers"] = ran
    after = provenance()["gahpo_source"]
    if after != machine_before["gahpo_source"]:
        out["gahpo_source_after_run"] = after
    if ran != [machine_before["gahpo_source"]["sha256_of_py_files"]]:
        print(f"WARNING: the workers ran gahpo source(s) {ran}, the run started with "
              f"{machine_before['gahpo_source']}: results mix versions.")
    else:
        src = machine_before["gahpo_source"]
        local = ", with local changes" if src["uncommitted_changes_in_gahpo"] else ""
        since = "; gahpo changed on disk since" if after != src else ""
        print(f"every search ran gahpo {ran[0]} (git {src['git_head']}{local}){since}")
    for task in args.tasks:
        table = grids.get_table(task)
        out["tasks"][task] = {
            "description": table.data["description"],
            "n_configurations": table.data["n_configurations"],
            "optimum": table.data["optimum"],
            "spread": table.data["spread"],
            "methods": {},
        }
    for job in results:
        for task, method, record in job:
            entry = out["tasks"][task]["methods"].setdefault(
                method, {"config": describe_method(method), "runs": []}
            )
            entry["runs"].append(record)
    for task in args.tasks:
        for method, entry in out["tasks"][task]["methods"].items():
            entry["runs"].sort(key=lambda r: (r["budget"], r["seed"]))
            entry["summary"] = summarize(entry["runs"], args.budgets)

    print(f"\n{len(seeds)} seeds; regret = (grid optimum - best CV accuracy found among the "
          f"first B distinct candidates) x 100, mean ± s.e.; "
          f"s / 100 cand. = wall time of the search per 100 distinct candidates "
          f"(fits are free lookups). Total {total:.0f} s; load average "
          f"{load_before[0]:.2f} -> {load_after[0]:.2f}.")
    for task in args.tasks:
        t = out["tasks"][task]
        print(f"\n### {task}: {t['description']}; {t['n_configurations']} configurations, "
              f"optimum {t['optimum']['mean_test_score']:.4f}\n")
        print(task_table(t, methods, args.budgets))
        short = {m: {b: e["summary"][str(b)]["short_of_budget"] for b in args.budgets}
                 for m, e in t["methods"].items()
                 if any(e["summary"][str(b)]["short_of_budget"] for b in args.budgets)}
        if short:
            print(f"\nruns that evaluated fewer than B distinct candidates: {short}")
    if skipped:
        print("\nskipped:", "; ".join(f"{m}: {r}" for m, r in skipped.items()))
    if args.json:
        _common.write_json(args.json, out)
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
