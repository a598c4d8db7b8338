"""``GeneticSearchCV`` that times its batches and its ``cv_results_`` rebuilds.

In a module of its own so that joblib's workers import the class: scikit-learn
1.9 sends the search to every fit (``caller``), and a class defined in the
script that runs (``__main__``) would be pickled by value into every batch,
which alone made ``n_jobs=2`` many times slower at 10,000 candidates.
"""

import time

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
