"""Surrogate screening and the n_iter budget."""

import math
import random

import numpy as np
import pytest
from conftest import Quadratic

from gahpo import GeneticSearchCV
from gahpo._engine import GeneticEngine
from gahpo._validation import budget
from gahpo.space import Categorical, Integer, LayerSizes, Real, SearchSpace
from gahpo.surrogate import (
    ExtraTreesSurrogate,
    expected_improvement,
    upper_confidence_bound,
)

MIXED = SearchSpace(
    [
        {
            "lr": Real(1e-4, 1e-1, log=True),
            "layers": LayerSizes(1, 3, 8, 128),
            "act": Categorical(["relu", "tanh", "logistic"]),
            "grid": Categorical([1, 10, 100]),
        },
        {"lr": Real(1e-4, 1e-1, log=True), "depth": Integer(1, 20)},
    ]
)


def _objective(ind):
    p = MIXED.decode(ind)
    score = -abs(math.log10(p["lr"]) + 2.5)
    if "layers" in p:
        score -= abs(sum(p["layers"]) - 64) / 64 + (p["act"] != "tanh") * 0.3
    else:
        score -= 0.5 + abs(p["depth"] - 5) / 20
    return score


def _run(seed, surrogate, generations=6, objective=_objective):
    engine = GeneticEngine(MIXED, population_size=12, surrogate=surrogate, rng=seed)
    asked = []
    for _ in range(generations):
        batch = engine.ask()
        asked.append([ind.key for ind in batch])
        engine.tell([objective(ind) for ind in batch])
    return engine, asked


def test_features_have_a_fixed_length_for_every_gene_and_branch():
    rng = np.random.RandomState(0)
    for _ in range(50):
        ind = MIXED.sample(rng)
        row = MIXED.features(ind)
        assert len(row) == MIXED.n_features
        assert all(np.isfinite(row))


def test_tuples_of_numbers_are_described_by_their_shape_not_one_hot():
    layers = [(16,), (64,), (256,), (16, 16), (64, 64), (256, 256), (64, 64, 64)]
    gene = Categorical(layers)
    assert gene.n_features == 5  # depth, log total, one log width per position
    rows = np.array([gene.features(i) for i in range(len(layers))])
    assert rows.shape == (7, 5) and rows.min() >= -1 and rows.max() <= 1

    # nearby shapes are nearer than far ones, which one-hot cannot say
    def dist(a, b):
        return np.abs(rows[a] - rows[b]).sum()

    assert dist(4, 5) < dist(4, 0) and dist(1, 2) < dist(1, 6)
    assert rows[0, 3] == rows[0, 4] == -1  # (16,) has no second or third layer
    # anything else keeps one-hot; a short list of tuples too
    assert Categorical(["a", (1, 2), (3,)]).n_features == 3
    assert Categorical([(1,), (2,), (3, 4)]).n_features == 3


def test_screening_is_deterministic_and_leaves_global_state_alone():
    py, np_state = random.getstate(), np.random.get_state()
    a = _run(3, ExtraTreesSurrogate())[1]
    b = _run(3, ExtraTreesSurrogate())[1]
    assert a == b
    assert random.getstate() == py
    np.testing.assert_array_equal(np.random.get_state()[1], np_state[1])


def test_too_few_points_fall_back_to_the_plain_ga():
    surrogate = ExtraTreesSurrogate(min_points=1000)
    calls = []
    original = surrogate.screen

    def spy(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    surrogate.screen = spy
    engine, asked = _run(0, surrogate, generations=3)
    assert not surrogate.ready([0.0] * 12)
    assert calls == []  # never screened: the plain GA bred every generation
    assert all(len(a) == 11 for a in asked[1:])


def test_screen_keeps_the_most_promising_and_a_random_share():
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(40, 2))
    y = -((X[:, 0] - 0.8) ** 2) - (X[:, 1] - 0.2) ** 2
    pool = rng.uniform(size=(200, 2))
    chosen = ExtraTreesSurrogate(exploration=0.0).screen(pool, 10, X, y, rng=rng)
    assert len(set(chosen)) == 10
    dist = np.hypot(pool[:, 0] - 0.8, pool[:, 1] - 0.2)
    assert np.median(dist[chosen]) < np.percentile(dist, 25)
    mixed = ExtraTreesSurrogate(exploration=0.5).screen(pool, 10, X, y, rng=rng)
    assert len(set(mixed)) == 10


def test_nan_scores_are_handled():
    def flaky(ind):
        return math.nan if MIXED.decode(ind)["lr"] > 0.01 else _objective(ind)

    engine, _ = _run(1, ExtraTreesSurrogate(), objective=flaky)
    assert math.isfinite(engine.best.score)
    assert MIXED.decode(engine.best)["lr"] <= 0.01


def test_surrogate_beats_the_plain_ga_on_average():
    plain = np.mean([_run(s, None)[0].best.score for s in range(12)])
    screened = np.mean(
        [_run(s, ExtraTreesSurrogate())[0].best.score for s in range(12)]
    )
    assert screened > plain


def test_expected_improvement():
    ei = expected_improvement(
        np.array([0.0, 1.0, 1.0]), np.array([0.0, 0.0, 1.0]), best=0.5
    )
    assert ei[0] == 0.0 and ei[1] == pytest.approx(0.5) and ei[2] > ei[1]


# -- the budget ----------------------------------------------------------------------


@pytest.mark.parametrize("n, population", [(30, 6), (60, 6), (120, 9)])
def test_n_iter_derives_population_and_caps_fits(fit_log, n, population):
    search = GeneticSearchCV(
        Quadratic(),
        {"a": Real(1e-2, 1e2, log=True), "b": Real(0, 1), "d": Integer(0, 20)},
        n_iter=n,
        cv=2,
        refit=False,
        random_state=0,
    )
    search.fit(np.zeros((6, 1)), np.zeros(6))
    assert len(search.cv_results_["params"]) == n
    assert len(fit_log) == 2 * n
    assert search.history_[0]["n_evaluated"] == population


def test_budget_rule():
    rule = [budget(n, None, None) for n in (8, 30, 60, 120, 441, 1127, 1128)]
    assert rule == [(6, 5), (6, 11), (6, 21), (9, 29), (16, 57), (24, 95), (25, 93)]
    assert budget(50, 7, None) == (7, 17)  # generations left to derive: a cap
    assert budget(50, 7, 3) == (7, 3)
    assert budget(None, None, None) == (25, 25)  # the study's
    # an explicit 25 is kept, not mistaken for "left at its default"
    assert budget(60, 25, 25) == (25, 25)


def test_explicit_25_is_not_overridden_by_the_budget(fit_log):
    search = GeneticSearchCV(
        Quadratic(),
        {"a": Real(1e-2, 1e2, log=True), "b": Real(0, 1)},
        n_iter=30,
        population_size=25,
        cv=2,
        refit=False,
        random_state=0,
    ).fit(np.zeros((6, 1)), np.zeros(6))
    assert search.history_[0]["n_evaluated"] == 25


def test_an_explicit_population_still_spends_the_whole_budget(fit_log):
    search = GeneticSearchCV(
        Quadratic(),
        {"a": Real(1e-2, 1e2, log=True), "b": Real(0, 1), "d": Integer(0, 20)},
        n_iter=300,
        population_size=10,
        cv=2,
        refit=False,
        random_state=0,
    ).fit(np.zeros((6, 1)), np.zeros(6))
    assert len(search.cv_results_["params"]) == 300


def test_surrogate_parameter_is_validated():
    with pytest.raises(ValueError, match="surrogate"):
        GeneticSearchCV(Quadratic(), {"a": Real(1, 10)}, surrogate="forest").fit(
            np.zeros((6, 1)), np.zeros(6)
        )


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"acquisition": "pi"}, ValueError, "`acquisition` must be one of"),
        ({"kappa": -1.0}, ValueError, "`kappa` must be >= 0"),
        ({"kappa": "big"}, TypeError, "`kappa` must be a number"),
        ({"exploration": 1.5}, ValueError, r"`exploration` must be in \[0, 1\]"),
        ({"local": -0.1}, ValueError, r"`local` must be in \[0, 1\]"),
        ({"surplus": 2.5}, TypeError, "`surplus` must be an int"),
        ({"min_points": 0}, ValueError, "`min_points` must be >= 1"),
    ],
)
def test_surrogate_settings_are_checked_before_any_fit(fit_log, params, error, match):
    search = GeneticSearchCV(
        Quadratic(), {"a": Real(1, 10)}, surrogate=ExtraTreesSurrogate(**params), cv=2
    )
    with pytest.raises(error, match=match):
        search.fit(np.zeros((6, 1)), np.zeros(6))
    assert fit_log == []


def test_upper_confidence_bound_is_the_default_acquisition():
    # one scored plateau, and two unscored candidates: one the trees agree
    # is on the plateau, one they disagree about, predicted lower on average
    X = np.array([[0.0], [0.1], [0.2], [0.3], [0.9], [1.0]] * 2)
    y = np.array([1.0, 1.0, 1.0, 1.0, 0.0, 0.2] * 2)
    pool = np.array([[0.15], [0.6]])
    picked = {}
    for acquisition, params in (("ucb", {}), ("ei", {"acquisition": "ei"})):
        surrogate = ExtraTreesSurrogate(exploration=0.0, min_points=4, **params)
        picked[acquisition] = surrogate.screen(
            pool, 1, X, y, rng=np.random.RandomState(0)
        )
    # on a plateau the expected improvement over the tied best is zero where the
    # trees agree, so it prefers the uncertain point; the bound, the plateau
    assert picked["ucb"] == [0]
    assert picked["ei"] == [1]
    np.testing.assert_allclose(
        upper_confidence_bound(np.array([0.5, 0.9]), np.array([0.2, 0.0]), kappa=1.0),
        [0.7, 0.9],
    )


def _local_children(engine, n, strength):
    """The screen's local children, as ExtraTreesSurrogate.propose breeds them."""
    from gahpo._engine import Breeder

    screen = engine.surrogate
    breeder = Breeder(engine, 0.8, 0.2, strength)
    parents = screen.local_parents(breeder.scored, breeder.scores, rng=engine.rng)
    return breeder.mutants(parents, n, screen.local_strength)


def test_local_children_mutate_the_three_best_at_half_strength():
    from gahpo.operators import mutate_genewise

    LOCAL_TOP = ExtraTreesSurrogate.local_top
    LOCAL_STRENGTH = ExtraTreesSurrogate.local_strength

    calls = []

    def recording_mutation(individual, space, *, rng, strength=0.2):
        calls.append((space.key(individual), strength))
        return mutate_genewise(individual, space, rng=rng, strength=strength)

    space = SearchSpace({"a": Integer(0, 10_000), "b": Real(0, 1)})
    engine = GeneticEngine(
        space,
        population_size=10,
        mutation=recording_mutation,
        rng=0,
        surrogate=ExtraTreesSurrogate(local=1.0),
    )
    for _ in range(3):
        batch = engine.ask()
        engine.tell(
            [
                -abs(space.decode(ind)["a"] - 5_000) - space.decode(ind)["b"]
                for ind in batch
            ]
        )  # no ties among the best
    keys = list(engine.cache)
    y = np.array([engine.cache[k] for k in keys])
    top = {keys[i] for i in np.argsort(-y)[:LOCAL_TOP]}
    calls.clear()
    children = _local_children(engine, 12, 0.2)
    assert len(children) == 12
    assert {space.key(c) for c in children}.isdisjoint(engine.cache)  # all new
    first = [key for key, _ in calls if key in top]
    assert set(first) == top  # each of the three best was mutated...
    assert {s for _, s in calls} == {0.2 * LOCAL_STRENGTH}  # ...at half strength


def test_local_children_spread_over_every_candidate_tied_with_the_best():
    from gahpo.operators import mutate_genewise

    parents = []

    def recording_mutation(individual, space, *, rng, strength=0.2):
        parents.append(space.key(individual))
        return mutate_genewise(individual, space, rng=rng, strength=strength)

    space = SearchSpace({"a": Integer(0, 99)})
    engine = GeneticEngine(
        space,
        population_size=20,
        mutation=recording_mutation,
        rng=0,
        surrogate=ExtraTreesSurrogate(local=1.0),
    )
    batch = engine.ask()
    # a plateau: every a >= 50 scores the same best value
    engine.tell([min(space.decode(ind)["a"], 50) for ind in batch])
    plateau = {k for k, v in engine.cache.items() if v == 50}
    assert len(plateau) > 3
    parents.clear()
    _local_children(engine, 4 * len(plateau), 0.2)
    assert plateau <= set(parents)  # not only the three found first


def test_screening_spends_the_generation_on_new_candidates():
    space = {"a": [1.0, 10.0], "b": [0.1, 0.3, 0.5], "c": ["x", "y"], "d": [3, 7]}
    search = GeneticSearchCV(
        Quadratic(),
        space,
        cv=2,
        population_size=8,
        generations=5,
        refit=False,
        random_state=0,
    ).fit(np.zeros((6, 1)), np.zeros(6))
    evaluated = [record["n_evaluated"] for record in search.history_]
    # 24 configurations; the surrogate never picks a scored child over a new one
    assert sum(evaluated) == 24
    assert evaluated[1] == evaluated[2] == 7  # population 8 minus the elite


def test_any_screen_with_ready_and_propose_replaces_the_default(fit_log):
    class FirstChildren:
        """Keep the first k children of a plain pool: the protocol, nothing more."""

        def __init__(self):
            self.calls = 0

        def ready(self, scores):
            return len(scores) >= 4

        def propose(self, k, breeder, *, rng):
            self.calls += 1
            new, known = breeder.split_new(breeder.children(2 * k))
            return (new + known)[:k]

    screen = FirstChildren()
    search = GeneticSearchCV(
        Quadratic(),
        {"a": Real(1e-2, 1e2, log=True), "b": Real(0, 1)},
        population_size=5,
        generations=3,
        surrogate=screen,
        cv=2,
        refit=False,
        random_state=0,
    ).fit(np.zeros((6, 1)), np.zeros(6))
    assert screen.calls == 2
    assert len(search.cv_results_["params"]) > 5


def test_an_object_without_propose_is_refused_before_any_fit(fit_log):
    class OldStyle:
        def ready(self, scores):
            return True

        def screen(self, X_pool, k, X, y, *, rng):
            return list(range(k))

    with pytest.raises(ValueError, match="surrogate"):
        GeneticSearchCV(Quadratic(), {"a": Real(1, 10)}, surrogate=OldStyle()).fit(
            np.zeros((6, 1)), np.zeros(6)
        )
    assert fit_log == []


def test_the_model_is_fitted_on_at_most_max_points():
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(500, 2))
    y = -((X - 0.5) ** 2).sum(axis=1)
    y[:20] = np.nan  # failures are kept among "the rest"
    surrogate = ExtraTreesSurrogate(max_points=100, exploration=0.0)
    filled = np.where(np.isnan(y), np.nanmin(y), y)
    keep = surrogate._bounded(filled, rng)
    Xb, yb = X[keep], filled[keep]
    assert Xb.shape == (100, 2) and yb.shape == (100,)
    best_half = np.sort(np.where(np.isnan(y), -np.inf, y))[-50:]
    assert np.all(np.isin(best_half, yb))  # the best half is always there
    pool = rng.uniform(size=(60, 2))
    keep = surrogate.screen(pool, 5, X, y, rng=np.random.RandomState(1))
    assert len(set(keep)) == 5
    # the cap only draws from rng when there are more points than it
    small = ExtraTreesSurrogate(max_points=1000, exploration=0.0)
    a = small.screen(pool, 5, X, y, rng=np.random.RandomState(1))
    state = np.random.RandomState(1)
    b = ExtraTreesSurrogate(max_points=500, exploration=0.0).screen(
        pool, 5, X, y, rng=state
    )
    assert a == b


def test_scored_features_are_computed_once_per_candidate():
    from collections import Counter

    calls = Counter()
    space = SearchSpace({"a": Integer(0, 1000), "b": Real(0, 1)})
    original = space.features

    def counting(ind):
        calls[space.key(ind)] += 1
        return original(ind)

    space.features = counting
    engine = GeneticEngine(
        space, population_size=10, rng=0, surrogate=ExtraTreesSurrogate(min_points=5)
    )
    for _ in range(6):
        batch = engine.ask()
        engine.tell([space.decode(i)["b"] for i in batch])
    first = list(engine.cache)[:10]  # scored in generation 0, screened on 5 times
    # once as a member of the model's data (and at most once as a pool child)
    assert max(calls[key] for key in first) == 1
    assert max(calls[key] for key in engine.cache) <= 2


def test_a_time_budget_ranks_children_by_gain_per_second():
    # the score rises slowly with x, the fit time steeply: per second, the
    # cheap children win; without a cost, the high-x ones do
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(60, 1))
    y = 0.9 + 0.01 * X[:, 0]
    cost = np.exp(6 * X[:, 0])
    pool = np.linspace(0, 1, 40).reshape(-1, 1)
    surrogate = ExtraTreesSurrogate(exploration=0.0)
    plain = surrogate.screen(pool, 5, X, y, rng=np.random.RandomState(1))
    timed = surrogate.screen(pool, 5, X, y, rng=np.random.RandomState(1), cost=cost)
    assert pool[plain].mean() > 0.8
    assert pool[timed].mean() < pool[plain].mean() - 0.2
    with pytest.raises(ValueError, match="cost_exponent"):
        ExtraTreesSurrogate(cost_exponent=-1).check_params()


def test_the_engine_keeps_fit_times_for_the_screen_and_the_checkpoint():
    from gahpo._engine import Breeder, GeneticEngine
    from gahpo.space import SearchSpace

    space = SearchSpace({"x": Real(0, 1)})
    engine = GeneticEngine(space, population_size=4, rng=0)
    batch = engine.ask()
    engine.tell([0.5] * len(batch), cost=[1.0, 2.0, np.nan, 4.0][: len(batch)])
    engine.time_left = 30.0
    breeder = Breeder(engine, 0.8, 0.2, 0.2)
    np.testing.assert_array_equal(breeder.costs[:2], [1.0, 2.0])
    assert np.isnan(breeder.costs[2]) and breeder.time_left == 30.0
    copy = GeneticEngine(space, population_size=4, rng=0)
    copy.set_state(engine.get_state())
    assert copy._cost == engine._cost


def test_cost_exponent_none_weighs_fit_times_only_under_a_time_budget():
    auto = ExtraTreesSurrogate()
    assert auto._cost_exponent(time_left=None) == 0.0
    assert auto._cost_exponent(time_left=30.0) == 1.0
    always = ExtraTreesSurrogate(cost_exponent=0.5)
    assert always._cost_exponent(None) == always._cost_exponent(30.0) == 0.5
    assert ExtraTreesSurrogate(cost_exponent=0)._cost_exponent(30.0) == 0
    for bad in (-1, "fast", True):
        with pytest.raises(ValueError, match="cost_exponent"):
            ExtraTreesSurrogate(cost_exponent=bad).check_params()


def test_beyond_max_points_the_model_is_refitted_only_as_the_history_grows():
    rng = np.random.RandomState(0)
    X, y = rng.uniform(size=(40, 3)), rng.uniform(size=40)
    pool = rng.uniform(size=(30, 3))
    screen = ExtraTreesSurrogate(max_points=20, min_points=5, refit_growth=0.1)
    memo = {}

    def model_after(n):
        screen.screen(pool, 5, X[:n], y[:n], rng=rng, memo=memo)
        return memo["score"][2]

    below = [model_after(15), model_after(16)]
    assert below[0] is not below[1]  # at most max_points: refitted every time
    first = model_after(21)
    assert model_after(22) is first  # 22 < 21 * 1.1: the same model serves
    assert model_after(24) is not first  # grown by 10 %: refitted
    refit_always = ExtraTreesSurrogate(max_points=20, min_points=5, refit_growth=0)
    memo.clear()
    refit_always.screen(pool, 5, X[:21], y[:21], rng=rng, memo=memo)
    first = memo["score"][2]
    refit_always.screen(pool, 5, X[:22], y[:22], rng=rng, memo=memo)
    assert memo["score"][2] is not first
    with pytest.raises(ValueError, match="refit_growth"):
        ExtraTreesSurrogate(refit_growth=-1).check_params()


def test_a_long_search_keeps_its_models_in_the_engine(fit_log):
    space = SearchSpace({"x": Real(-5, 5), "y": Real(-5, 5)})
    screen = ExtraTreesSurrogate(max_points=30, min_points=5)
    engine = GeneticEngine(space, population_size=10, surrogate=screen, rng=0)
    fitted = []
    for _ in range(16):
        batch = engine.ask()
        engine.tell([-sum(v**2 for v in space.decode(i).values()) for i in batch])
        if "score" in engine._memo:
            fitted.append(engine._memo["score"][0])
    # refitted at 30 and fewer; beyond, only when grown by 10 %
    beyond = sorted(set(n for n in fitted if n > 30))
    assert all(b >= a * 1.1 for a, b in zip(beyond, beyond[1:]))
    assert len(set(fitted)) < len(fitted)


@pytest.mark.parametrize("n, d", [(12, 2), (300, 6)])
def test_extra_trees_are_the_ensembles_trees(n, d):
    # grown without ExtraTreesRegressor's wrapper, for speed: the same trees
    from sklearn.ensemble import ExtraTreesRegressor

    from gahpo.surrogate import ExtraTrees

    rng = np.random.RandomState(n)
    X, y, X_new = rng.rand(n, d), rng.rand(n), rng.rand(50, d)
    X[:, 0] = np.round(X[:, 0] * 3)  # ties, as integer genes make
    forest = ExtraTreesRegressor(n_estimators=16, random_state=7, n_jobs=1).fit(X, y)
    trees = ExtraTrees(16, 7).fit(X, y)
    X32 = X_new.astype(np.float32)
    expected = np.stack([t.predict(X32) for t in forest.estimators_])
    np.testing.assert_array_equal(trees.per_tree(X_new), expected)
    np.testing.assert_array_equal(trees.predict(X_new), forest.predict(X_new))
