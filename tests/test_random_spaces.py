"""Hypothesis: any valid search space yields only valid candidates, end to end."""

import numpy as np
from conftest import Quadratic
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.stats import loguniform, randint, uniform

from gahpo import GeneticSearchCV
from gahpo.space import Categorical, Integer, LayerSizes, Real, as_gene


@st.composite
def genes(draw):
    kind = draw(st.sampled_from(["int", "real", "cat", "list", "layers", "dist"]))
    if kind == "int":
        low = draw(st.integers(1, 50))
        return Integer(low, low + draw(st.integers(0, 100)), log=draw(st.booleans()))
    if kind == "real":
        low = draw(st.floats(1e-4, 10))
        return Real(low, low * draw(st.floats(1, 1e4)), log=draw(st.booleans()))
    if kind == "cat":
        return Categorical(
            draw(
                st.lists(
                    st.sampled_from(["a", "b", None, (1, 2), 3]),
                    min_size=1,
                    max_size=4,
                    unique_by=repr,
                )
            )
        )
    if kind == "list":
        return draw(st.lists(st.integers(-5, 5), min_size=1, max_size=5, unique=True))
    if kind == "layers":
        lo = draw(st.integers(0, 2))
        units = draw(st.integers(1, 64))
        return LayerSizes(
            lo, lo + draw(st.integers(0, 2)), units, units * draw(st.integers(1, 8))
        )
    return draw(
        st.sampled_from([loguniform(1e-3, 1e2), randint(0, 10), uniform(-1, 2)])
    )


@st.composite
def spaces(draw):
    def sub_space():
        names = draw(
            st.lists(st.sampled_from("abcd"), min_size=1, max_size=4, unique=True)
        )
        return {name: draw(genes()) for name in names}

    if draw(st.booleans()):
        return sub_space()
    return [sub_space() for _ in range(draw(st.integers(2, 3)))]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(space=spaces(), seed=st.integers(0, 2**16))
def test_every_candidate_lies_in_the_space(space, seed):
    search = GeneticSearchCV(
        Quadratic(),
        space,
        population_size=4,
        generations=3,
        cv=2,
        refit=False,
        random_state=seed,
        n_jobs=1,
    )
    # Quadratic scores only a..d; here every candidate just has to be valid
    search.estimator = _Any()
    search.fit(np.zeros((6, 1)), np.zeros(6))
    subspaces = space if isinstance(space, list) else [space]
    params = search.cv_results_["params"]
    assert len({repr(sorted(p.items(), key=str)) for p in params}) == len(params)
    for p in params:
        assert any(
            p.keys() == sub.keys()
            and all(
                as_gene(sub[k], k).contains(v) or _drawn_from(sub[k], v)
                for k, v in p.items()
            )
            for sub in subspaces
        ), p


def _drawn_from(spec, value):
    """Lists hold their values; distributions hold their support."""
    if isinstance(spec, list):
        return value in spec
    return False


class _Any(Quadratic):
    """Accepts any parameters a..d; scores a stable hash of them."""

    def __init__(self, a=None, b=None, c=None, d=None, fail=False):
        super().__init__(a, b, c, d, fail)

    def fit(self, X, y=None, sample_weight=None):
        self.n_features_in_ = 1
        return self

    def score(self, X, y=None, sample_weight=None):
        return (hash(repr((self.a, self.b, self.c, self.d))) % 1000) / 1000
