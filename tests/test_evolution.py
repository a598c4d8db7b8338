"""Pluggable evolution: operators, schemes, schedules, multi-objective, warm start."""

import functools
import math

import numpy as np
import pytest
from deap import tools
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.tree import DecisionTreeClassifier

from gahpo import GeneticSearchCV
from gahpo._engine import GeneticEngine
from gahpo._objectives import pareto_front
from gahpo.operators import (
    GeneWise,
    Tournament,
    crossover_blend,
    crossover_one_point,
    crossover_two_point,
    select_best,
    select_nsga2,
    select_roulette,
)
from gahpo.schedules import Constant, ExponentialDecay, Linear, rate_at
from gahpo.schemes import MuCommaLambda, MuPlusLambda
from gahpo.space import Categorical, Individual, Integer, LayerSizes, Real, SearchSpace

TREE_SPACE = {
    "max_depth": Integer(1, 12),
    "min_samples_leaf": Integer(1, 30, log=True),
    "max_features": Real(0.2, 1.0),
    "criterion": ["gini", "entropy"],
}


def _tree_search(**kw):
    params = dict(population_size=6, generations=3, random_state=0, cv=3)
    params.update(kw)
    return GeneticSearchCV(DecisionTreeClassifier(random_state=0), TREE_SPACE, **params)


# -- every operator and scheme runs end to end -------------------------------------


@pytest.mark.parametrize("selection", ["tournament", "best", "roulette", "nsga2"])
@pytest.mark.parametrize("crossover", ["uniform", "one_point", "two_point", "blend"])
def test_operators_end_to_end(small_classification, selection, crossover):
    search = _tree_search(selection=selection, crossover=crossover).fit(
        *small_classification
    )
    assert search.n_generations_ == 3
    assert len(search.cv_results_["params"]) > 6
    best = [r["best_score"] for r in search.history_]
    assert best == sorted(best)


@pytest.mark.parametrize(
    "kw",
    [
        {"scheme": "generational", "elitism": 2},
        {"scheme": "mu_plus_lambda", "selection": "best"},
        {"scheme": MuPlusLambda(n_offspring=9)},
        {"scheme": MuCommaLambda(n_offspring=8)},
    ],
)
def test_schemes_end_to_end(small_classification, kw):
    search = _tree_search(**kw).fit(*small_classification)
    n_children = getattr(kw["scheme"], "n_offspring", None) or 6
    for record in search.history_[1:]:
        assert record["n_evaluated"] + record["n_cached"] == n_children


def test_mu_plus_lambda_with_best_never_loses_the_best():
    space = SearchSpace({"x": Real(-5, 5), "y": Real(-5, 5)})
    engine = GeneticEngine(
        space, population_size=6, scheme="mu_plus_lambda", selection=select_best, rng=0
    )
    for _ in range(8):
        batch = engine.ask()
        engine.tell(
            [-(space.decode(i)["x"] ** 2 + space.decode(i)["y"] ** 2) for i in batch]
        )
        assert max(i.score for i in engine.population) == engine.best.score


def test_a_wrapped_deap_operator_and_a_partial_work(small_classification):
    def select_deap_best(individuals, k, *, rng):
        return tools.selBest(individuals, k)

    search = _tree_search(
        selection=select_deap_best,
        crossover=functools.partial(crossover_blend, alpha=0.2),
    ).fit(*small_classification)
    assert search.n_generations_ == 3


@pytest.mark.parametrize(
    "kw, error, match",
    [
        ({"scheme": "steady"}, ValueError, "scheme"),
        ({"crossover": "three_point"}, ValueError, "crossover"),
        (
            {"crossover": lambda a, b: (a, b)},
            TypeError,
            r"crossover\(ind1, ind2, space",
        ),
        ({"scheme": MuCommaLambda(n_offspring=3)}, ValueError, "n_offspring"),
        (
            {"mutation_proba": lambda g: 2.0},
            ValueError,
            r"mutation_proba.*\[0.0, 1.0\]",
        ),
        ({"crossover_proba": lambda g: "high"}, ValueError, "crossover_proba"),
        ({"mutation": GeneWise(strength=lambda g: -1.0)}, ValueError, "strength"),
        ({"selection": "tournament_of_9"}, ValueError, "selection"),
        ({"objectives": ["accuracy"]}, ValueError, "objectives.*accuracy"),
        ({"objectives": {"score": "up"}}, ValueError, "maximize"),
        ({"objectives": []}, ValueError, "objectives"),
        ({"initial_params": [{"max_depth": 99}]}, ValueError, r"initial_params\[0\]"),
    ],
)
def test_bad_evolution_settings_fail_at_fit_start(
    small_classification, kw, error, match
):
    with pytest.raises(error, match=match):
        _tree_search(**kw).fit(*small_classification)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: GeneWise(strength=0), "GeneWise: `strength` must be a number > 0"),
        (lambda: GeneWise(adaptive="yes"), "GeneWise: `adaptive` must be a bool"),
        (lambda: GeneWise(gene_proba=1.5), r"GeneWise: `gene_proba` .*\(0, 1\]"),
        (lambda: Tournament(size=0), "Tournament: `size` must be an integer >= 1"),
        (lambda: MuPlusLambda(n_offspring=0), "MuPlusLambda: `n_offspring`"),
    ],
)
def test_parts_validate_their_own_settings(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


def test_parts_given_by_name_are_the_parts_defaults(small_classification):
    by_name = _tree_search(
        selection="tournament", mutation="genewise", scheme="mu_plus_lambda"
    ).fit(*small_classification)
    by_part = _tree_search(
        selection=Tournament(size=3), mutation=GeneWise(), scheme=MuPlusLambda()
    ).fit(*small_classification)
    assert by_name.cv_results_["params"] == by_part.cv_results_["params"]
    greedier = _tree_search(selection=Tournament(size=6)).fit(*small_classification)
    assert greedier.cv_results_["params"] != by_name.cv_results_["params"]


# -- schedules and adaptive mutation ---------------------------------------------------


def test_schedules():
    assert Constant(0.3)(7) == 0.3
    lin = Linear(0.6, 0.2, generations=4)
    assert [round(lin(g), 2) for g in range(6)] == [0.6, 0.5, 0.4, 0.3, 0.2, 0.2]
    exp = ExponentialDecay(0.4, 0.5, minimum=0.1)
    assert [exp(g) for g in range(4)] == [0.4, 0.2, 0.1, 0.1]
    assert rate_at("mutation_proba", lin, 2) == pytest.approx(0.4)
    with pytest.raises(ValueError, match="mutation_proba.*got 1.5 at generation 3"):
        rate_at("mutation_proba", lambda g: 1.5, 3)


def test_schedules_drive_the_search(small_classification):
    seen = []

    def proba(generation):
        seen.append(generation)
        return 0.5

    search = _tree_search(
        mutation_proba=proba, mutation=GeneWise(strength=ExponentialDecay(0.3, 0.8))
    )
    search.fit(*small_classification)
    assert {1, 2} <= set(seen)


def test_adaptive_mutation_raises_rates_when_children_duplicate():
    space = SearchSpace({"a": [0, 1, 2], "b": [0, 1]})  # six genomes: duplicates soon
    engine = GeneticEngine(
        space,
        population_size=4,
        rng=0,
        mutation_proba=0.1,
        mutation=GeneWise(strength=0.2, adaptive=True),
    )
    rates = []
    for _ in range(4):
        batch = engine.ask()
        engine.tell([float(sum(i)) for i in batch])
        rates.append((engine._duplicate_rate, *engine._rates()[1:]))
    raised = [(m, s) for d, m, s in rates if d > 0]
    assert raised, rates
    for d, m, s in rates:
        assert m == pytest.approx(min(1.0, 0.1 + d)) and s == pytest.approx(
            0.2 * (1 + d)
        )


def test_history_records_diversity(small_classification):
    search = _tree_search().fit(*small_classification)
    for record in search.history_:
        assert 0 < record["diversity"] <= 1 and 0 <= record["duplicate_rate"] <= 1


# -- multi-objective -------------------------------------------------------------------


def _dominates(a, b):
    return all(x >= y for x, y in zip(a, b)) and any(x > y for x, y in zip(a, b))


def test_nsga2_front_on_a_two_objective_toy_problem():
    # maximize -(x^2) and -((x-2)^2): the Pareto set is 0 <= x <= 2
    space = SearchSpace({"x": Real(-5, 5), "y": Real(0, 1)})
    engine = GeneticEngine(
        space,
        population_size=12,
        scheme="mu_plus_lambda",
        selection=select_nsga2,
        rng=1,
    )
    evaluated = []
    for _ in range(10):
        batch = engine.ask()
        rows = [
            (-(space.decode(i)["x"] ** 2), -((space.decode(i)["x"] - 2) ** 2))
            for i in batch
        ]
        evaluated.extend(rows)
        engine.tell(rows)
    keys = list(engine.cache)
    on_front = pareto_front([engine.cache[k] for k in keys])
    front = [engine.cache[keys[i]] for i in on_front]
    assert len(front) >= 5
    for f in front:
        assert not any(_dominates(e, f) for e in evaluated)
    xs = [space.decode(engine._scored[keys[i]])["x"] for i in on_front]
    assert -0.5 <= min(xs) and max(xs) <= 2.5  # near the Pareto set [0, 2]


def test_pareto_front_of_accuracy_and_fit_time(small_classification):
    X, y = small_classification
    search = _tree_search(
        scoring={"accuracy": "accuracy", "balanced": "balanced_accuracy"},
        refit="accuracy",
        objectives=["accuracy", "fit_time"],
        scheme="mu_plus_lambda",
    ).fit(X, y)
    res = search.cv_results_
    points = np.column_stack([res["mean_test_accuracy"], -res["mean_fit_time"]])
    front = search.pareto_front_
    assert len(front) >= 1
    for i in front:
        assert not any(_dominates(points[j], points[i]) for j in range(len(points)))
    for j in set(range(len(points))) - set(front):
        assert any(_dominates(points[i], points[j]) for i in front) or any(
            np.array_equal(points[i], points[j]) for i in front
        )
    assert search.best_index_ == int(np.argmax(res["mean_test_accuracy"]))
    assert search.best_estimator_ is not None


def test_warm_start_places_configurations_in_the_first_population(small_classification):
    good = [
        {
            "max_depth": 3,
            "min_samples_leaf": 5,
            "max_features": 0.5,
            "criterion": "gini",
        }
    ]
    search = _tree_search(initial_params=good, generations=1).fit(*small_classification)
    assert good[0] in search.cv_results_["params"]


# -- property tests of the new operators -----------------------------------------------

SPACE = SearchSpace(
    {
        "i": Integer(1, 50, log=True),
        "r": Real(-3.0, 7.0),
        "c": Categorical([0.1, 1.0, 10.0, 100.0]),
        "s": Categorical(["a", "b", "c"]),
        "l": LayerSizes(1, 4, 2, 64),
    }
)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**31 - 1))
def test_blend_one_point_two_point_stay_in_the_space(seed):
    rng = np.random.RandomState(seed)
    genes = SPACE.genes(SPACE.sample(rng))
    for op in (crossover_blend, crossover_one_point, crossover_two_point):
        a, b = SPACE.sample(rng), SPACE.sample(rng)
        before = (list(a), list(b))
        c1, c2 = op(a.copy(), b.copy(), SPACE, rng=rng)
        for child in (c1, c2):
            for gene, value in zip(genes, child):
                assert gene.contains(gene.decode(value))
        if op is not crossover_blend:
            for k, gene in enumerate(genes):
                if not isinstance(gene, LayerSizes):  # cut-and-splice changes layers
                    assert {c1[k], c2[k]} == {before[0][k], before[1][k]}


@settings(max_examples=60, deadline=None)
@given(
    scores=st.lists(
        st.one_of(st.floats(-1e6, 1e6), st.just(math.nan)), min_size=1, max_size=12
    ),
    k=st.integers(1, 20),
    seed=st.integers(0, 2**31 - 1),
)
def test_roulette_and_nsga2_select_k_from_the_input(scores, k, seed):
    pop = []
    for i, s in enumerate(scores):
        ind = Individual([i])
        ind.set_score(s)
        pop.append(ind)
    chosen = select_roulette(pop, k, rng=np.random.RandomState(seed))
    assert len(chosen) == k and all(c in pop for c in chosen)
    if any(math.isfinite(s) for s in scores):
        assert all(math.isfinite(c.score) for c in chosen)
    kk = min(k, len(pop))
    front = select_nsga2(pop, kk)
    assert len(front) == kk


def test_operators_are_deterministic_for_a_seed():
    for op in (crossover_blend, crossover_one_point, crossover_two_point):
        runs = []
        for _ in range(2):
            rng = np.random.RandomState(5)
            a, b = SPACE.sample(rng), SPACE.sample(rng)
            runs.append([list(x) for x in op(a, b, SPACE, rng=rng)])
        assert runs[0] == runs[1]
