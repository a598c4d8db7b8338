"""The asynchronous mode: a fit is dispatched whenever a worker frees.

``scheme="steady_state"`` runs the search without generation barriers.
``BaseSearchCV.fit``'s own ``Parallel``, switched to return results as they
finish (``return_as="generator_unordered"``,
:func:`gahpo._compat.in_finishing_order`), is fed by a generator of fits:
joblib asks the generator for the next fit as soon as one ends, and the generator then
breeds (a batch at a time, from every score told so far) or, with
multi-fidelity, promotes a candidate up a rung as in ASHA. The fits are
scikit-learn's own ``_fit_and_score`` with ``BaseSearchCV.fit``'s arguments
(:func:`gahpo._compat.fit_job`), so their rows are the rows
``evaluate_candidates`` would make; they are kept in the search's
:class:`~gahpo._rows.SearchRows`, and one last candidate goes through
``evaluate_candidates`` so that scikit-learn formats ``cv_results_`` (every
row), chooses the best and refits it, as in the generational mode.

joblib calls the generator from its own threads, and the results come back
to the thread that called ``fit``: one lock guards the engine and the
candidates in flight. Nothing blocks while holding it but breeding.
"""

import itertools
import math
import threading
from collections import deque

import numpy as np
from sklearn.base import clone
from sklearn.utils.parallel import delayed

from ._compat import fit_failures, fit_fold, fit_job, in_finishing_order
from ._fidelity import rung_threshold
from ._stop_rules import should_stop

__all__ = ["SteadyRun"]


class _Candidate:
    """One candidate at one rung, while its fits run."""

    def __init__(self, ind, params, rung, generation, n_splits):
        self.ind, self.params, self.rung = ind, params, rung
        self.generation = generation
        self.out = [None] * n_splits
        self.left = n_splits
        self.score = math.nan


def candidate_results(out):
    """The ``cv_results_`` means of one candidate's fits, as one-row columns."""
    results = {
        f"mean_{name}": [float(np.mean([r[name] for r in out]))]
        for name in ("fit_time", "score_time")
    }
    scores = [r["test_scores"] for r in out]
    metrics = next((list(s) for s in scores if isinstance(s, dict)), None)
    if metrics is None:
        results["mean_test_score"] = [float(np.mean(scores))]
    for m in metrics or ():  # a failed fit has error_score for every metric
        values = [s[m] if isinstance(s, dict) else s for s in scores]
        results[f"mean_test_{m}"] = [float(np.mean(values))]
    return results


class SteadyRun:
    """One asynchronous search: dispatch, breed, promote, record, stop.

    Parameters
    ----------
    search : GeneticSearchCV
        The search being fitted.
    engine : SteadyStateEngine
        Its engine.
    evaluator : Evaluator
        For the fitness of a candidate and the last ``evaluate_candidates``.
    evaluate_candidates : callable
        scikit-learn's.
    clock : callable
        Seconds since ``fit`` began (a resumed search's earlier time included).
    """

    #: Candidates held back for the last ``evaluate_candidates`` batch.
    reserve = 1

    def __init__(self, search, engine, evaluator, evaluate_candidates, clock):
        self.search, self.engine, self.evaluator = search, engine, evaluator
        self.job = fit_job(evaluate_candidates)
        self.clock = clock
        self.ladder = search._ladder
        self.n_splits = search._n_folds
        self.rows = search._search_rows
        self.lock = threading.Lock()
        self.queue = deque()  # (individual, batch) bred and not dispatched
        self.running = {}  # id -> _Candidate
        self.waiting = []  # scored below the top rung, not promoted (ASHA)
        self.ids = itertools.count()
        self.splits = {}
        self.stopped = False
        self.n_dispatched = 0
        self.out = []  # every fit's result, for scikit-learn's failure report

    # -- what to fit next (called from joblib's threads) -----------------------

    def tasks(self):
        """The fits to run, one candidate's folds at a time, bred on demand."""
        while True:
            with self.lock:
                cid = None if self.stopped else self._next()
                if cid is None:
                    return
                cand = self.running[cid]
                folds = self.folds(cand.rung)
                self.n_dispatched += 1
            job = self.job
            for i, (train, test) in enumerate(folds):
                yield delayed(fit_fold)(
                    (cid, i),
                    clone(job.base_estimator),
                    job.X,
                    job.y,
                    train,
                    test,
                    cand.params,
                    ((i, self.n_splits), (cid, None)),
                    job.kwargs,
                )

    def folds(self, rung):
        """The ``(train, test)`` folds at ``rung`` (None: no multi-fidelity)."""
        if rung not in self.splits:
            cv = self.search._cv
            if rung is not None:
                cv = self.ladder.cv(cv, rung)
            job = self.job
            self.splits[rung] = list(cv.split(job.X, job.y, **job.split_params))
        return self.splits[rung]

    def _next(self):
        """The id of the next candidate to fit, or None when nothing is left."""
        if self.ladder is not None:
            cand = self._promotion()
            if cand is not None:
                return self._start(cand.ind, cand.rung + 1, cand.generation)
        if not self.queue and self._may_breed():
            engine = self.engine
            if self.search.max_time is not None:
                engine.time_left = self.search.max_time - self.clock()
            room = None
            if engine.max_evaluations is not None:
                spent = len(engine.cache) + len(engine.in_flight)
                room = engine.max_evaluations - self.reserve - spent
            if room is None or room > 0:
                batch = engine.generation
                self.queue.extend((ind, batch) for ind in engine.ask(room))
        if not self.queue:
            return None
        ind, batch = self.queue.popleft()
        return self._start(ind, None if self.ladder is None else 0, batch)

    def _may_breed(self):
        engine, search = self.engine, self.search
        # the cap of `generations`, in candidates (batches may come out short)
        cap = search._settings["generations"] * engine.population_size
        if len(engine.cache) + len(engine.in_flight) >= cap:
            return False
        if search.max_time is None:
            return True
        costs = list(engine._cost.values())
        pace = float(np.median(costs)) if costs else 0.0  # one fit, typically
        return self.clock() + pace < search.max_time

    def _promotion(self):
        """A candidate waiting below the top rung that ASHA promotes now, if any.

        From the highest rung down, the best waiting candidate goes up when it
        ranks in the best ``ceil(n / factor)`` of the ``n`` scores seen at its
        rung so far.
        """
        history = self.rows.extra["rungs"]
        for rung in range(len(self.ladder.rungs) - 2, -1, -1):
            waiting = [c for c in self.waiting if c.rung == rung and c.score == c.score]
            if not waiting:
                continue
            best = max(waiting, key=lambda c: c.score)
            if best.score >= rung_threshold(history[rung], self.ladder.factor):
                self.waiting.remove(best)
                return best
        return None

    def _start(self, ind, rung, batch):
        params = self.search._space.decode(ind)
        if rung is not None:
            params = self.ladder.params(params, rung)
        cid = next(self.ids)
        self.running[cid] = _Candidate(ind, params, rung, batch, self.n_splits)
        return cid

    # -- results (in the thread that called fit) -------------------------------

    def run(self):
        """Run every fit, then the last batch through ``evaluate_candidates``."""
        search = self.search
        with in_finishing_order(self.job.parallel) as parallel:
            while not self.stopped:
                before = self.n_dispatched
                for (cid, fold), result in parallel(self.tasks()):
                    self._collect(cid, fold, result)
                # a pass ends when nothing could be dispatched; with
                # multi-fidelity, the last fits may since have made promotions
                if self.n_dispatched == before or self.ladder is None:
                    break
        if self.out:
            fit_failures(self.out, search.error_score, search.scoring)
        self._last_batch()
        if self.engine.n_told:
            self._record()

    def _collect(self, cid, fold, result):
        cand = self.running[cid]
        cand.out[fold] = result
        cand.left -= 1
        if cand.left:
            return
        with self.lock:
            del self.running[cid]
            self.out.extend(cand.out)
            results = candidate_results(cand.out)
            score = self.evaluator.fitness(results)[0]
            more = self.evaluator.columns(cand.generation, 1)
            fidelity = 1.0
            if cand.rung is not None:
                more["n_resources"] = [self.ladder.rungs[cand.rung]]
                fidelity = self.ladder.fidelity(cand.rung)
                if cand.rung < len(self.ladder.rungs) - 1:
                    cand.score = float(np.atleast_1d(score)[0])
                    self.rows.extra["rungs"][cand.rung].append(cand.score)
                    self.waiting.append(cand)
            self.rows.add_streamed(cand.params, cand.out, more, self.n_splits)
            self.engine.tell_one(
                cand.ind, score, fidelity=fidelity, cost=results["mean_fit_time"][0]
            )
            full = self.engine.n_told >= self.engine.population_size
        if full:
            self._record()

    def _record(self):
        """Close a record: history, checkpoint, stop rules, callbacks."""
        search = self.search
        with self.lock:
            record = self.engine.record()
            record["elapsed"] = self.clock()
            search.history_.append(record)
            search.n_generations_ = len(search.history_)
            self.rows.save(self.engine, search.history_)
        stop = should_stop(search.history_, search.max_time, search.patience)
        stop = search._callbacks(search, record) or stop
        if stop:
            with self.lock:
                self.stopped = True

    def _last_batch(self):
        """One candidate through ``evaluate_candidates``: scikit-learn formats all rows.

        A child bred from every score (the budget kept one for it), or, when
        the space has no new candidate left, the last row scored again.
        """
        engine, ladder = self.engine, self.ladder
        batch = engine.generation
        fresh = [ind for ind, _ in self.queue][:1] or engine.ask(1)
        if not fresh:
            self.evaluator.again(*self.rows.take_last())
            return
        ind, rung = fresh[0], None if ladder is None else 0
        more = self.evaluator.columns(batch, 1)
        params = [self.search._space.decode(ind)]
        params, cv = self.evaluator.at_rung(params, more, rung)
        scores, fit_times = self.evaluator.batch(params, more, cv)
        fidelity = 1.0 if ladder is None else ladder.fidelity(rung)
        engine.tell_one(ind, scores[0], fidelity=fidelity, cost=fit_times[0])
