#!/usr/bin/env python
"""Which evolution settings work best? The default against each alternative.

Issue 3's question: with every part of the evolution pluggable, is the
default configuration among the best? Each alternative changes one setting
of GeneticSearchCV's defaults (selection, crossover, scheme, adaptive
mutation, surrogate off), all with population 10, over the same seeds and
budget of distinct candidates:

- ``synthetic``: a smooth objective with a known optimum of 0 (log-scaled
  real, real, categorical and integer genes), scored by an estimator whose
  ``score`` is the objective; regret = -best;
- ``svc`` and ``gbm``: the lookup grids of ``quality.py`` (regret in accuracy
  points x 100, the first B distinct candidates counted).

Usage: ``python benchmarks/operators.py [--seeds 20] [--budget 60]``
"""

import _harness as H  # noqa: I001  (first: pins BLAS/OpenMP threads)
import argparse
import math

import numpy as np
from sklearn.base import BaseEstimator

import grids
import quality


def alternatives():
    """name -> keyword overrides of GeneticSearchCV's defaults."""
    from gahpo.operators import GeneWise
    from gahpo.schemes import MuCommaLambda

    return {
        "default": {},
        "selection=best": {"selection": "best"},
        "selection=roulette": {"selection": "roulette"},
        "crossover=one_point": {"crossover": "one_point"},
        "crossover=two_point": {"crossover": "two_point"},
        "crossover=blend": {"crossover": "blend"},
        "scheme=mu_plus_lambda": {"scheme": "mu_plus_lambda", "selection": "best"},
        "scheme=mu_comma_lambda": {
            "scheme": MuCommaLambda(n_offspring=20),
            "selection": "best",
        },
        "adaptive_mutation": {"mutation": GeneWise(adaptive=True)},
        "surrogate=None": {"surrogate": None},
    }


class Synthetic(BaseEstimator):
    """Scores minus the distance to a=10, b=0.3, c="y", d=7; defaults seed the start."""

    def __init__(self, a=1.0, b=0.5, c="x", d=3):
        self.a, self.b, self.c, self.d = a, b, c, d

    def fit(self, X, y=None):
        return self

    def score(self, X, y=None):
        return -(
            (math.log10(self.a) - 1.0) ** 2
            + (self.b - 0.3) ** 2 * 4
            + (self.c != "y") * 0.5
            + ((self.d - 7) / 10) ** 2
        )


def run_synthetic(overrides, budget, seed):
    from gahpo import GeneticSearchCV
    from gahpo.space import Integer, Real

    space = {
        "a": Real(1e-3, 1e3, log=True),
        "b": Real(0.0, 1.0),
        "c": ["w", "x", "y", "z"],
        "d": Integer(0, 20),
    }
    search = GeneticSearchCV(
        Synthetic(),
        space,
        population_size=quality.GA_POPULATION,
        n_iter=budget,
        cv=2,
        refit=False,
        random_state=seed,
        **overrides,
    )
    search.fit(*grids.dummy_data())  # both folds score the same: the mean is exact
    return -float(np.max(search.cv_results_["mean_test_score"]))


def run_task(task, overrides, budget, seed):
    kwargs = {
        "population_size": quality.GA_POPULATION,
        "generations": budget,
        "n_iter": None,
        **overrides,
    }
    _, scores, _, _ = quality.run_gahpo(task, kwargs, budget, seed)
    return (grids.get_table(task).optimum - max(scores[:budget])) * 100


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--budget", type=int, default=60)
    parser.add_argument("--tasks", nargs="+", default=["synthetic", "svc", "gbm"])
    parser.add_argument("--json", default=H.results_path("operators.json"))
    args = parser.parse_args(argv)

    run = H.start("operators", "The default evolution settings vs alternatives", argv)
    results = {}
    for name, overrides in alternatives().items():
        for task in args.tasks:
            runner = (
                run_synthetic
                if task == "synthetic"
                else (lambda *a, task=task: run_task(task, *a))
            )
            results.setdefault(name, {})[task] = [
                runner(overrides, args.budget, seed) for seed in range(args.seeds)
            ]
        run.log(
            f"   {name}: "
            + ", ".join(f"{t} {np.mean(r):.4f}" for t, r in results[name].items())
        )
    rows = [
        [name]
        + [
            f"{np.mean(r):.3f} ± {np.std(r, ddof=1) / math.sqrt(len(r)):.3f}"
            for r in (per_task[t] for t in args.tasks)
        ]
        for name, per_task in results.items()
    ]
    run.log(
        f"\nRegret at {args.budget} distinct candidates, mean ± s.e. over "
        f"{args.seeds} seeds (lower is better; synthetic: objective units, "
        "tasks: accuracy points x 100)\n"
    )
    run.log(H.markdown_table(["configuration", *args.tasks], rows))
    ranks = {
        t: sorted(results, key=lambda n: np.mean(results[n][t])).index("default") + 1
        for t in args.tasks
    }
    run.log(f"\nRank of the default per task (1 = best of {len(results)}): {ranks}")
    run.write(
        args.json,
        {
            "budget": args.budget,
            "seeds": args.seeds,
            "results": results,
            "default_rank": ranks,
        },
    )


if __name__ == "__main__":
    main()
