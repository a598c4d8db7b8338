#!/usr/bin/env python
"""The study over many splits: held-out scores and wall time, against the peers.

A user judges a tuned model on data it has never seen, and by what the search
cost. For each task and each of ``--splits`` independent train/test splits
(25 % held out, stratified; the split's seed is also every search's seed),
every method tunes on the training part with the same folds, and the model it
refits is scored on the held-out part. Two comparisons:

* **same candidates**: every method gets ``--budget`` B candidates
  (``n_iter``, ``n_candidates``, ``n_trials``, GASearchCV's evaluations);
* **same wall clock**: T is random search's wall time at B candidates on
  that split; gahpo gets ``max_time=T`` (it stops after the generation that
  crosses T), Optuna ``timeout=T`` (it stops starting trials after T),
  sklearn-genetic-opt ``TimerStopping(T)``, and halving, which has no time
  limit, the number of candidates that fits in T at its same-candidates
  pace. Random search's own row is its same-candidates run.

Every wall time is the whole ``fit`` (refit included) with ``n_jobs=2`` and
one BLAS thread per process; methods run in a rotating order per split.
Reported: mean held-out score, the paired difference to random search with a
95 % t-interval over the splits, mean wall time and its ratio to random's;
the targets for each gahpo setting; and (``pairs``) every gahpo setting
against every other method, split by split, with the interval also widened
for the number of gahpo settings compared (Bonferroni). ``--summarize FILE``
recomputes these from a results file's runs, without fitting anything.

Tasks:

* ``mlp``: the study's network and space (``python -m gahpo``) on digits,
  2-fold CV: batch size 16-512 (log), 1-3 hidden layers of 16-256 units,
  activation. gahpo tunes ``LayerSizes``; random and halving search draw from
  the same genes (the same law); Optuna and sklearn-genetic-opt tune
  ``benchmarks/_flatmlp.FlatMLP``, the same network with flat integer
  parameters (layers, units per layer, log scales where the library has them),
  the best encoding they can use.
* ``svc``: ``StandardScaler`` + ``SVC`` on digits, 3-fold CV, C and gamma on
  log scales.

Methods: ``gahpo`` (``GeneticSearchCV(n_iter=B)``, defaults), ``gahpo-mf``
(the same with multi-fidelity: ``min_resources`` a ninth of the training
rows, ``factor=3``), ``gahpo-mf-f4`` (a cheaper ladder: a 16th of the rows,
``factor=4``), ``random``, ``halving`` (``HalvingRandomSearchCV``),
``tpe`` (``OptunaSearchCV``), ``ga-peer`` (``GASearchCV``). Development
variants (``GAHPO``): ``gahpo-mf18`` and ``gahpo-mf27`` start the ladder at
an 18th and a 27th of the rows (``results/study_dev_rung.json``);
``gahpo-mf9-f4`` starts at a ninth with ``factor=4``
(``results/study_dev_ninth_f4.json``: 0.68x random search's wall time at
the same candidates on mlp, and lower held-out scores than the ninth at
``factor=3`` in both comparisons, so it was not reported);
``gahpo-mf-cost``/``-cost05`` weigh fit time at the same candidates,
``gahpo-mf-p17``/``-p25`` take larger generations, ``gahpo-mf-third`` and
``gahpo-mf27-third`` choose the best at a third of the rows
(``results/study_dev_cost_ninth.json``, ``study_dev_population.json``,
``study_dev_third.json``; ``benchmarks/README.md``: none was reported).

Seeds: splits 0-9 were used while developing gahpo's defaults; splits
100-109 were the first report (``results/study_splits100.json``), before the
second round of multi-fidelity changes; splits 200-209 the second
(``results/study_splits200.json``); the committed ``results/study.json``
reports splits 300-309, never looked at before, with ``gahpo-mf-f4`` added.

Ten splits cannot resolve the differences that matter at the same wall clock
on mlp (a paired standard deviation near one point, against differences of
a few tenths). ``results/study_wall_splits400.json`` is a run decided before
it was made: 40 new splits, 400-439, the same-wall-clock comparison only, at
the code of ``results/study.json``'s run (no default changed since), read
once. ``results/study_f4_splits440.json``, decided the same way: splits
440-479, ``gahpo-mf-f4`` in both comparisons against every peer.

Run::

    python benchmarks/study.py                                # the report
    python benchmarks/study.py --first-split 0 --splits 3 --json ''  # dev
    python benchmarks/study.py --first-split 400 --splits 40 \
        --comparisons wall --methods gahpo gahpo-mf random halving tpe ga-peer \
        --json results/study_wall_splits400.json             # 40 splits

``--at-candidates`` limits the same-candidates comparison to some methods
(random search and halving always run it: they size the other one).
"""

import _harness as H  # noqa: I001  (first: pins BLAS/OpenMP threads)
import argparse
import json
import math
import statistics

import numpy as np
from scipy import stats
from sklearn.datasets import load_digits
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

import _flatmlp
from gahpo._validation import budget as budget_rule
from gahpo.surrogate import ExtraTreesSurrogate
from gahpo.study import make_network, random_search_space, search_space


#: gahpo's variants: keyword arguments given on top of the defaults; a
#: RowShare is computed from the number of training rows
class RowShare:
    """A setting computed from the training rows: ``rows // divisor``."""

    def __init__(self, divisor):
        self.divisor = divisor

    def __call__(self, n_rows):
        return n_rows // self.divisor

    def __repr__(self):
        return f"training rows // {self.divisor}"


NINTH = RowShare(9)
COST = ExtraTreesSurrogate(cost_exponent=1.0)  # keeps no state between searches
COST_HALF = ExtraTreesSurrogate(cost_exponent=0.5)
GAHPO = {
    "gahpo": {},
    "gahpo-mf": {"min_resources": NINTH, "factor": 3},
    "gahpo-fin": {"finalists": 5},
    "gahpo-mf-fin": {"min_resources": NINTH, "factor": 3, "finalists": 5},
    "gahpo-cost": {"surrogate": COST},
    "gahpo-mf-cost": {"min_resources": NINTH, "factor": 3, "surrogate": COST},
    # larger generations: fewer barriers, rounding (development, splits 0-9)
    "gahpo-mf-p17": {"min_resources": NINTH, "factor": 3, "population_size": 17},
    "gahpo-mf-p25": {"min_resources": NINTH, "factor": 3, "population_size": 25},
    # the best chosen at a third of the rows, then refitted on all of them,
    # as HalvingRandomSearchCV allows (development, splits 0-9)
    "gahpo-mf-third": {
        "min_resources": NINTH,
        "max_resources": RowShare(3),
        "factor": 3,
    },
    "gahpo-mf27-third": {
        "min_resources": RowShare(27),
        "max_resources": RowShare(3),
        "factor": 3,
    },
    # gain per square root of a second (development, splits 0-9)
    "gahpo-mf-cost05": {"min_resources": NINTH, "factor": 3, "surrogate": COST_HALF},
    "gahpo-mf-async": {"min_resources": NINTH, "factor": 3, "scheme": "steady_state"},
    # smaller first rungs (development, splits 0-9: results/study_dev_rung.json)
    "gahpo-mf18": {"min_resources": RowShare(18), "factor": 3},
    "gahpo-mf27": {"min_resources": RowShare(27), "factor": 3},
    # a cheaper ladder (development, splits 0-9: results/study_dev_f4.json)
    "gahpo-mf-f4": {"min_resources": RowShare(16), "factor": 4},
    # a ninth of the rows at factor 4 (development, splits 0-9:
    # results/study_dev_ninth_f4.json)
    "gahpo-mf9-f4": {"min_resources": NINTH, "factor": 4},
}
METHODS = (*GAHPO, "random", "halving", "tpe", "ga-peer")
DEFAULT_METHODS = (
    "gahpo",
    "gahpo-mf",
    "gahpo-mf-f4",
    "gahpo-fin",
    "random",
    "halving",
    "tpe",
    "ga-peer",
)
FLAT_MLP = _flatmlp.SPACE
SVC_SPACE = {"C": H.Float(1e-2, 1e3, log=True), "gamma": H.Float(1e-4, 1.0, log=True)}
TASKS = {
    "mlp": {"budget": 50, "cv": 2, "max_iter": 200},
    "svc": {"budget": 50, "cv": 3},
}
N_JOBS = 2
#: The splits of the committed reports (module docstring, "Seeds")
REPORT_SPLITS = (*range(100, 110), *range(200, 210), *range(300, 310), *range(400, 440))


def describe_setting(value):
    """A variant's setting for the JSON: numbers and strings, else its repr."""
    return value if isinstance(value, (int, float, str)) else repr(value)


def task_data(split_seed):
    X, y = load_digits(return_X_y=True)
    return train_test_split(X, y, test_size=0.25, stratify=y, random_state=split_seed)


def make(task, method, seed, n_train, budget, **kwargs):
    """``method``'s search for ``task`` with budget B (kwargs override)."""
    spec = TASKS[task]
    cv = StratifiedKFold(spec["cv"])
    gahpo_like = method.startswith("gahpo")
    if gahpo_like:
        variant = {
            k: v(n_train) if isinstance(v, RowShare) else v
            for k, v in GAHPO[method].items()
        }
        kwargs = {**variant, **kwargs}
    base = "gahpo" if gahpo_like else method
    if task == "svc":
        estimator = make_pipeline(StandardScaler(), SVC())
        space = {f"svc__{k}": v for k, v in SVC_SPACE.items()}
        return H.make_search(
            base,
            estimator,
            space,
            budget=budget,
            cv=cv,
            n_jobs=N_JOBS,
            seed=seed,
            **kwargs,
        )
    if base in ("tpe", "ga-peer"):
        estimator = _flatmlp.FlatMLP(max_iter=spec["max_iter"], random_state=seed)
        return H.make_search(
            base,
            estimator,
            FLAT_MLP,
            budget=budget,
            cv=cv,
            n_jobs=N_JOBS,
            seed=seed,
            **kwargs,
        )
    network = make_network(seed, spec["max_iter"])
    common = {"cv": cv, "n_jobs": N_JOBS, "random_state": seed}
    if base == "gahpo":
        from gahpo import GeneticSearchCV

        kwargs.setdefault("n_iter", budget)
        return GeneticSearchCV(network, search_space(), **common, **kwargs)
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import HalvingRandomSearchCV, RandomizedSearchCV

    if base == "random":
        return RandomizedSearchCV(
            network, random_search_space(), n_iter=budget, **common, **kwargs
        )
    return HalvingRandomSearchCV(
        network, random_search_space(), n_candidates=budget, **common, **kwargs
    )


def run_one(task, method, comparison, split_seed, data, budget, T=None, n=None):
    """Fit one search; its held-out score, wall time and what it evaluated."""
    X_train, X_test, y_train, y_test = data
    kwargs, fit_kwargs = {}, {}
    if comparison == "wall":
        if method.startswith("gahpo"):  # sized for B, stopped by the clock
            mf = "min_resources" in GAHPO[method]
            population, _ = budget_rule(budget, None, None, multi_fidelity=mf)
            kwargs = {
                "n_iter": 100 * budget,
                "population_size": population,
                "max_time": T,
            }
        elif method == "tpe":
            kwargs = {"n_trials": None, "timeout": T}
        elif method == "ga-peer":
            from sklearn_genetic.callbacks import TimerStopping

            kwargs = {"generations": 100 * budget}
            fit_kwargs = {"callbacks": [TimerStopping(total_seconds=T)]}
        elif method == "halving":
            budget = n
    search = make(task, method, split_seed, len(y_train), budget, **kwargs)
    if task == "mlp":
        _flatmlp.start_pool(N_JOBS)
    wall = H.fit(search, X_train, y_train, **fit_kwargs)
    evaluated = H.evaluations(
        method if not method.startswith("gahpo") else "gahpo", search
    )
    return {
        "task": task,
        "method": method,
        "comparison": comparison,
        "split": split_seed,
        "wall_seconds": wall,
        "refit_seconds": float(getattr(search, "refit_time_", math.nan)),
        "best_cv_score": float(search.best_score_),
        "test_score": float(search.score(X_test, y_test)),
        "best_params": {k: repr(v) for k, v in search.best_params_.items()},
        "n_candidates": len({H.key(e["params"]) for e in evaluated}),
        "n_rows": len(evaluated),
        "fit_seconds": float(sum(e["fit_seconds"] for e in evaluated)),
        "T": T,
    }


def paired(values, reference, n_comparisons=1):
    """Mean of the paired differences and its 95 % t-interval.

    With ``n_comparisons`` > 1 the interval is also given widened for that
    many comparisons (Bonferroni: each at ``0.05 / n_comparisons``).
    """
    d = np.asarray(values) - np.asarray(reference)
    mean = float(d.mean())
    out = {"mean": mean, "ci95": [math.nan, math.nan], "n": len(d)}
    if len(d) >= 2:
        sd, n = d.std(ddof=1), len(d)
        half = float(stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n))
        out.update(ci95=[mean - half, mean + half], sd=float(sd))
        if n_comparisons > 1:
            q = 1 - 0.025 / n_comparisons
            wide = float(stats.t.ppf(q, n - 1) * sd / math.sqrt(n))
            out["ci95_bonferroni"] = [mean - wide, mean + wide]
            out["n_comparisons"] = n_comparisons
    return out


def by_split(runs, task, method, comparison):
    """``{split: run}`` of one method; random search's row is at B candidates."""
    comparison = "candidates" if method == "random" else comparison
    return {
        r["split"]: r
        for r in runs
        if r["task"] == task and r["method"] == method and r["comparison"] == comparison
    }


def pairs(runs, tasks, methods):
    """Every gahpo setting against every other method, split by split.

    The differences of held-out scores with 95 % t-intervals, and the same
    widened for the number of gahpo settings in the run (each is a chance
    to look better than a peer by luck).
    """
    settings = [m for m in methods if m.startswith("gahpo")]
    out = {}
    for task in tasks:
        for comparison in ("candidates", "wall"):
            rows = {}
            for g in settings:
                mine = by_split(runs, task, g, comparison)
                for other in (m for m in methods if m != g):
                    theirs = by_split(runs, task, other, comparison)
                    splits = sorted(set(mine) & set(theirs))
                    if len(splits) < 2:
                        continue
                    rows[f"{g} - {other}"] = paired(
                        [mine[s]["test_score"] for s in splits],
                        [theirs[s]["test_score"] for s in splits],
                        n_comparisons=len(settings),
                    )
            if rows:
                out[f"{task}/{comparison}"] = rows
    return out


def summarize(runs, tasks, methods):
    out = {}
    for task in tasks:
        for comparison in ("candidates", "wall"):
            rows = {}
            ref = by_split(runs, task, "random", comparison)
            for method in methods:
                mine = by_split(runs, task, method, comparison)
                splits = sorted(set(mine) & set(ref))
                if not splits:
                    continue
                test = [mine[s]["test_score"] for s in splits]
                wall = [mine[s]["wall_seconds"] for s in splits]
                rows[method] = {
                    "n_splits": len(splits),
                    "test_mean": statistics.fmean(test),
                    "test_se": statistics.stdev(test) / math.sqrt(len(test))
                    if len(test) > 1
                    else math.nan,
                    "cv_mean": statistics.fmean(
                        mine[s]["best_cv_score"] for s in splits
                    ),
                    "wall_mean": statistics.fmean(wall),
                    "wall_ratio_to_random": statistics.fmean(wall)
                    / statistics.fmean(ref[s]["wall_seconds"] for s in splits),
                    "n_candidates_mean": statistics.fmean(
                        mine[s]["n_candidates"] for s in splits
                    ),
                    "diff_to_random": paired(
                        test, [ref[s]["test_score"] for s in splits]
                    ),
                }
            out[f"{task}/{comparison}"] = rows
    return out


def targets(summary):
    """The issue's targets, each with its value and met / not met."""
    out = {}
    for key, rows in summary.items():
        task, comparison = key.split("/")
        # the defaults first (the targets' "gahpo"), then each other setting
        settings = (
            [m for m in rows if m.startswith("gahpo")] if comparison == "wall" else []
        )
        if settings:
            best_peer = max(
                (m for m in rows if not m.startswith("gahpo")),
                key=lambda m: rows[m]["test_mean"],
            )
        for g in settings:
            out[f"{task}: equal wall clock, {g} >= every peer"] = {
                g: rows[g]["test_mean"],
                "best_peer": best_peer,
                "best_peer_score": rows[best_peer]["test_mean"],
                "met": rows[g]["test_mean"] >= rows[best_peer]["test_mean"],
            }
            if task == "mlp":
                ci = rows[g]["diff_to_random"]["ci95"]
                out[f"mlp: equal wall clock, {g} - random interval above 0"] = {
                    "ci95": ci,
                    "met": ci[0] > 0,
                }
        checked = ("gahpo-mf", "gahpo-mf-f4") if comparison == "candidates" else ()
        for mf in (m for m in checked if m in rows):
            r = rows[mf]
            out[f"{task}: equal candidates, {mf} wall <= 0.6x random's"] = {
                "ratio": r["wall_ratio_to_random"],
                "met": r["wall_ratio_to_random"] <= 0.6,
            }
            ci = r["diff_to_random"]["ci95"]
            out[f"{task}: equal candidates, {mf} test score no lower"] = {
                "ci95": ci,
                "met": ci[1] >= 0,
            }
    return out


def pairs_table(pairs_by_key):
    lines = []
    for key, rows in pairs_by_key.items():
        lines.append(f"\n## {key}: paired differences, points\n")
        body = [
            (
                name,
                f"{r['mean'] * 100:+.2f}",
                f"[{r['ci95'][0] * 100:+.2f}, {r['ci95'][1] * 100:+.2f}]",
                "[{:+.2f}, {:+.2f}]".format(*(x * 100 for x in r["ci95_bonferroni"]))
                if "ci95_bonferroni" in r
                else "-",
                f"{r['sd'] * 100:.2f}",
                r["n"],
            )
            for name, r in rows.items()
        ]
        header = ("pair", "mean", "95% CI", "Bonferroni 95% CI", "sd", "splits")
        lines.append(H.markdown_table(header, body))
    return "\n".join(lines)


def report(runs, tasks, methods, log):
    """Summary, targets and pairs of ``runs``, logged; the three as a dict."""
    summary = summarize(runs, tasks, methods)
    goals = targets(summary)
    pair_rows = pairs(runs, tasks, methods)
    log(table(summary))
    log(pairs_table(pair_rows))
    log("\n## Targets\n")
    for name, t in goals.items():
        log(f"- {name}: {'met' if t['met'] else 'not met'} ({t})")
    return {"summary": summary, "targets": goals, "pairs": pair_rows}


def resummarize(path):
    """Recompute a results file's summary, targets and pairs from its runs.

    The runs and the run's provenance are kept; ``summarized`` records the
    commit of the script that recomputed them.
    """
    with open(path) as f:
        data = json.load(f)
    tasks = [t for t in TASKS if any(r["task"] == t for r in data["runs"])]
    data.update(report(data["runs"], tasks, data["methods"], print))
    data["summarized"] = {
        "command": f"python benchmarks/study.py --summarize {path}",
        "source": H.source_state(),
    }
    H.write_json(path, data)
    print(f"Results rewritten to {path}")


def table(summary):
    lines = []
    for key, rows in summary.items():
        lines.append(f"\n## {key}\n")
        body = [
            (
                m,
                f"{r['test_mean']:.4f} ± {r['test_se']:.4f}",
                f"{r['diff_to_random']['mean'] * 100:+.2f} "
                f"[{r['diff_to_random']['ci95'][0] * 100:+.2f}, "
                f"{r['diff_to_random']['ci95'][1] * 100:+.2f}]",
                f"{r['cv_mean']:.4f}",
                f"{r['wall_mean']:.1f}",
                f"{r['wall_ratio_to_random']:.2f}",
                f"{r['n_candidates_mean']:.0f}",
            )
            for m, r in rows.items()
        ]
        lines.append(
            H.markdown_table(
                (
                    "method",
                    "held-out score",
                    "minus random, points [95% CI]",
                    "best CV",
                    "wall s",
                    "wall / random",
                    "candidates",
                ),
                body,
            )
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=list(TASKS), choices=list(TASKS))
    parser.add_argument(
        "--methods", nargs="+", default=list(DEFAULT_METHODS), choices=METHODS
    )
    parser.add_argument("--splits", type=int, default=10)
    parser.add_argument("--first-split", type=int, default=300)
    parser.add_argument("--budget", type=int, default=None, help="B for every task")
    parser.add_argument(
        "--comparisons",
        nargs="+",
        default=["candidates", "wall"],
        choices=["candidates", "wall"],
    )
    parser.add_argument(
        "--at-candidates",
        nargs="+",
        choices=METHODS,
        help="the methods of the same-candidates comparison (default: all)",
    )
    parser.add_argument("--json", default=H.results_path("study.json"))
    parser.add_argument(
        "--summarize",
        metavar="FILE",
        help="recompute FILE's summary, targets and pairs from its runs; no fit",
    )
    args = parser.parse_args(argv)
    if args.summarize:
        return resummarize(args.summarize)
    run = H.start("study", "The study over many splits: held-out score and wall time")
    H.silence_warnings()
    methods, skipped = H.available(args.methods, say=run.log)
    if "random" not in methods:
        methods.insert(0, "random")  # the reference of both comparisons
    splits = list(range(args.first_split, args.first_split + args.splits))
    # random search (T) and halving (its pace) size the same-wall-clock
    # comparison, so they always run at B candidates
    at_candidates = {"random", "halving"} | set(
        (args.at_candidates or methods) if "candidates" in args.comparisons else ()
    )
    runs = []
    for task in args.tasks:
        budget = args.budget or TASKS[task]["budget"]
        for i, split_seed in enumerate(splits):
            data = task_data(split_seed)
            _flatmlp.start_pool(N_JOBS)
            order = ["random"] + H.rotate([m for m in methods if m != "random"], i)
            done = {}
            for method in (m for m in order if m in at_candidates):
                r = run_one(task, method, "candidates", split_seed, data, budget)
                done[method] = r
                runs.append(r)
                run.log(
                    f"{task} split {split_seed} candidates {method:9s} "
                    f"test {r['test_score']:.4f} cv {r['best_cv_score']:.4f} "
                    f"wall {r['wall_seconds']:6.1f}s n {r['n_candidates']}"
                )
            if "wall" not in args.comparisons:
                continue
            T = done["random"]["wall_seconds"]
            for method in order[1:]:
                n = None
                if method == "halving":
                    n = max(1, round(budget * T / done["halving"]["wall_seconds"]))
                r = run_one(task, method, "wall", split_seed, data, budget, T=T, n=n)
                runs.append(r)
                run.log(
                    f"{task} split {split_seed} wall {T:5.1f}s {method:9s} "
                    f"test {r['test_score']:.4f} cv {r['best_cv_score']:.4f} "
                    f"wall {r['wall_seconds']:6.1f}s n {r['n_candidates']}"
                )
    results = report(runs, args.tasks, methods, run.log)
    run.write(
        args.json,
        {
            "splits": splits,
            "development_splits": list(range(10)),
            "earlier_report_splits": [s for s in REPORT_SPLITS if s not in splits],
            "comparisons": args.comparisons,
            "at_candidates": [m for m in methods if m in at_candidates],
            "tasks": {k: {**v} for k, v in TASKS.items() if k in args.tasks},
            "methods": methods,
            "skipped_methods": skipped,
            "n_jobs": N_JOBS,
            "gahpo_variants": {
                m: {k: describe_setting(v) for k, v in GAHPO[m].items()}
                for m in methods
                if m in GAHPO
            },
            **results,
            "runs": runs,
        },
    )


if __name__ == "__main__":
    main()
