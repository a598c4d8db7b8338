"""One ``fit``'s evaluation of candidates: batches, rungs, failures, fitness.

The search hands each generation's new candidates to an :class:`Evaluator`,
which cross-validates them with scikit-learn's ``evaluate_candidates`` (one
batch, or one batch per rung with multi-fidelity), keeps the rows of batches
whose every fit failed, and returns the fitness the engine is told.
"""

import numpy as np

from ._compat import (
    all_fits_failed,
    can_format_in_full,
    end_context,
    format_in_full,
    generation_context,
)
from ._fidelity import climb
from ._objectives import guiding_metric, objective_columns

__all__ = ["Evaluator"]


class Evaluator:
    """Evaluate generations for ``search`` through ``evaluate_candidates``.

    Parameters
    ----------
    search : GeneticSearchCV
        The search being fitted (its ``_space``, ``_cv``, ``_ladder``,
        ``_objectives`` and ``_search_rows`` of this fit).
    evaluate_candidates : callable
        scikit-learn's, from ``BaseSearchCV.fit``.
    search_ctx : object or None
        scikit-learn's callback context of the search (1.9+).
    """

    def __init__(self, search, evaluate_candidates, search_ctx):
        self.search = search
        self.evaluate_candidates = evaluate_candidates
        self.search_ctx = search_ctx
        # a batch formats only its own rows, the whole is formatted once in
        # finish(): linear in the number of rows, not quadratic
        self.tail = can_format_in_full(evaluate_candidates)
        self.unfinished = False  # the last batch formatted only its rows

    def finish(self):
        """Give ``fit`` every row formatted, if the last batch formatted its own."""
        if self.unfinished:
            format_in_full(self.evaluate_candidates, self.search)
            self.unfinished = False

    def generation(self, engine, candidates):
        """Cross-validate a generation's new candidates.

        One batch, or one batch per rung with multi-fidelity.

        Returns
        -------
        scores : array-like
            The fitness of each candidate (at the highest rung it reached).
        fidelity : ndarray or None
            With multi-fidelity, each score's share of the full resource.
        cost : ndarray
            The mean fit time of each candidate's folds, at that rung (NaN
            when unknown: a rung scored before a resume).
        """
        if not candidates:  # all cached: scikit-learn refuses an empty batch
            return [], None, []
        search = self.search
        params = [search._space.decode(ind) for ind in candidates]
        generation, ladder, rows = (
            engine.generation,
            search._ladder,
            search._search_rows,
        )

        seconds = {}  # id of a candidate's params -> fit time at its last rung

        def evaluate(batch, rung=None):
            more = self.columns(generation, len(batch))
            ids = [id(p) for p in batch]
            batch, cv = self.at_rung(batch, more, rung)
            scores, fit_times = self.batch(batch, more, cv)
            seconds.update(zip(ids, fit_times))
            return scores

        def cost():
            return np.array([seconds.get(id(p), np.nan) for p in params])

        if ladder is None:
            scores = evaluate(params)
            return scores, None, cost()

        def save(progress):  # a checkpoint between two rungs
            rows.extra["climb"] = {"generation": generation, **progress}
            rows.save(engine, search.history_)

        done = rows.extra.pop("climb", None)
        if done is not None and done["generation"] != generation:
            done = None
        scores, fidelity = climb(
            ladder, params, evaluate, rows.extra["rungs"], done, save
        )
        return scores, fidelity, cost()

    def at_rung(self, params, more, rung):
        """``(params, cv)`` of a batch at ``rung``; its ``n_resources`` into ``more``.

        ``rung`` None (no multi-fidelity): the parameters and folds as they are.
        """
        search = self.search
        if rung is None:
            return params, search._cv
        ladder = search._ladder
        more["n_resources"] = [ladder.rungs[rung]] * len(params)
        return [ladder.params(p, rung) for p in params], ladder.cv(search._cv, rung)

    def columns(self, generation, n, finalist=False):
        """The ``more_results`` of a batch: its generation, finalist or not."""
        more = {"generation": [generation] * n}
        if self.search._finals is not None:
            more["finalist"] = [finalist] * n
        return more

    def finalists(self, engine):
        """Score the ``finalists`` best candidates again, on new folds.

        One batch, at the full resource, with ``finalist=True`` in its rows;
        the best is then chosen among those rows only.
        """
        search, ladder = self.search, self.search._ladder
        if search._finals is None:
            return
        best = engine.best_scored(search.finalists)
        if not best:
            return
        params = [search._space.decode(ind) for ind in best]
        more = self.columns(engine.generation, len(params), finalist=True)
        cv = search._finals
        if ladder is not None:
            last = len(ladder.rungs) - 1
            more["n_resources"] = [ladder.max_resources] * len(params)
            params = [ladder.params(p, last) for p in params]
            cv = ladder.cv(cv, last)
        self.batch(params, more, cv)

    def batch(self, params, more, cv):
        """One ``evaluate_candidates`` batch: its candidates' fitness and fit time.

        The fit time is the mean over the folds, NaN for a failed batch.
        """
        search = self.search
        n_fits = lambda: len(params) * search.n_splits_  # noqa: E731
        ctx = generation_context(self.search_ctx, search, n_fits)
        if self.tail:
            search._format_tail = len(params)
        try:
            results = self.evaluate_candidates(
                params,
                cv=cv,
                more_results=more,
                **({"callback_ctx": ctx} if ctx is not None else {}),
            )
            self.unfinished = self.tail
        except ValueError as exc:
            # scikit-learn raises when every fit of a batch fails: in the first
            # batch that is a misconfigured model and the error stands; later
            # it is a generation of bad candidates, kept as failures.
            rows = search._search_rows
            if not all_fits_failed(exc) or not (rows.rows or rows.streamed):
                raise
            return self.failed(params, more, exc), np.full(len(params), np.nan)
        finally:
            search.__dict__.pop("_format_tail", None)
            end_context(ctx, search)
        n = len(params)
        return self.fitness(results)[-n:], np.asarray(results["mean_fit_time"][-n:])

    def failed(self, params, more, exc):
        """Keep rows for a batch whose every fit failed; return its scores."""
        search = self.search
        search._search_rows.add_failed(params, more, exc, search.error_score)
        if search._objectives is not None:
            return np.full((len(params), len(search._objectives)), np.nan)
        return [search.error_score] * len(params)

    def fitness(self, results):
        """Scores of every row of ``results``: one column, or one per objective."""
        search = self.search
        if search._objectives is None:
            metric = guiding_metric(results, search.refit, search.scoring)
            return np.asarray(results[f"mean_test_{metric}"])
        return objective_columns(results, search._objectives)

    def again(self, params, more):
        """Score resumed rows again (a finished search resumed evaluates once)."""
        search, ladder = self.search, self.search._ladder
        cv = search._cv
        if ladder is not None:
            cv = ladder.cv(cv, ladder.rung_of(more["n_resources"][0]))
        self.evaluate_candidates(params, cv=cv, more_results=more)
        self.unfinished = False
