"""The steady-state engine: asked for batches, told one candidate at a time.

The generational engine breeds a generation, waits for every score, and
breeds the next. For many workers that barrier idles all of them but the one
running the slowest fit, so the asynchronous mode (:class:`SteadyState`)
asks for a batch of children whenever the last one has been dispatched, and
tells each score as its fits finish, in any order. Its population is the
``population_size`` best of every candidate scored so far, the steady-state
rule of replacing the worst (DEAP's ``(mu + 1)``, here ``(mu + batch)``); by
default the candidates still running count too, at the best score so far.
"""

import math

import numpy as np

from ._engine import GeneticEngine
from .operators import select_best, select_nsga2

__all__ = ["SteadyStateEngine"]


class SteadyStateEngine(GeneticEngine):
    """A genetic algorithm without generation barriers.

    ``ask()`` breeds a batch of new children (never scored, never in
    flight), ``tell_one(individual, score)`` takes one score whenever its
    fits finish, and ``record()`` closes a record of the scores told since
    the last one. ``generation`` counts the batches bred.

    Parameters
    ----------
    space : SearchSpace
        The genes to evolve.
    batch_size : int, default=None
        Children bred at a time; default ``population_size``.
    parents : {"dispatched", "scored"}, default="dispatched"
        Parents among all candidates dispatched, those in flight ranked at
        the best score so far, or among those scored
        (:class:`~gahpo.schemes.SteadyState`).
    **kwargs
        As :class:`~gahpo._engine.GeneticEngine` (``scheme`` is
        ``"steady_state"``).

    Examples
    --------
    >>> from gahpo._steady import SteadyStateEngine
    >>> from gahpo.space import SearchSpace, Real
    >>> space = SearchSpace({"x": Real(-5, 5)})
    >>> engine = SteadyStateEngine(space, population_size=10, rng=0)
    >>> for _ in range(12):
    ...     for ind in engine.ask():
    ...         engine.tell_one(ind, -space.decode(ind)["x"] ** 2)
    >>> engine.record()["best_score"] > -0.01
    True
    """

    #: How a candidate in flight ranks among parents (``parents="dispatched"``):
    #: this reduction of the scores so far, per objective. The best, not the
    #: median: on ``benchmarks/quality.py``'s development seeds the median
    #: still let the fast fits' children crowd out the slow ones'.
    in_flight_score = staticmethod(np.nanmax)

    def __init__(self, space, *, batch_size=None, parents="dispatched", **kwargs):
        super().__init__(space, scheme="steady_state", **kwargs)
        self.batch_size = batch_size or self.population_size
        self.parents = parents
        self._told = []  # scores told since the last record
        self._records = 0

    def ask(self, max_new=None):
        """A batch of new individuals, bred from every score told so far.

        The first batch is the initial population (the estimator's defaults,
        ``initial_params``, then a space-filling design); until two finite
        scores are known, more of the space-filling design; then children of
        the ``population_size`` best, made new against the candidates scored
        and in flight (and topped up from the design if too few are). Never
        more than the budget (``max_evaluations``) allows; fewer only when
        the space has too few new candidates left.

        Parameters
        ----------
        max_new : int, optional
            Most individuals to return; at most ``batch_size`` (the first
            batch: ``population_size``).

        Returns
        -------
        list of Individual
        """
        room = self.population_size if self.generation == 0 else self.batch_size
        if max_new is not None:
            room = min(room, int(max_new))
        if self.max_evaluations is not None:
            spent = len(self.cache) + len(self.in_flight)
            room = min(room, self.max_evaluations - spent)
        if room <= 0:
            return []
        if self.generation == 0:
            children = self._initial()
        elif self._n_finite() < 2:
            children = self.space.space_filling(room, self.rng)
        else:
            self.population = self._best(self.population_size)
            children = self._breed(room)
        key, batch = self.space.key, []
        for _ in range(self.max_retries):
            for child in children:
                k = key(child)
                if k not in self.cache and k not in self.in_flight:
                    self.in_flight[k] = child
                    batch.append(child)
                    if len(batch) == room:
                        break
            if len(batch) == room:
                break
            # children equal to candidates in flight: fill up with the design
            children = self.space.space_filling(room - len(batch), self.rng)
        self.generation += 1
        return batch

    def tell_one(self, individual, score, *, fidelity=1.0, cost=math.nan):
        """Take the score of one individual asked earlier.

        Parameters
        ----------
        individual : Individual
            As returned by :meth:`ask` (or told before at a lower fidelity).
        score : float or array-like of shape (n_objectives,)
            Greater is better, NaN for a failure.
        fidelity : float, default=1.0
            The share of the full resource the score was measured with; a
            candidate told again at a higher fidelity replaces its score.
        cost : float, default=nan
            Seconds one fit took (NaN: unknown).
        """
        row = np.atleast_1d(np.asarray(score, dtype=float))
        if self.n_objectives is None:
            self.n_objectives = len(row)
        k = self.space.key(individual)
        self.in_flight.pop(k, None)
        value = float(row[0]) if len(row) == 1 else tuple(map(float, row))
        self.cache[k] = value
        self._scored.setdefault(k, individual.copy())
        self._history.told(k)
        if fidelity < 1:
            self._fidelity[k] = float(fidelity)
        else:
            self._fidelity.pop(k, None)
            scored = individual.copy()
            scored.set_score(value)
            self._update_best([scored])
        if np.isfinite(cost):
            self._cost[k] = float(cost)
        self._told.append(self._first(value))

    def record(self):
        """The record of the scores told since the last one, as ``tell`` returns.

        ``n_in_flight`` counts the candidates still running.
        """
        values = np.array(self._told, dtype=float)
        finite = values[np.isfinite(values)]
        record = {
            "generation": self._records,
            "best_score": self.best.score if self.best is not None else math.nan,
            "mean_score": float(finite.mean()) if finite.size else math.nan,
            "std_score": float(finite.std()) if finite.size else math.nan,
            "n_evaluated": len(values),
            "n_cached": 0,
            "diversity": self._diversity,
            "duplicate_rate": self._duplicate_rate,
            "n_in_flight": len(self.in_flight),
        }
        self._told = []
        self._records += 1
        return record

    @property
    def n_told(self):
        """Scores told since the last record."""
        return len(self._told)

    def _n_finite(self, at_most=2):
        """The number of finite scores told, counted up to ``at_most``."""
        n = 0
        for value in self.cache.values():
            n += bool(np.all(np.isfinite(np.atleast_1d(value))))
            if n >= at_most:
                break
        return n

    def _best(self, n):
        """The ``n`` best individuals (NSGA-II with several objectives).

        Of those scored; with ``parents="dispatched"``, of those in flight
        too, each ranked at the best score so far (per objective), after the
        scored candidates that tie with it: a fit still running is not
        assumed worse than those that finished first, which are the fast
        ones (evaluation-time bias).
        """
        multi = (self.n_objectives or 1) > 1
        if multi:
            keys = list(self.cache)
        else:  # only the n best scored can be among the n best: from the arrays
            scores = self._history.sync(self)[1]
            keys = self._history.keys
            ranked = np.where(np.isfinite(scores), scores, -np.inf)
            keys = [keys[i] for i in np.sort(np.argsort(-ranked, kind="stable")[:n])]
        scored = []
        for k in keys:
            ind = self._scored[k].copy()
            ind.set_score(self.cache[k])
            scored.append(ind)
        if self.parents == "dispatched" and self.in_flight:
            values = (
                np.array([np.atleast_1d(v) for v in self.cache.values()])
                if multi
                else scores[:, None]
            )
            lie = self.in_flight_score(values, axis=0)
            for ind in self.in_flight.values():
                ind = ind.copy()
                ind.set_score(float(lie[0]) if len(lie) == 1 else tuple(lie))
                scored.append(ind)
        pick = select_nsga2 if multi else select_best
        return [ind.copy_with_score() for ind in pick(scored, min(n, len(scored)))]

    def get_state(self):
        """As the generational engine's, with the records' progress."""
        state = super().get_state()
        state.update(told=list(self._told), records=self._records)
        return state

    def set_state(self, state):
        """Restore what :meth:`get_state` returned (candidates in flight are lost)."""
        super().set_state(state)
        self.in_flight = {}
        self._told = list(state.get("told", []))
        self._records = state.get("records", 0)
