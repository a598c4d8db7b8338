"""Which evolution settings work best? The default against each alternative.

Issue 3's question: with every part of the evolution pluggable, is the
default configuration among the best? Each alternative changes one setting
of GeneticSearchCV's defaults (selection, crossover, scheme, adaptive
mutation, surrogate off) and is run over the same seeds and budget:

- ``synthetic``: the engine alone on a smooth objective with a known optimum
  of 0 (log-scaled real, real, categorical and integer genes), regret = -best;
- ``svc`` and ``gbm``: real estimators through the lookup grids of
  ``benchmarks/quality.py`` (exhaustive CV tables, regret in accuracy
  points x 100).

Usage: ``python benchmarks/operators.py [--seeds 20] [--budget 60]``
"""

import argparse
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import quality  # noqa: E402  (pins BLAS threads before numpy is imported)

import _common  # noqa: E402
import numpy as np  # noqa: E402

ALTERNATIVES = {
    "default": {},
    "selection=best": {"selection": "best"},
    "selection=roulette": {"selection": "roulette"},
    "crossover=one_point": {"crossover": "one_point"},
    "crossover=two_point": {"crossover": "two_point"},
    "crossover=blend": {"crossover": "blend"},
    "scheme=mu_plus_lambda": {"scheme": "mu_plus_lambda", "selection": "best"},
    "scheme=mu_comma_lambda": {"scheme": "mu_comma_lambda", "selection": "best",
                               "n_offspring": 20},
    "adaptive_mutation": {"adaptive_mutation": True},
    "surrogate=None": {"surrogate": None},
}


def synthetic(a, b, c, d):
    """Known optimum 0 at a=10, b=0.3, c="y", d=7."""
    return -((math.log10(a) - 1.0) ** 2 + (b - 0.3) ** 2 * 4 + (c != "y") * 0.5
             + ((d - 7) / 10) ** 2)


def run_synthetic(overrides, budget, seed):
    from gahpo import GeneticSearchCV
    from gahpo.space import Integer, Real

    space_dict = {"a": Real(1e-3, 1e3, log=True), "b": Real(0.0, 1.0),
                  "c": ["w", "x", "y", "z"], "d": Integer(0, 20)}
    # the engine exactly as GeneticSearchCV builds it from its parameters
    search = GeneticSearchCV(_Params(), space_dict, population_size=quality.GA_POPULATION,
                             n_candidates=budget, random_state=seed, **overrides)
    search._validate_params()
    search._check_search_parameters()
    engine = search._make_engine(np.random.RandomState(seed))
    space = engine.space
    while not engine.exhausted and engine.generation < 100:
        batch = engine.ask()
        engine.tell([synthetic(**space.decode(ind)) for ind in batch])
    return -engine.best.score


class _Params:
    """Stands for an estimator with parameters a..d (its defaults seed the start)."""

    def fit(self, X, y=None):
        return self

    def get_params(self, deep=True):
        return {"a": 1.0, "b": 0.5, "c": "x", "d": 3}


def run_task(task, overrides, budget, seed):
    kwargs = {"population_size": quality.GA_POPULATION,
              "generations": budget, **overrides}
    params, scores, _, _ = quality.run_gahpo(task, kwargs, budget, seed)
    # the first `budget` distinct candidates, as quality.py counts them
    return (quality.grids.get_table(task).optimum - max(scores[:budget])) * 100


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--budget", type=int, default=60)
    parser.add_argument("--tasks", nargs="+", default=["synthetic", "svc", "gbm"])
    parser.add_argument("--json", default=_common.default_results_path("operators.json"))
    args = parser.parse_args(argv)

    results = {}
    for name, overrides in ALTERNATIVES.items():
        for task in args.tasks:
            regrets = []
            for seed in range(args.seeds):
                if task == "synthetic":
                    regrets.append(run_synthetic(overrides, args.budget, seed))
                else:
                    regrets.append(run_task(task, overrides, args.budget, seed))
            results.setdefault(name, {})[task] = regrets
        print(name, {t: round(float(np.mean(r)), 4) for t, r in results[name].items()},
              file=sys.stderr, flush=True)

    rows = []
    for name, per_task in results.items():
        row = [name]
        for task in args.tasks:
            r = np.asarray(per_task[task])
            row.append(f"{r.mean():.3f} ± {r.std(ddof=1) / math.sqrt(len(r)):.3f}")
        rows.append(row)
    print(f"Regret at {args.budget} distinct candidates, mean ± s.e. over {args.seeds} "
          "seeds (lower is better; synthetic: objective units, tasks: accuracy points x 100)\n")
    print(_common.markdown_table(["configuration", *args.tasks], rows))
    ranks = {}
    for task in args.tasks:
        order = sorted(results, key=lambda n: np.mean(results[n][task]))
        ranks[task] = order.index("default") + 1
    print(f"\nRank of the default configuration per task (1 = best of {len(results)}): {ranks}")
    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump({"budget": args.budget, "seeds": args.seeds, "results": results,
                   "default_rank": ranks, "machine": _common.machine_info(),
                   "command": " ".join(sys.argv)}, f, indent=1)


if __name__ == "__main__":
    main()
