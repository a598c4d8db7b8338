"""The genetic algorithm as an ask/tell engine, independent of scikit-learn."""

import math
import numbers

import numpy as np
from deap import tools

from .operators import crossover_uniform, mutate_genewise, select_best, select_tournament

__all__ = ["GeneticEngine"]


class GeneticEngine:
    """Generational genetic algorithm with elitism and a score cache.

    ``ask()`` returns the individuals of the next generation that have never
    been scored; ``tell(scores)`` takes their scores (greater is better, NaN
    for a failure) and returns the generation's record. The engine knows
    nothing of estimators: any objective can drive it.

    Parameters
    ----------
    space : SearchSpace
        The genes to evolve.
    population_size : int, default=25
        Individuals per generation.
    elitism : int, default=1
        Best individuals copied unchanged into the next generation.
    selection, crossover, mutation : callable
        Operators with the signatures of :mod:`gahpo.operators`.
    crossover_proba : float, default=0.8
        Probability that a pair of parents is recombined.
    mutation_proba : float, default=0.2
        Probability that a child is mutated. Children identical to a scored
        individual or to a sibling are mutated again (up to ``max_retries``
        times), so that every generation spends its budget on new candidates.
    initial : list of Individual, optional
        Individuals placed in the first population (e.g. the estimator's
        defaults, or known good configurations); the rest is space-filling.
    rng : numpy.random.RandomState or int, optional
        The only source of randomness.
    max_retries : int, default=16
        Attempts to make a duplicate child new before accepting it (a cached
        duplicate costs nothing).

    Examples
    --------
    >>> from gahpo._engine import GeneticEngine
    >>> from gahpo.space import SearchSpace, Real
    >>> space = SearchSpace({"x": Real(-5, 5)})
    >>> engine = GeneticEngine(space, population_size=10, rng=0)
    >>> for _ in range(10):
    ...     batch = engine.ask()
    ...     record = engine.tell([-space.decode(ind)["x"] ** 2 for ind in batch])
    >>> record["best_score"] > -0.01
    True
    """

    def __init__(
        self,
        space,
        *,
        population_size=25,
        elitism=1,
        selection=select_tournament,
        crossover=crossover_uniform,
        mutation=mutate_genewise,
        crossover_proba=0.8,
        mutation_proba=0.2,
        initial=(),
        rng=None,
        max_retries=16,
    ):
        self.space = space
        self.population_size = population_size
        self.elitism = elitism
        self.selection = selection
        self.crossover = crossover
        self.mutation = mutation
        self.crossover_proba = crossover_proba
        self.mutation_proba = mutation_proba
        self.initial = list(initial)
        if rng is None or isinstance(rng, numbers.Integral):
            rng = np.random.RandomState(rng)
        self.rng = rng
        self.max_retries = max_retries

        self.generation = 0
        self.population = []
        self.cache = {}
        self.hall_of_fame = tools.HallOfFame(1, similar=_same_key)
        self._offspring = None
        self._pending = None

    # -- the ask/tell protocol ------------------------------------------------

    def ask(self):
        """Individuals of the next generation that were never scored.

        Each distinct genome appears once. Calling ``ask`` again before
        ``tell`` returns the same individuals.

        Returns
        -------
        list of Individual
        """
        if self._pending is None:
            self._offspring = self._initial() if self.generation == 0 else self._breed()
            seen, pending = set(), []
            for ind in self._offspring:
                if ind.key not in self.cache and ind.key not in seen:
                    seen.add(ind.key)
                    pending.append(ind)
            self._pending = pending
        return list(self._pending)

    def tell(self, scores):
        """Score the individuals of the last :meth:`ask` and close the generation.

        Parameters
        ----------
        scores : sequence of float
            One score per individual returned by ``ask``, in order; greater is
            better, NaN marks a failure (ranked last, never best).

        Returns
        -------
        record : dict
            ``generation``, ``best_score`` (best score seen so far),
            ``mean_score`` and ``std_score`` (over the generation's population,
            failures excluded), ``n_evaluated`` and ``n_cached``.
        """
        if self._pending is None:
            raise RuntimeError("tell() called without a preceding ask().")
        scores = [float(s) for s in np.ravel(np.asarray(scores, dtype=float))]
        if len(scores) != len(self._pending):
            raise ValueError(
                f"tell() expects {len(self._pending)} scores, one per individual "
                f"of the last ask(), got {len(scores)}."
            )
        for ind, score in zip(self._pending, scores):
            self.cache[ind.key] = score
        for ind in self._offspring:
            ind.set_score(self.cache[ind.key])
        self.population = self._offspring
        self.hall_of_fame.update(self.population)

        values = np.array([ind.score for ind in self.population])
        finite = values[np.isfinite(values)]
        best = self.hall_of_fame[0].score if len(self.hall_of_fame) else math.nan
        record = {
            "generation": self.generation,
            "best_score": float(best),
            "mean_score": float(finite.mean()) if finite.size else math.nan,
            "std_score": float(finite.std()) if finite.size else math.nan,
            "n_evaluated": len(self._pending),
            "n_cached": len(self._offspring) - len(self._pending),
        }
        self.generation += 1
        self._offspring = self._pending = None
        return record

    @property
    def best(self):
        """The best individual scored so far, or None."""
        return self.hall_of_fame[0] if len(self.hall_of_fame) else None

    # -- state, for checkpoints -------------------------------------------------

    def get_state(self):
        """Everything needed to resume, without the operators (which may not pickle)."""
        return {
            "generation": self.generation,
            "population": [ind.copy_with_score() for ind in self.population],
            "cache": dict(self.cache),
            "rng": self.rng.get_state(),
            "hall_of_fame": [ind.copy_with_score() for ind in self.hall_of_fame],
        }

    def set_state(self, state):
        """Restore what :meth:`get_state` returned."""
        self.generation = state["generation"]
        self.population = list(state["population"])
        self.cache = dict(state["cache"])
        self.rng.set_state(state["rng"])
        self.hall_of_fame.clear()
        self.hall_of_fame.update(state["hall_of_fame"])
        self._offspring = self._pending = None

    # -- variation ------------------------------------------------------------

    def _initial(self):
        n = self.population_size
        given = [ind.copy() for ind in self.initial[:n]]
        return given + self.space.space_filling(n - len(given), self.rng)

    def _breed(self):
        rng, space = self.rng, self.space
        elites = [ind.copy_with_score() for ind in select_best(self.population, self.elitism)]
        n_children = self.population_size - len(elites)
        parents = self.selection(self.population, n_children, rng=rng)
        children = [p.copy() for p in parents]
        for i in range(1, len(children), 2):
            if rng.uniform() < self.crossover_proba:
                self.crossover(children[i - 1], children[i], space, rng=rng)
        for child in children:
            if rng.uniform() < self.mutation_proba:
                self.mutation(child, space, rng=rng)
        seen = set(self.cache)
        for child in children:
            for _ in range(self.max_retries):
                if child.key not in seen:
                    break
                self.mutation(child, space, rng=rng)
            seen.add(child.key)
        return elites + children


def _same_key(a, b):
    return a.key == b.key
