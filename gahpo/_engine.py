"""The genetic algorithm as an ask/tell engine, independent of scikit-learn."""

import inspect
import math
import numbers

import numpy as np

from ._breeder import Breeder, History, Seen
from .operators import (
    GeneWise,
    crossover_uniform,
    select_best,
    select_nsga2,
    select_tournament,
)
from .schedules import rate_at
from .schemes import as_scheme

__all__ = ["Breeder", "GeneticEngine"]

#: Strength given to a mutation callable that takes ``strength`` but does not
#: carry its own (as :class:`~gahpo.operators.GeneWise` does).
DEFAULT_STRENGTH = 0.2


def _accepts(func, name):
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


class GeneticEngine:
    """A genetic algorithm driven by ``ask()`` and ``tell(scores)``.

    ``ask()`` returns the individuals of the next generation that have never
    been scored; ``tell(scores)`` takes their scores (greater is better, NaN
    for a failure; one row of objective values each for several objectives)
    and returns the generation's record. The engine knows nothing of
    estimators: any objective can drive it.

    Parameters
    ----------
    space : SearchSpace
        The genes to evolve.
    population_size : int, default=25
        Individuals per generation (``mu`` in the (mu, lambda) schemes).
    scheme : str or scheme object, default="generational"
        How the next population is formed (:mod:`gahpo.schemes`): the study's
        loop with elitism (DEAP's ``eaSimple``), or
        :class:`~gahpo.schemes.MuPlusLambda` /
        :class:`~gahpo.schemes.MuCommaLambda`, which carry ``n_offspring``.
        The generational scheme breeds ``population_size - elitism``.
    elitism : int, default=1
        Best individuals copied unchanged into the next generation
        (generational scheme).
    selection, crossover, mutation : callable
        Operators with the signatures of :mod:`gahpo.operators`. A mutation
        that takes a ``strength`` keyword is given the generation's strength,
        from the part's own ``strength`` (a number or a schedule) and
        ``adaptive`` attributes, as :class:`~gahpo.operators.GeneWise` has.
    crossover_proba, mutation_proba : float or callable, default=0.8, 0.2
        Probability that a pair of parents is recombined, and that a child is
        mutated; a number or a schedule of the generation
        (:mod:`gahpo.schedules`).
    initial : list of Individual, optional
        Individuals placed in the first population (the estimator's defaults,
        known good configurations); the rest is a space-filling design.
    rng : numpy.random.RandomState or int, optional
        The only source of randomness.
    max_retries : int, default=16
        Children identical to a scored individual or a sibling are mutated
        again up to this many times, so every generation spends its budget
        on new candidates (a remaining duplicate costs nothing).
    surrogate : Screen, optional
        Chooses the children once it is ``ready(scores)``: it is given a
        :class:`Breeder` and decides what to breed and which to keep
        (:class:`gahpo.surrogate.Screen`). None runs the plain genetic
        algorithm.
    max_evaluations : int, optional
        Budget of distinct individuals to score; ``ask`` never exceeds it and
        :attr:`exhausted` tells when it is spent.

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
        scheme="generational",
        elitism=1,
        selection=select_tournament,
        crossover=crossover_uniform,
        mutation=None,
        crossover_proba=0.8,
        mutation_proba=0.2,
        initial=(),
        rng=None,
        max_retries=16,
        surrogate=None,
        max_evaluations=None,
    ):
        scheme = as_scheme(scheme)
        self.space = space
        self.population_size = population_size
        self.scheme = scheme.name
        self.n_offspring = scheme.n_offspring or population_size
        self.elitism = elitism if self.scheme == "generational" else 0
        self.selection = selection
        self.crossover = crossover
        self.mutation = GeneWise() if mutation is None else mutation
        self.crossover_proba = crossover_proba
        self.mutation_proba = mutation_proba
        self.initial = list(initial)
        if rng is None or isinstance(rng, numbers.Integral):
            rng = np.random.RandomState(rng)
        self.rng = rng
        self.max_retries = max_retries
        self.surrogate = surrogate
        self.max_evaluations = max_evaluations
        self._pass_strength = _accepts(self.mutation, "strength")

        self.generation = 0
        self.population = []
        self.cache = {}
        self._scored = {}
        self._history = History()  # the record as arrays, for a screen
        self._features = np.empty((0, space.n_features))  # rows of _scored, lazily
        self._fidelity = {}  # key -> share of the full resource, when below 1
        self._cost = {}  # key -> seconds of one fit, when known
        self.time_left = None  # seconds the search has left (max_time), if any
        self._memo = {}  # what the screen keeps across generations (its models)
        self.in_flight = {}  # key -> individual asked, not told (asynchronous)
        self.best = None
        self.n_objectives = None
        self._offspring = None
        self._pending = None
        self._duplicate_rate = 0.0
        self._diversity = 1.0

    # -- the ask/tell protocol ------------------------------------------------

    def ask(self, max_new=None):
        """Individuals of the next generation that were never scored.

        Each distinct genome appears once; ``ask`` again before ``tell``
        returns the same individuals.

        Parameters
        ----------
        max_new : int, optional
            Most new individuals to return (the screen's first are kept).

        Returns
        -------
        list of Individual
        """
        if self._pending is None:
            self._offspring = self._initial() if self.generation == 0 else self._breed()
            seen, pending = set(), []
            for ind in self._offspring:
                key = self.space.key(ind)
                if key not in self.cache and key not in seen:
                    seen.add(key)
                    pending.append(ind)
            room = len(pending) if max_new is None else max(int(max_new), 1)
            if self.max_evaluations is not None:
                room = min(room, max(self.max_evaluations - len(self.cache), 0))
            if len(pending) > room:  # the budget or the time ends in this generation
                dropped = {self.space.key(ind) for ind in pending[room:]}
                pending = pending[:room]
                self._offspring = [
                    i for i in self._offspring if self.space.key(i) not in dropped
                ]
            self._pending = pending
        return list(self._pending)

    @property
    def exhausted(self):
        """Whether the budget of ``max_evaluations`` is spent."""
        return (
            self.max_evaluations is not None and len(self.cache) >= self.max_evaluations
        )

    def tell(self, scores, *, fidelity=None, cost=None):
        """Score the individuals of the last :meth:`ask` and close the generation.

        Parameters
        ----------
        scores : array-like of shape (n_individuals,) or (n_individuals, n_objectives)
            Scores of the individuals returned by ``ask``, in order; greater
            is better, NaN marks a failure (ranked last, never best).
        fidelity : array-like of shape (n_individuals,), optional
            With multi-fidelity scores: the share of the full resource each
            score was measured with, in (0, 1]. Only full-fidelity scores can
            be best; a screen sees the fidelities (:attr:`Breeder.fidelity`).
            Default: all 1.
        cost : array-like of shape (n_individuals,), optional
            Seconds a fit of each took (NaN: unknown), for :attr:`Breeder.costs`.

        Returns
        -------
        record : dict
            ``generation``; ``best_score`` (best first-objective score so
            far); ``mean_score`` and ``std_score`` (of this generation's
            individuals, failures excluded); ``n_evaluated`` and ``n_cached``;
            ``diversity`` (share of distinct genomes among the parents) and
            ``duplicate_rate`` (share of children that duplicated a scored
            individual before being mutated again).
        """
        if self._pending is None:
            raise RuntimeError("tell() called without a preceding ask().")
        scores = np.asarray(scores, dtype=float)
        if scores.ndim == 1 or scores.size == 0:
            scores = (
                scores.reshape(len(scores), -1) if scores.size else scores.reshape(0, 1)
            )
        if len(scores) != len(self._pending):
            raise ValueError(
                f"tell() expects {len(self._pending)} scores, one per individual "
                f"of the last ask(), got {len(scores)}."
            )
        if len(scores):
            if self.n_objectives is None:
                self.n_objectives = scores.shape[1]
            elif scores.shape[1] != self.n_objectives:
                raise ValueError(
                    f"tell() expects {self.n_objectives} objective(s) per individual, "
                    f"got {scores.shape[1]}."
                )
        if fidelity is None:
            fidelity = np.ones(len(scores))
        if cost is None:
            cost = np.full(len(scores), np.nan)
        for ind, row, share, seconds in zip(self._pending, scores, fidelity, cost):
            # a float for one objective, a tuple for several
            key = self.space.key(ind)
            self.cache[key] = float(row[0]) if len(row) == 1 else tuple(map(float, row))
            self._scored[key] = ind.copy()
            self._history.told(key)
            if share < 1:
                self._fidelity[key] = float(share)
            if np.isfinite(seconds):
                self._cost[key] = float(seconds)
        for ind in self._offspring:
            ind.set_score(self.cache[self.space.key(ind)])
        key = self.space.key
        self._update_best([i for i in self._offspring if key(i) not in self._fidelity])
        self.population = self._survivors(self._offspring)

        values = np.array([ind.score for ind in self._offspring])
        finite = values[np.isfinite(values)]
        record = {
            "generation": self.generation,
            "best_score": self.best.score if self.best is not None else math.nan,
            "mean_score": float(finite.mean()) if finite.size else math.nan,
            "std_score": float(finite.std()) if finite.size else math.nan,
            "n_evaluated": len(self._pending),
            "n_cached": len(self._offspring) - len(self._pending),
            "diversity": self._diversity,
            "duplicate_rate": self._duplicate_rate,
        }
        self.generation += 1
        self._offspring = self._pending = None
        return record

    def _update_best(self, individuals):
        for ind in individuals:
            better = self.best is None or ind.score > self.best.score
            if math.isfinite(ind.score) and better:
                self.best = ind.copy_with_score()

    def _survivors(self, offspring):
        if self.scheme == "generational":
            return offspring
        keep_parents = self.scheme != "mu_comma_lambda"
        pool = (self.population if keep_parents else []) + offspring
        chosen = self.selection(pool, self.population_size, rng=self.rng)
        return [ind.copy_with_score() for ind in chosen]

    def best_scored(self, n):
        """The ``n`` best individuals scored at the full resource, best first."""
        full = [k for k in self.cache if k not in self._fidelity]
        scores = np.array([self._first(self.cache[k]) for k in full], dtype=float)
        order = np.argsort(-np.nan_to_num(scores, nan=-np.inf), kind="stable")
        return [self._scored[full[i]] for i in order[:n] if np.isfinite(scores[i])]

    # -- state, for checkpoints -------------------------------------------------

    def get_state(self):
        """Everything needed to resume, without the operators (which may not pickle)."""
        return {
            "generation": self.generation,
            "population": [ind.copy_with_score() for ind in self.population],
            "cache": dict(self.cache),
            "scored": dict(self._scored),
            "fidelity": dict(self._fidelity),
            "cost": dict(self._cost),
            # a checkpoint between the rungs of a generation: asked, not told
            "pending": self._pending,
            "offspring": self._offspring,
            "rng": self.rng.get_state(),
            "best": self.best,
            "n_objectives": self.n_objectives,
            "duplicate_rate": self._duplicate_rate,
            "diversity": self._diversity,
        }

    def set_state(self, state):
        """Restore what :meth:`get_state` returned."""
        self.generation = state["generation"]
        self.population = list(state["population"])
        self.cache = dict(state["cache"])
        self._scored = dict(state["scored"])
        self._history = History(self.cache)
        self._features = np.empty((0, self.space.n_features))
        self._fidelity = dict(state.get("fidelity", {}))
        self._cost = dict(state.get("cost", {}))
        self.rng.set_state(state["rng"])
        self.best = state["best"]
        self.n_objectives = state["n_objectives"]
        self._duplicate_rate = state["duplicate_rate"]
        self._diversity = state["diversity"]
        self._offspring, self._pending = state.get("offspring"), state.get("pending")

    # -- variation ------------------------------------------------------------

    def _initial(self):
        n = self.population_size
        given = [ind.copy() for ind in self.initial[:n]]
        return given + self.space.space_filling(n - len(given), self.rng)

    def _rates(self):
        g = self.generation
        cxpb = rate_at("crossover_proba", self.crossover_proba, g)
        mutpb = rate_at("mutation_proba", self.mutation_proba, g)
        strength = getattr(self.mutation, "strength", DEFAULT_STRENGTH)
        strength = rate_at("mutation strength", strength, g, high=math.inf)
        if getattr(self.mutation, "adaptive", False) and self._duplicate_rate > 0:
            mutpb = min(1.0, mutpb + self._duplicate_rate)
            strength *= 1.0 + self._duplicate_rate
        return cxpb, mutpb, strength

    def _mutate(self, individual, strength):
        if self._pass_strength:
            return self.mutation(
                individual, self.space, rng=self.rng, strength=strength
            )
        return self.mutation(individual, self.space, rng=self.rng)

    def _breed(self, n_children=None):
        """The next generation: elites, then children chosen by the screen if any."""
        cxpb, mutpb, strength = self._rates()
        elites = []
        if self.scheme == "generational":
            pick = select_nsga2 if (self.n_objectives or 1) > 1 else select_best
            elites = [
                ind.copy_with_score() for ind in pick(self.population, self.elitism)
            ]
            n_children = self.population_size - len(elites)
        else:
            n_children = n_children or self.n_offspring
        breeder = Breeder(self, cxpb, mutpb, strength)
        if self.surrogate is None or not self.surrogate.ready(breeder.scores):
            return elites + breeder.children(n_children)
        return elites + list(self.surrogate.propose(n_children, breeder, rng=self.rng))

    def _children(self, n, cxpb, mutpb, strength):
        """``n`` new children: selection, crossover, mutation, then novelty."""
        rng, space = self.rng, self.space
        if self.scheme in ("generational", "steady_state"):
            parents = self.selection(self.population, n, rng=rng)
        else:
            pop = self.population
            parents = [pop[i] for i in rng.randint(len(pop), size=n)]
        children = [p.copy() for p in parents]
        for i in range(1, len(children), 2):
            if rng.uniform() < cxpb:
                self.crossover(children[i - 1], children[i], space, rng=rng)
        for child in children:
            if rng.uniform() < mutpb:
                self._mutate(child, strength)
        key = self.space.key
        seen, duplicates = Seen(self.cache, self.in_flight), 0
        for child in children:
            duplicates += self._make_novel(child, seen, strength, self.max_retries)
        self._diversity = len({key(p) for p in parents}) / max(len(parents), 1)
        self._duplicate_rate = duplicates / max(len(children), 1)
        return children

    def _make_novel(self, child, seen, strength, retries):
        """Mutate ``child`` while its key is in ``seen``, at most ``retries`` times.

        The child's final key is added to ``seen`` (a remaining duplicate costs
        nothing: the cache scores it). Returns whether the child was a
        duplicate before being mutated again.
        """
        key = self.space.key
        k = key(child)
        duplicate = k in seen
        for _ in range(retries):
            if k not in seen:
                break
            self._mutate(child, strength)
            k = key(child)
        seen.add(k)
        return duplicate

    _first = staticmethod(lambda score: score[0] if isinstance(score, tuple) else score)
