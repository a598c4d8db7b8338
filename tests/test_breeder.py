"""The engine's record as a screen sees it, kept in step incrementally.

:class:`gahpo._breeder.History` replaces arrays rebuilt from the engine's
dictionaries in every generation; these tests rebuild them the old way and
compare, through re-scoring at a higher fidelity and a resume.
"""

import math

import numpy as np
import pytest

from gahpo._breeder import Breeder
from gahpo._engine import GeneticEngine
from gahpo._steady import SteadyStateEngine
from gahpo.operators import select_best
from gahpo.space import Categorical, Integer, Real, SearchSpace

SPACE = {"x": Real(-5, 5), "n": Integer(1, 20), "c": Categorical(["a", "b", "c"])}


def rebuilt(engine):
    """The screen's arrays as they were built before: from the dictionaries."""
    keys = list(engine.cache)
    return (
        [engine._scored[k] for k in keys],
        np.array([engine._first(engine.cache[k]) for k in keys]),
        np.array([engine._fidelity.get(k, 1.0) for k in keys]),
        np.array([engine._cost.get(k, np.nan) for k in keys]),
    )


def assert_same(engine):
    breeder = Breeder(engine, 0.8, 0.2, 0.2)
    scored, scores, fidelity, costs = rebuilt(engine)
    assert [engine.space.key(i) for i in breeder.scored] == [
        engine.space.key(i) for i in scored
    ]
    np.testing.assert_array_equal(breeder.scores, scores)
    np.testing.assert_array_equal(breeder.fidelity, fidelity)
    np.testing.assert_array_equal(breeder.costs, costs)


def score_of(space, ind):
    params = space.decode(ind)
    return -((params["x"] - 1) ** 2) - params["n"] / 20


def test_generational_history_follows_every_tell_and_a_resume():
    space = SearchSpace(SPACE)
    engine = GeneticEngine(space, population_size=10, rng=0)
    for generation in range(8):  # past the history's first 64 rows
        batch = engine.ask()
        scores = [score_of(space, i) for i in batch]
        scores[0] = math.nan  # a failure
        share = np.where(np.arange(len(batch)) % 3 == 0, 1 / 3, 1.0)
        engine.tell(scores, fidelity=share, cost=np.arange(len(batch)) / 10)
        assert_same(engine)
    resumed = GeneticEngine(space, population_size=10, rng=1)
    resumed.set_state(engine.get_state())
    assert_same(resumed)
    resumed.tell([score_of(space, i) for i in resumed.ask()])
    assert_same(resumed)


def test_steady_state_history_rewrites_a_score_told_again():
    space = SearchSpace(SPACE)
    engine = SteadyStateEngine(space, population_size=6, batch_size=4, rng=0)
    low = []
    for _ in range(6):
        for ind in engine.ask():
            engine.tell_one(ind, score_of(space, ind) - 1, fidelity=0.25, cost=0.1)
            low.append(ind)
        assert_same(engine)
    for ind in low[::3]:  # promoted: the full-resource score replaces the low one
        engine.tell_one(ind, score_of(space, ind), fidelity=1.0, cost=0.4)
    assert_same(engine)
    promoted = Breeder(engine, 0.8, 0.2, 0.2)
    assert (promoted.fidelity == 1.0).sum() == len(low[::3])


@pytest.mark.parametrize("parents", ["dispatched", "scored"])
def test_steady_state_best_equals_ranking_every_candidate(parents):
    """The n best from the arrays are those of a stable sort of all, in-flight too."""
    space = SearchSpace(SPACE)
    engine = SteadyStateEngine(
        space, population_size=8, batch_size=8, parents=parents, rng=0
    )
    rng = np.random.RandomState(0)
    for _ in range(5):
        for ind in engine.ask():
            score = float(rng.choice([0.1, 0.2, 0.3, math.nan]))  # ties, failures
            engine.tell_one(ind, score)
    engine.ask()  # a batch in flight, ranked at the best score so far
    everyone = []
    for k, value in engine.cache.items():
        ind = engine._scored[k].copy()
        ind.set_score(value)
        everyone.append(ind)
    if parents == "dispatched":
        for ind in engine.in_flight.values():
            ind = ind.copy()
            ind.set_score(0.3)
            everyone.append(ind)
    for n in (1, 5, 8, 30):
        expected = select_best(everyone, min(n, len(everyone)))
        got = engine._best(n)
        assert [space.key(i) for i in got] == [space.key(i) for i in expected]
        assert [i.score for i in got] == [i.score for i in expected]
