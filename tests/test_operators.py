"""Invariants of the selection, crossover and mutation operators.

Each operator is checked under a fixed ``RandomState`` and, with hypothesis,
over many random populations: selection returns members of its input and
respects fitness, crossover and mutation keep every gene's value inside that
gene, and everything is reproducible from the ``rng`` alone.
"""

import math
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from gahpo.operators import (
    crossover_uniform,
    mutate_genewise,
    select_best,
    select_tournament,
)
from gahpo.space import Categorical, Individual, Integer, LayerSizes, Real, SearchSpace

SETTINGS = settings(max_examples=100, deadline=None)
seeds = st.integers(0, 2**32 - 1)

#: One sub-space with a gene of every kind, each with more than one value.
MIXED = SearchSpace(
    {
        "i": Integer(0, 20),
        "r": Real(1e-3, 1e3, log=True),
        "c": ["a", "b", "c"],
        "g": [10, 0.1, 1],
        "l": LayerSizes(0, 4, 2, 64),
        "d": stats.randint(0, 5),
        "u": stats.uniform(0, 1),
    }
)

#: A conditional space: "C" is the same gene in branches 0 and 1, "x" is not.
CONDITIONAL = SearchSpace(
    [
        {"C": Real(0.1, 10.0, log=True), "x": Integer(0, 5), "kernel": ["rbf"]},
        {"C": Real(0.1, 10.0, log=True), "x": Integer(100, 200)},
        {"n": Integer(1, 5), "l": LayerSizes(1, 3, 4, 16)},
    ]
)

SPACES = {"mixed": MIXED, "conditional": CONDITIONAL}


def in_space(ind, space):
    genes = space.branches[ind.branch]
    return len(ind) == len(genes) and all(
        gene.contains(gene.decode(v)) for gene, v in zip(genes.values(), ind)
    )


def population(scores, space=MIXED, seed=0):
    rng = np.random.RandomState(seed)
    pop = [space.sample(rng) for _ in scores]
    for ind, score in zip(pop, scores):
        ind.set_score(score)
    return pop


def fit(ind):
    return ind.fitness.values[0]


scores_st = st.lists(
    st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.just(math.nan)),
    min_size=1,
    max_size=30,
)


class RecordingRandomState(np.random.RandomState):
    """A RandomState that remembers the arrays drawn by ``randint``."""

    def __init__(self, seed):
        super().__init__(seed)
        self.draws = []

    def randint(self, *args, **kwargs):
        out = super().randint(*args, **kwargs)
        self.draws.append(np.array(out, copy=True))
        return out


# -- selection -------------------------------------------------------------------------


@SETTINGS
@given(scores=scores_st, k=st.integers(0, 40), size=st.integers(1, 6), seed=seeds)
def test_tournament_returns_k_members_each_best_of_its_aspirants(scores, k, size, seed):
    pop = population(scores)
    rng = RecordingRandomState(seed)
    chosen = select_tournament(pop, k, rng=rng, tournament_size=size)
    assert len(chosen) == k
    assert all(any(c is p for p in pop) for c in chosen)
    assert len(rng.draws) == k
    for winner, aspirants in zip(chosen, rng.draws):
        assert len(aspirants) == size
        best = max(fit(pop[i]) for i in aspirants)
        assert fit(winner) == best
        # a failed candidate wins only a tournament of failed candidates
        if math.isnan(winner.score):
            assert all(math.isnan(pop[i].score) for i in aspirants)


@SETTINGS
@given(scores=scores_st, k=st.integers(0, 40), seed=seeds)
def test_tournament_of_one_is_uniform_choice(scores, k, seed):
    pop = population(scores)
    rng = RecordingRandomState(seed)
    chosen = select_tournament(pop, k, rng=rng, tournament_size=1)
    assert [id(c) for c in chosen] == [id(pop[int(d[0])]) for d in rng.draws]


def test_tournament_never_picks_a_failure_when_scored_ones_dominate():
    # one failure among scored individuals: it must lose every tournament in
    # which any other individual takes part, so it is picked at most when it
    # is drawn tournament_size times.
    pop = population([math.nan] + list(range(9)))
    rng = RecordingRandomState(0)
    chosen = select_tournament(pop, 500, rng=rng, tournament_size=2)
    picked = sum(c is pop[0] for c in chosen)
    alone = sum(all(i == 0 for i in d) for d in rng.draws)
    assert picked == alone < 20


def test_all_failed_population_still_selects():
    pop = population([math.nan] * 6)
    chosen = select_tournament(pop, 10, rng=np.random.RandomState(0))
    assert len(chosen) == 10 and all(any(c is p for p in pop) for c in chosen)
    assert len(select_best(pop, 3)) == 3


def test_larger_tournaments_are_greedier():
    pop = population(list(range(20)))
    means = [
        np.mean(
            [
                fit(c)
                for c in select_tournament(
                    pop, 2000, rng=np.random.RandomState(0), tournament_size=size
                )
            ]
        )
        for size in (1, 2, 3, 5)
    ]
    assert means == sorted(means) and means[0] < 11 and means[-1] > 15


@SETTINGS
@given(scores=scores_st, k=st.integers(0, 40))
def test_select_best_is_the_top_k(scores, k):
    pop = population(scores)
    chosen = select_best(pop, k, rng=None)
    assert len(chosen) == min(k, len(pop))
    assert all(any(c is p for p in pop) for c in chosen)
    assert len({id(c) for c in chosen}) == len(chosen)
    rest = [p for p in pop if not any(p is c for c in chosen)]
    if chosen and rest:
        assert min(fit(c) for c in chosen) >= max(fit(r) for r in rest)
    # best first, failures last
    assert [fit(c) for c in chosen] == sorted((fit(c) for c in chosen), reverse=True)
    finite = [s for s in scores if not math.isnan(s)]
    if chosen and finite:
        assert chosen[0].score == max(finite)


def test_select_best_keeps_ties_in_order():
    pop = population([1.0, 2.0, 1.0, 2.0, math.nan])
    chosen = select_best(pop, 4)
    assert [pop.index(c) for c in chosen] == [1, 3, 0, 2]


# -- crossover -----------------------------------------------------------------------


@SETTINGS
@given(
    name=st.sampled_from(sorted(SPACES)),
    seed=seeds,
    proba=st.sampled_from([0.0, 0.5, 1.0]),
)
def test_crossover_uniform_keeps_genes_in_place(name, seed, proba):
    space = SPACES[name]
    rng = np.random.RandomState(seed)
    branch = rng.randint(space.n_branches)
    a, b = space.sample(rng, branch=branch), space.sample(rng, branch=branch)
    before_a, before_b = list(a), list(b)
    c, d = crossover_uniform(a, b, space, rng=rng, swap_proba=proba)
    assert c is a and d is b  # in place
    assert c.branch == d.branch == branch
    assert in_space(c, space) and in_space(d, space)
    for gene, x, y, new_x, new_y in zip(space.genes(c), before_a, before_b, c, d):
        if isinstance(gene, LayerSizes):
            assert sorted(new_x + new_y) == sorted(x + y)
        else:
            assert Counter([repr(new_x), repr(new_y)]) == Counter([repr(x), repr(y)])
    if proba == 0.0:
        assert list(c) == before_a and list(d) == before_b


def test_crossover_uniform_swaps_scalar_genes_with_probability_one():
    space = SearchSpace({"a": Integer(0, 9), "b": Real(0, 1), "c": ["x", "y"]})
    a, b = Individual([1, 0.25, 0]), Individual([2, 0.75, 1])
    crossover_uniform(a, b, space, rng=np.random.RandomState(0), swap_proba=1.0)
    assert list(a) == [2, 0.75, 1] and list(b) == [1, 0.25, 0]


def test_crossover_uniform_mixes_genes():
    space = SearchSpace({f"g{i}": Integer(0, 1) for i in range(20)})
    a, b = Individual([0] * 20), Individual([1] * 20)
    crossover_uniform(a, b, space, rng=np.random.RandomState(0))
    assert 3 < sum(a) < 17 and [x + y for x, y in zip(a, b)] == [1] * 20


@SETTINGS
@given(seed=seeds)
def test_crossover_uniform_leaves_different_branches_alone(seed):
    rng = np.random.RandomState(seed)
    a = CONDITIONAL.sample(rng, branch=0)
    b = CONDITIONAL.sample(rng, branch=int(rng.randint(1, 3)))
    keys = a.key, b.key
    c, d = crossover_uniform(a, b, CONDITIONAL, rng=rng, swap_proba=1.0)
    assert (c.key, d.key) == keys


@SETTINGS
@given(
    bounds=st.tuples(st.integers(0, 4), st.integers(0, 4)).map(sorted),
    data=st.data(),
    seed=seeds,
)
def test_layer_sizes_crossover_keeps_depth_in_bounds(bounds, data, seed):
    lo, hi = bounds
    gene = LayerSizes(lo, hi, 1, 50)
    layers = st.lists(st.integers(1, 50), min_size=lo, max_size=hi).map(tuple)
    a, b = data.draw(layers), data.draw(layers)
    c, d = gene.crossover(a, b, np.random.RandomState(seed))
    assert lo <= len(c) <= hi and lo <= len(d) <= hi
    assert sorted(c + d) == sorted(a + b)
    assert gene.contains(c) and gene.contains(d)


def test_layer_sizes_crossover_changes_depths():
    gene = LayerSizes(1, 4, 1, 100)
    rng = np.random.RandomState(0)
    depths = Counter()
    for _ in range(200):
        c, _ = gene.crossover((1, 2), (3, 4, 5), rng)
        depths[len(c)] += 1
    assert len(depths) >= 3  # not a plain swap of whole tuples


# -- mutation --------------------------------------------------------------------------


@SETTINGS
@given(
    name=st.sampled_from(sorted(SPACES)),
    seed=seeds,
    proba=st.sampled_from([None, 0.0, 0.5, 1.0]),
)
def test_mutate_genewise_changes_something_and_stays_in_bounds(name, seed, proba):
    space = SPACES[name]
    rng = np.random.RandomState(seed)
    ind = space.sample(rng)
    key = ind.key
    out = mutate_genewise(ind, space, rng=rng, gene_proba=proba)
    assert out is ind
    assert out.key != key
    assert in_space(out, space)


@SETTINGS
@given(seed=seeds)
def test_mutate_genewise_with_gene_proba_one_changes_every_gene(seed):
    rng = np.random.RandomState(seed)
    ind = MIXED.sample(rng)
    before = list(ind)
    mutate_genewise(ind, MIXED, rng=rng, gene_proba=1.0)
    assert all(x != y for x, y in zip(before, ind))


def test_mutate_genewise_default_rate_is_about_one_gene():
    rng = np.random.RandomState(0)
    changed = []
    for _ in range(300):
        ind = MIXED.sample(rng)
        before = list(ind)
        mutate_genewise(ind, MIXED, rng=rng)
        changed.append(sum(x != y for x, y in zip(before, ind)))
    assert min(changed) >= 1 and 1.0 < np.mean(changed) < 2.0


def test_mutate_genewise_keeps_single_valued_genes():
    space = SearchSpace({"fixed": ["only"], "x": Integer(0, 3)})
    rng = np.random.RandomState(0)
    for _ in range(50):
        ind = mutate_genewise(Individual([0, 1]), space, rng=rng, gene_proba=1.0)
        assert ind[0] == 0 and ind[1] != 1 and in_space(ind, space)


def test_branch_switching_keeps_shared_genes():
    rng = np.random.RandomState(0)
    switches = Counter()
    for _ in range(400):
        ind = CONDITIONAL.sample(rng)
        old = dict(zip(CONDITIONAL.names(ind), ind))
        branch = ind.branch
        mutate_genewise(ind, CONDITIONAL, rng=rng)
        assert in_space(ind, CONDITIONAL)
        if ind.branch == branch:
            continue
        switches[branch, ind.branch] += 1
        new = dict(zip(CONDITIONAL.names(ind), ind))
        if {branch, ind.branch} == {0, 1}:
            # "C" is the same gene in both: its value carries over; "x" has a
            # different range in each, so it is drawn anew
            assert new["C"] == old["C"]
            assert new["x"] != old["x"]
    assert set(switches) == {(a, b) for a in range(3) for b in range(3) if a != b}
    # about 1 / (n_genes + 1) of the mutations switch branch
    assert 0.15 < sum(switches.values()) / 400 < 0.45


@pytest.mark.parametrize("name", sorted(SPACES))
def test_operators_are_deterministic_for_a_fixed_rng(name):
    space = SPACES[name]

    def run(seed):
        rng = np.random.RandomState(seed)
        pop = population(list(rng.uniform(size=12)), space=space, seed=seed)
        out = []
        for _ in range(5):
            parents = [p.copy() for p in select_tournament(pop, 12, rng=rng)]
            for a, b in zip(parents[::2], parents[1::2]):
                crossover_uniform(a, b, space, rng=rng)
            for child in parents:
                mutate_genewise(child, space, rng=rng)
            out.append([c.key for c in parents])
            for child in parents:
                child.set_score(rng.uniform())
            pop = parents
        return out

    assert run(7) == run(7)
    assert run(7) != run(8)


def test_operators_do_not_touch_the_global_random_state():
    import random

    state_py, state_np = random.getstate(), np.random.get_state()
    test_operators_are_deterministic_for_a_fixed_rng("conditional")
    test_operators_are_deterministic_for_a_fixed_rng("mixed")
    assert random.getstate() == state_py
    assert all(np.array_equal(a, b) for a, b in zip(np.random.get_state(), state_np))


def test_categorical_gene_in_space_is_a_grid():
    # numbers are an ordered grid: the operators see indices, sklearn values
    gene = MIXED.branches[0]["g"]
    assert isinstance(gene, Categorical)
    assert [gene.decode(gene.from_unit(u)) for u in (0.1, 0.5, 0.9)] == [0.1, 1, 10]
