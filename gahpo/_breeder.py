"""What a screen sees of the engine: its history as arrays, and its breeding.

The engine keeps its record in dictionaries keyed by candidate (``cache``,
``_scored``, ``_fidelity``, ``_cost``). Forming a generation needs that
record as arrays in the order scored, and asks whether a child was seen
before. Rebuilding the arrays, or a set of every key, in each generation
costs time in proportion to the whole history, so a search of 10,000
candidates spent most of its engine time there (``benchmarks/engine.py``).
:class:`History` keeps the arrays in step as scores are told, and
:class:`Seen` answers "seen before?" from the dictionaries themselves.
"""

import numpy as np

__all__ = ["Breeder", "History", "Seen"]


class Seen:
    """Keys in any of ``maps`` or added here: a set's ``in`` and ``add``, no copy.

    Examples
    --------
    >>> scored, in_flight = {"a": 1}, {"b": 2}
    >>> seen = Seen(scored, in_flight)
    >>> seen.add("c")
    >>> [k in seen for k in "abcd"]
    [True, True, True, False]
    """

    __slots__ = ("_added", "_maps")

    def __init__(self, *maps):
        self._maps, self._added = maps, set()

    def __contains__(self, key):
        return key in self._added or any(key in m for m in self._maps)

    def add(self, key):
        self._added.add(key)


class History:
    """The engine's scored candidates as rows, in the order first scored.

    The engine calls :meth:`told` with each key it records; :meth:`sync`
    appends the new keys' rows and rewrites those told again (a score
    replaced at a higher fidelity), reading the engine's dictionaries.
    """

    def __init__(self, keys=()):
        self.keys, self.scored, self._row = [], [], {}
        self._columns = np.empty((3, 64))  # first-objective score, fidelity, cost
        self._told = dict.fromkeys(keys)  # keys to (re)read, in order

    def told(self, key):
        self._told[key] = None

    def sync(self, engine):
        """``(scored, scores, fidelity, costs)``, up to date; arrays are copies."""
        first, fidelity, cost = engine._first, engine._fidelity, engine._cost
        for key in self._told:
            row = self._row.get(key)
            if row is None:
                row = self._row[key] = len(self.keys)
                self.keys.append(key)
                self.scored.append(engine._scored[key])
                if row == self._columns.shape[1]:
                    self._columns = np.hstack([self._columns, self._columns])
            self._columns[:, row] = (
                first(engine.cache[key]),
                fidelity.get(key, 1.0),
                cost.get(key, np.nan),
            )
        self._told.clear()
        columns = self._columns[:, : len(self.keys)].copy()
        return list(self.scored), columns[0], columns[1], columns[2]


class Breeder:
    """What a screen may ask of the engine while it forms one generation.

    A :class:`~gahpo.surrogate.Screen` is handed one per generation, with the
    generation's rates bound: it breeds a pool of children, asks for mutants
    of chosen parents, and reads the scored candidates as features and
    scores. Every draw uses the engine's ``rng``, so screening is
    reproducible.

    Attributes
    ----------
    scored : list of Individual
        Every distinct candidate scored so far, in the order scored.
    scores : ndarray of shape (n_scored,)
        Their (first-objective) scores, NaN for failures.
    fidelity : ndarray of shape (n_scored,)
        The share of the full resource each score was measured with (1
        without multi-fidelity).
    costs, time_left, memo : ndarray of shape (n_scored,), float or None, dict
        Seconds a fit of each took (NaN: unknown); seconds left (``max_time``);
        what a screen keeps from generation to generation (its models).
    """

    def __init__(self, engine, cxpb, mutpb, strength):
        self._engine = engine
        self._rates = cxpb, mutpb, strength
        self.scored, self.scores, self.fidelity, self.costs = engine._history.sync(
            engine
        )
        self.time_left = engine.time_left
        self.memo = engine._memo

    def children(self, n):
        """``n`` children bred by selection, crossover and mutation, made new."""
        return self._engine._children(n, *self._rates)

    def mutants(self, parents, n, scale):
        """``n`` mutants of ``parents`` (in turn) at ``scale`` times the strength.

        Each is mutated once, then again while it equals a scored candidate
        or an earlier mutant.
        """
        engine, strength = self._engine, self._rates[2] * scale
        seen, children = Seen(engine.cache, engine.in_flight), []
        for j in range(n):
            child = parents[j % len(parents)].copy()
            engine._mutate(child, strength)  # always, then novelty
            engine._make_novel(child, seen, strength, engine.max_retries - 1)
            children.append(child)
        return children

    def split_new(self, individuals):
        """``(new, known)``: distinct individuals never asked for, and the others."""
        engine, key = self._engine, self._engine.space.key
        distinct = {key(ind): ind for ind in individuals}
        scored, in_flight = engine.cache, engine.in_flight
        new = [i for k, i in distinct.items() if k not in scored and k not in in_flight]
        known = [i for k, i in distinct.items() if k in scored]
        return new, known

    def features(self, individuals):
        """Encoded features (:meth:`SearchSpace.features`), one row each."""
        space = self._engine.space
        rows = [space.features(ind) for ind in individuals]
        return np.array(rows, dtype=float).reshape(len(rows), space.n_features)

    def scored_features(self):
        """The features of :attr:`scored`, row for row, each computed once."""
        engine = self._engine
        known = len(engine._features)
        if known < len(self.scored):
            new = self.features(self.scored[known:])
            engine._features = np.vstack([engine._features, new])
        return engine._features
