"""Searches for the overhead benchmark, importable by joblib's workers.

``TimedGeneticSearchCV`` times its batches and its ``cv_results_`` rebuilds.
``PlainRandomizedSearchCV`` and ``PlainGridSearchCV`` are the references: the
same fits as scikit-learn's, without the experimental callback contexts
scikit-learn 1.9 creates for every fit (one per candidate and fold, each
pickled with the growing task tree into its fit, which made
``RandomizedSearchCV(n_jobs=2)`` slower per candidate as the search grows:
``results/random_njobs.json``). gahpo creates none unless ``set_callbacks``
is used, so these are the fair references.

In a module of its own so that joblib's workers import the class: scikit-learn
1.9 sends the search to every fit (``caller``), and a class defined in the
script that runs (``__main__``) would be pickled by value into every batch,
which alone made ``n_jobs=2`` many times slower at 10,000 candidates.
"""

import time

from sklearn.model_selection import (
    GridSearchCV,
    ParameterGrid,
    ParameterSampler,
    RandomizedSearchCV,
)

from gahpo import GeneticSearchCV


class _Timed:
    """Mixin: time _run_search, each evaluate_candidates and _format_results."""

    def _run_search(self, evaluate_candidates, *, callback_ctx=None):
        batches, self._bench_formats = [], []

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
            "format_results": self._bench_formats,
        }

    def _format_results(self, *args, **kwargs):
        t0 = time.perf_counter()
        try:
            return super()._format_results(*args, **kwargs)
        finally:
            self._bench_formats.append(time.perf_counter() - t0)


class TimedGeneticSearchCV(_Timed, GeneticSearchCV):
    pass


class PlainRandomizedSearchCV(RandomizedSearchCV):
    """``RandomizedSearchCV`` without scikit-learn 1.9's per-fit callback contexts."""

    def _run_search(self, evaluate_candidates, *, callback_ctx=None):
        evaluate_candidates(
            ParameterSampler(
                self.param_distributions, self.n_iter, random_state=self.random_state
            )
        )


class PlainGridSearchCV(GridSearchCV):
    """``GridSearchCV`` without scikit-learn 1.9's per-fit callback contexts."""

    def _run_search(self, evaluate_candidates, *, callback_ctx=None):
        evaluate_candidates(ParameterGrid(self.param_grid))
