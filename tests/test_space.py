"""Conformance suite for every gene type, then the SearchSpace parser.

Every gene goes through the same checks (Optuna's ``BasicSamplerTestCase``
pattern): values produced by ``sample``, ``from_unit``, ``mutate`` and
``crossover`` lie in the gene, mutation moves, everything is deterministic for
a fixed ``RandomState``, ``encode(decode(v))`` round-trips, genes are values
(``==``, ``hash``, ``repr``). Then :class:`SearchSpace`: parsing, the
space-filling design, ``from_params``, ``check_parameters`` and one
``pytest.raises(..., match=...)`` per bad specification.
"""

import math
from collections import Counter

import numpy as np
import pytest
from scipy import stats
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.utils import check_random_state

from gahpo.space import (
    BaseGene,
    Categorical,
    Distribution,
    Individual,
    Integer,
    LayerSizes,
    Real,
    SearchSpace,
    as_gene,
)


class ChoiceRVS:
    """A distribution with only an ``rvs`` method, as RandomizedSearchCV allows."""

    values = (0.5, 1.0, 2.0)

    def rvs(self, random_state=None):
        rng = check_random_state(random_state)
        return self.values[rng.randint(len(self.values))]

    def __repr__(self):
        return "ChoiceRVS()"


_CHOICE_RVS = ChoiceRVS()

# name -> factory; a factory builds a fresh, equal gene each call
GENES = {
    "integer": lambda: Integer(-3, 7),
    "integer-log": lambda: Integer(1, 1000, log=True),
    "real": lambda: Real(-1.5, 2.5),
    "real-log": lambda: Real(1e-4, 1e2, log=True),
    "categorical-str": lambda: Categorical(["relu", "tanh", "logistic"]),
    "categorical-grid": lambda: Categorical([100, 1, 10, 0.1]),
    "categorical-objects": lambda: Categorical([None, (10, 5), SVC(C=2.0)]),
    "layers": lambda: LayerSizes(1, 3, 4, 64),
    "layers-min0": lambda: LayerSizes(0, 2, 1, 8, log=False),
    "loguniform": lambda: Distribution(stats.loguniform(1e-3, 1e3)),
    "randint": lambda: Distribution(stats.randint(1, 3)),  # two values: {1, 2}
    "uniform": lambda: Distribution(stats.uniform(-1, 2)),
    "norm": lambda: Distribution(stats.norm(0, 1)),
    "rvs-only": lambda: Distribution(_CHOICE_RVS),
}

#: Genes without ``cdf``/``ppf``: membership cannot be checked by the gene.
RVS_ONLY = {"rvs-only"}
#: Genes that cannot map a quantile (``from_unit`` raises TypeError).
NO_UNIT = {"rvs-only"}
SCALAR = set(GENES) - {"layers", "layers-min0"}

#: A decoded value outside each gene (for genes that can check membership).
OUTSIDE = {
    "integer": [8, -4, 2.0, True, "3"],
    "integer-log": [0, 1001],
    "real": [2.6, -1.6, "1.0"],
    "real-log": [0.0, 1e-5, 1e3],
    "categorical-str": ["sigmoid", None, 1],
    "categorical-grid": [5, "10", None],
    "categorical-objects": [(10,), SVC(C=3.0), LogisticRegression(), "None"],
    "layers": [(), (3,), (65,), (8, 8, 8, 8)],
    "layers-min0": [(0,), (9,), (1, 1, 1)],
    "loguniform": [1e-4, 1e4, -1.0],
    "randint": [0, 3, 1.5],
    "uniform": [-1.5, 1.01],
    "norm": ["0"],
}

gene_names = pytest.mark.parametrize("name", list(GENES))


def in_gene(name, gene, value):
    """Whether the encoded ``value`` lies in ``gene`` (decoded, as sklearn sees it)."""
    decoded = gene.decode(value)
    if name in RVS_ONLY:
        return decoded in ChoiceRVS.values
    return gene.contains(decoded)


def samples(gene, n, seed=0):
    rng = np.random.RandomState(seed)
    return [gene.sample(rng) for _ in range(n)]


# -- the conformance suite -------------------------------------------------------


@gene_names
def test_sample_lies_in_gene(name):
    gene = GENES[name]()
    values = samples(gene, 200)
    assert all(in_gene(name, gene, v) for v in values)
    # and sampling explores: more than one distinct value
    assert len({repr(v) for v in values}) > 1


@gene_names
def test_from_unit_lies_in_gene(name):
    gene = GENES[name]()
    grid = list(np.linspace(0.0, 1.0, 21)[:-1]) + [1.0 - 1e-12]
    if name in NO_UNIT:
        with pytest.raises(TypeError, match="no `ppf`"):
            gene.from_unit(0.5)
        return
    values = [gene.from_unit(np.full(gene.n_dims, u)) for u in grid]
    assert all(in_gene(name, gene, v) for v in values)
    # the unit interval reaches both ends of the gene
    assert len({repr(v) for v in values}) > 1


@gene_names
@pytest.mark.parametrize("strength", [0.01, 0.2, 1.0])
def test_mutate_stays_in_gene_and_moves(name, strength):
    gene = GENES[name]()
    rng = np.random.RandomState(1)
    value = gene.sample(rng)
    for _ in range(150):
        new = gene.mutate(value, rng, strength=strength)
        assert in_gene(name, gene, new), (value, new)
        assert new != value, f"{gene!r}.mutate({value!r}) returned the same value"
        value = new


@gene_names
def test_crossover_stays_in_gene(name):
    gene = GENES[name]()
    rng = np.random.RandomState(2)
    for _ in range(100):
        a, b = gene.sample(rng), gene.sample(rng)
        c, d = gene.crossover(a, b, rng)
        assert in_gene(name, gene, c) and in_gene(name, gene, d)
        if name in SCALAR:
            # scalar genes exchange their values: the pair is kept
            assert Counter([repr(c), repr(d)]) == Counter([repr(a), repr(b)])
        else:
            # cut and splice: no layer is created or lost
            assert sorted(c + d) == sorted(a + b)


@gene_names
def test_operations_are_deterministic_for_a_fixed_rng(name):
    gene = GENES[name]()

    def run(seed):
        rng = np.random.RandomState(seed)
        out = []
        for _ in range(20):
            a, b = gene.sample(rng), gene.sample(rng)
            out += [a, b, gene.mutate(a, rng), *gene.crossover(a, b, rng)]
        return out

    assert run(3) == run(3)
    assert run(3) != run(4)


@gene_names
def test_encode_decode_round_trip(name):
    gene = GENES[name]()
    for value in samples(gene, 50, seed=5):
        decoded = gene.decode(value)
        if name in RVS_ONLY:
            # Without a support the gene cannot vouch for a value: it refuses
            # to encode rather than claim membership it cannot check.
            assert not gene.contains(decoded)
            with pytest.raises(ValueError, match="does not lie in"):
                gene.encode(decoded)
            continue
        encoded = gene.encode(decoded)
        assert encoded == value
        assert hash((encoded,)) == hash((value,))  # usable as a cache key
        if not hasattr(decoded, "get_params"):  # estimators compare by identity
            assert gene.decode(encoded) == decoded


@pytest.mark.parametrize("name", list(OUTSIDE))
def test_encode_rejects_values_outside_the_gene(name):
    gene = GENES[name]()
    for value in OUTSIDE[name]:
        assert not gene.contains(value), value
        with pytest.raises(ValueError, match="does not lie in"):
            gene.encode(value)


@gene_names
def test_genes_are_values(name):
    gene, same = GENES[name](), GENES[name]()
    assert gene == same
    assert hash(gene) == hash(same)
    assert gene != Integer(0, 1)
    assert gene != object()
    assert repr(gene).startswith(type(gene).__name__ + "(")
    namespace = {
        "Integer": Integer,
        "Real": Real,
        "Categorical": Categorical,
        "LayerSizes": LayerSizes,
        "Distribution": Distribution,
        "SVC": SVC,
        "ChoiceRVS": lambda: _CHOICE_RVS,
        **{d: getattr(stats, d) for d in ("loguniform", "randint", "uniform", "norm")},
    }
    assert eval(repr(gene), namespace) == gene


@pytest.mark.parametrize(
    "a, b",
    [
        (Integer(0, 10), Integer(0, 11)),
        (Integer(1, 10), Integer(1, 10, log=True)),
        (Integer(0, 10), Real(0, 10)),
        (Real(0.0, 1.0), Real(0.0, 2.0)),
        (Categorical(["a", "b"]), Categorical(["b", "a"])),
        (Categorical([1, 2]), Categorical([True, 2])),
        (Categorical([SVC(C=1.0)]), Categorical([SVC(C=2.0)])),
        (LayerSizes(1, 3, 4, 64), LayerSizes(1, 3, 4, 64, log=False)),
        (Distribution(stats.norm(0, 1)), Distribution(stats.norm(0, 2))),
        (Distribution(stats.norm(0, 1)), Distribution(stats.uniform(0, 1))),
    ],
)
def test_different_genes_are_not_equal(a, b):
    assert a != b


def test_decoded_estimators_are_clones():
    estimator = SVC(C=2.0)
    gene = Categorical([None, estimator])
    first, second = gene.decode(1), gene.decode(1)
    assert first is not estimator and second is not estimator and first is not second
    assert first.get_params() == estimator.get_params()
    first.set_params(C=100.0)
    assert estimator.C == 2.0 and gene.decode(1).C == 2.0
    # the clone is recognised as the same choice, so it can be encoded back
    assert gene.encode(second) == 1


def test_composite_estimators_encode_back_after_decoding():
    gene = Categorical([pipeline(), SVC()])
    decoded = gene.decode(0)
    assert decoded is not gene.choices[0]
    assert decoded.steps[1][1] is not gene.choices[0].steps[1][1]
    assert gene.encode(decoded) == 0
    assert not gene.contains(Pipeline([("scale", StandardScaler()), ("clf", SVC())]))


def test_estimator_classes_are_values_not_clones():
    gene = Categorical([SVC, LogisticRegression])
    assert gene.decode(0) is SVC and gene.decode(1) is LogisticRegression
    assert gene.encode(LogisticRegression) == 1 and not gene.contains(SVC())


@pytest.mark.parametrize(
    "gene",
    [
        Integer(3, 3),
        Real(2.0, 2.0),
        Categorical(["only"]),
        LayerSizes(2, 2, 8, 8),
        LayerSizes(0, 0),
        Distribution(stats.randint(5, 6)),
    ],
    ids=repr,
)
def test_single_valued_genes_keep_their_value(gene):
    rng = np.random.RandomState(0)
    value = gene.sample(rng)
    assert gene.mutate(value, rng) == value
    assert gene.crossover(value, value, rng) == (value, value)
    assert gene.contains(gene.decode(value))


def test_log_genes_sample_uniformly_in_log_scale():
    # half of the mass lies below the geometric middle of the range
    real = samples(Real(1e-4, 1e2, log=True), 4000)
    assert 0.46 < np.mean(np.array(real) < 1e-1) < 0.54
    integer = samples(Integer(1, 1000, log=True), 4000)
    assert 0.46 < np.mean(np.array(integer) < math.sqrt(1001)) < 0.54
    linear = samples(Real(1e-4, 1e2), 4000)
    assert np.mean(np.array(linear) < 1e-1) < 0.01


def test_integer_bounds_are_as_likely_as_any_value():
    counts = Counter(samples(Integer(0, 4), 5000))
    assert set(counts) == {0, 1, 2, 3, 4}
    assert all(800 < c < 1200 for c in counts.values()), counts


def test_numeric_categorical_mutates_to_neighbours():
    gene = Categorical([100, 1, 10, 0.1])  # grid order 0.1 < 1 < 10 < 100
    rng = np.random.RandomState(0)
    start = gene.encode(10)
    moves = Counter(
        gene.decode(gene.mutate(start, rng, strength=0.1)) for _ in range(500)
    )
    assert moves[1] + moves[100] >= 0.85 * 500, moves
    strings = Categorical(["a", "b", "c"])
    moves = Counter(strings.mutate(0, rng) for _ in range(600))
    assert set(moves) == {1, 2} and abs(moves[1] - moves[2]) < 100


def test_layer_sizes_mutation_adds_removes_and_resizes():
    gene = LayerSizes(1, 3, 4, 64)
    rng = np.random.RandomState(0)
    lengths = Counter()
    for _ in range(300):
        new = gene.mutate((16, 16), rng)
        lengths[len(new)] += 1
    assert set(lengths) == {1, 2, 3}
    assert gene.mutate((16,), rng) != ()  # never below min_layers
    assert all(len(gene.mutate((8, 8, 8), rng)) <= 3 for _ in range(50))


def test_distribution_mutation_follows_quantiles():
    # a step in quantile space of loguniform is a step in log scale
    gene = Distribution(stats.loguniform(1e-6, 1e6))
    rng = np.random.RandomState(0)
    ratios = [gene.mutate(1.0, rng, strength=0.05) for _ in range(500)]
    logs = np.log10(ratios)
    assert abs(np.median(logs)) < 0.2 and 0.3 < np.std(logs) < 1.2
    assert all(isinstance(v, float) for v in ratios)
    discrete = Distribution(stats.randint(0, 100))
    values = [discrete.mutate(50, rng) for _ in range(200)]
    assert all(isinstance(v, int) and 0 <= v < 100 for v in values)


def test_rvs_only_distribution_is_sampled_not_mapped():
    gene = as_gene(_CHOICE_RVS, "alpha")
    assert isinstance(gene, Distribution) and gene.dist is _CHOICE_RVS
    values = samples(gene, 300)
    assert set(values) == set(ChoiceRVS.values)


# -- SearchSpace: parsing ------------------------------------------------------


def test_parse_every_kind_of_specification():
    space = SearchSpace(
        {
            "list": [1, 2, 3],
            "strings": ["a", "b"],
            "tuple": (0.1, 1.0),
            "array": np.array([0.5, 1.5]),
            "range": range(2, 6),
            "dist": stats.loguniform(1e-3, 1e3),
            "discrete": stats.randint(1, 10),
            "gene": Integer(1, 5),
            "layers": LayerSizes(1, 2, 8, 32),
        }
    )
    genes = space.branches[0]
    assert space.n_branches == 1
    assert genes["list"] == Categorical([1, 2, 3])
    assert genes["tuple"] == Categorical([0.1, 1.0])
    assert genes["array"] == Categorical([0.5, 1.5])
    assert genes["range"] == Categorical([2, 3, 4, 5])
    assert genes["dist"] == Distribution(stats.loguniform(1e-3, 1e3))
    assert genes["discrete"] == Distribution(stats.randint(1, 10))
    assert genes["gene"] == Integer(1, 5)
    assert genes["layers"] == LayerSizes(1, 2, 8, 32)
    assert space.names(Individual([], 0)) == list(genes)
    rng = np.random.RandomState(0)
    ind = space.sample(rng)
    params = space.decode(ind)
    assert list(params) == list(genes)
    assert all(genes[k].contains(v) for k, v in params.items())


def test_parse_list_of_dicts_and_tuples():
    space = SearchSpace(({"a": [1, 2]}, {"b": Real(0, 1), "c": ["x"]}))
    assert space.n_branches == 2
    assert list(space.branches[1]) == ["b", "c"]
    assert SearchSpace([{"a": [1, 2]}]).branches == SearchSpace({"a": [1, 2]}).branches


def test_numpy_string_choices_match_python_strings():
    gene = as_gene(np.array(["rbf", "linear"]), "kernel")
    assert gene.contains("rbf") and gene.encode("linear") == 1
    assert gene.contains(gene.decode(0))


def test_parsing_does_not_modify_the_user_specification():
    spec = {"a": [3, 1, 2], "b": stats.uniform(0, 1)}
    dist = spec["b"]
    SearchSpace(spec)
    assert spec["a"] == [3, 1, 2] and spec["b"] is dist


# -- SearchSpace: space-filling design ---------------------------------------------


CONDITIONAL = [
    {
        "kernel": ["rbf"],
        "C": Real(1e-2, 1e2, log=True),
        "gamma": stats.loguniform(1e-4, 1),
    },
    {"kernel": ["linear"], "C": Real(1e-2, 1e2, log=True)},
    {"layers": LayerSizes(0, 3, 2, 32), "alpha": _CHOICE_RVS, "n": Integer(1, 4)},
]


def test_space_filling_covers_each_branch_and_stays_in_bounds():
    space = SearchSpace(CONDITIONAL)
    pop = space.space_filling(30, np.random.RandomState(0))
    assert len(pop) == 30
    assert Counter(ind.branch for ind in pop) == {0: 10, 1: 10, 2: 10}
    for ind in pop:
        assert len(ind) == len(space.branches[ind.branch])
        for (pname, gene), value in zip(space.branches[ind.branch].items(), ind):
            decoded = gene.decode(value)
            if pname == "alpha":
                assert decoded in ChoiceRVS.values
            else:
                assert gene.contains(decoded), (pname, value)
    # fewer individuals than branches: no branch twice
    assert (
        len({ind.branch for ind in space.space_filling(2, np.random.RandomState(0))})
        == 2
    )
    assert space.space_filling(0, np.random.RandomState(0)) == []


def test_space_filling_is_deterministic_for_a_seed():
    space = SearchSpace(CONDITIONAL)

    def keys(seed):
        return [ind.key for ind in space.space_filling(12, np.random.RandomState(seed))]

    assert keys(0) == keys(0)
    assert keys(0) != keys(1)


def test_space_filling_is_stratified():
    # a Latin hypercube puts exactly one point in each of n equal strata
    space = SearchSpace({"x": Real(0, 1), "k": Integer(0, 9), "c": list("abcde")})
    pop = space.space_filling(10, np.random.RandomState(3))
    assert sorted(int(ind[0] * 10) for ind in pop) == list(range(10))
    assert sorted(ind[1] for ind in pop) == list(range(10))
    assert Counter(ind[2] for ind in pop) == {i: 2 for i in range(5)}


# -- SearchSpace: from_params --------------------------------------------------------


def test_from_params_full_round_trips_every_branch():
    space = SearchSpace(CONDITIONAL[:2] + [{"layers": LayerSizes(0, 3, 2, 32)}])
    rng = np.random.RandomState(0)
    for branch in range(space.n_branches):
        ind = space.sample(rng, branch=branch)
        again = space.from_params(space.decode(ind))
        assert again.key == ind.key and isinstance(again, Individual)


def test_from_params_full_needs_every_gene_in_the_space():
    space = SearchSpace({"a": Integer(0, 5), "b": ["x", "y"]})
    assert space.from_params({"a": 2, "b": "y"}).key == (0, 2, 1)
    assert space.from_params({"a": 2, "b": "y", "other": 1}).key == (0, 2, 1)
    assert space.from_params({"a": 2}) is None
    assert space.from_params({"a": 9, "b": "y"}) is None


def test_from_params_partial_samples_what_is_missing():
    space = SearchSpace([{"a": Integer(0, 5), "b": ["x", "y"]}, {"c": Real(0, 1)}])
    ind = space.from_params({"a": 4}, partial=True, rng=np.random.RandomState(0))
    assert ind.branch == 0 and ind[0] == 4 and ind[1] in (0, 1)
    # out-of-space values are replaced, not kept
    ind = space.from_params(
        {"a": 40, "b": "x"}, partial=True, rng=np.random.RandomState(0)
    )
    assert ind.branch == 0 and ind[1] == 0 and 0 <= ind[0] <= 5
    # the branch matching most names wins
    assert space.from_params(
        {"c": 0.5, "a": 99}, partial=True, rng=np.random.RandomState(0)
    ).key == (1, 0.5)
    assert (
        space.from_params({"zzz": 1}, partial=True, rng=np.random.RandomState(0))
        is None
    )


def test_from_params_accepts_an_estimators_defaults():
    space = SearchSpace({"C": stats.loguniform(1e-3, 1e3), "kernel": ["linear", "rbf"]})
    ind = space.from_params(
        SVC().get_params(), partial=True, rng=np.random.RandomState(0)
    )
    assert space.decode(ind) == {"C": 1.0, "kernel": "rbf"}


# -- SearchSpace: check_parameters ----------------------------------------------


def pipeline():
    return Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())])


def test_check_parameters_accepts_pipeline_step_params():
    SearchSpace(
        {"clf__C": [0.1, 1.0], "scale__with_mean": [True, False]}
    ).check_parameters(pipeline())
    SearchSpace({"C": Real(0.1, 10)}).check_parameters(SVC())


def test_check_parameters_accepts_params_of_estimator_values():
    space = SearchSpace(
        [
            {"clf": [SVC()], "clf__gamma": stats.loguniform(1e-4, 1)},
            {"clf__C": [0.1, 1.0]},
        ]
    )
    space.check_parameters(pipeline())


@pytest.mark.parametrize(
    "spec, match",
    [
        ({"clf__gamma": [0.1]}, r"'clf__gamma' is not a parameter of Pipeline"),
        ({"gama": [0.1]}, r"'gama' is not a parameter of Pipeline"),
        # an estimator value in another sub-space does not count
        ([{"clf": [SVC()]}, {"clf__gamma": [0.1]}], r"'clf__gamma' is not a parameter"),
    ],
)
def test_check_parameters_rejects_unknown_names(spec, match):
    with pytest.raises(ValueError, match=match):
        SearchSpace(spec).check_parameters(pipeline())


def test_unknown_parameter_message_suggests_names():
    with pytest.raises(ValueError, match=r"Did you mean one of \['C'\]\?.*get_params"):
        SearchSpace({"svc__C": [1.0]}).check_parameters(SVC())


# -- bad specifications ----------------------------------------------------------------


@pytest.mark.parametrize(
    "make, error, match",
    [
        # empty spaces
        (lambda: SearchSpace({}), ValueError, r"param_distributions must not be empty"),
        (lambda: SearchSpace([]), ValueError, r"param_distributions must not be empty"),
        (
            lambda: SearchSpace([{"a": [1]}, {}]),
            ValueError,
            r"\(item 1\) must not be empty",
        ),
        (
            lambda: SearchSpace({"alpha": []}),
            ValueError,
            r"\['alpha'\] must be a non-empty list",
        ),
        (
            lambda: SearchSpace({"alpha": np.array([])}),
            ValueError,
            r"\['alpha'\] must be a non-empty",
        ),
        (
            lambda: SearchSpace({"alpha": range(0)}),
            ValueError,
            r"\['alpha'\] must be a non-empty",
        ),
        (
            lambda: Categorical([]),
            ValueError,
            r"Categorical: `choices` must not be empty",
        ),
        # low > high
        (
            lambda: Integer(5, 1),
            ValueError,
            r"Integer: `low <= high` must hold, got low=5, high=1",
        ),
        (
            lambda: Real(1.0, 0.5),
            ValueError,
            r"Real: `low <= high` must hold, got low=1.0, high=0.5",
        ),
        # log with low <= 0
        (
            lambda: Real(0, 1, log=True),
            ValueError,
            r"Real: `low > 0` must hold when log=True, got low=0",
        ),
        (
            lambda: Integer(-1, 10, log=True),
            ValueError,
            r"Integer: `low > 0` must hold when log=True",
        ),
        (lambda: Real(0.1, 1, log="yes"), TypeError, r"Real: `log` must be a bool"),
        # non-integer / non-finite bounds
        (
            lambda: Integer(1.5, 3),
            TypeError,
            r"Integer: `low` must be an integer, got low=1.5",
        ),
        (
            lambda: Integer(1, "3"),
            TypeError,
            r"Integer: `high` must be an integer, got high='3'",
        ),
        (lambda: Integer(True, 3), TypeError, r"Integer: `low` must be an integer"),
        (lambda: Real(0, math.inf), ValueError, r"Real: `high` must be finite"),
        (lambda: Real(math.nan, 1), ValueError, r"Real: `low` must be finite"),
        (lambda: Real("0", 1), TypeError, r"Real: `low` must be a real number"),
        # unknown distribution types
        (
            lambda: SearchSpace({"alpha": "uniform"}),
            TypeError,
            r"param_distributions\['alpha'\] must be a list of values, a distribution",
        ),
        (
            lambda: SearchSpace({"alpha": {"low": 0, "high": 1}}),
            TypeError,
            r"param_distributions\['alpha'\] must be a list",
        ),
        (
            lambda: SearchSpace({"alpha": 0.5}),
            TypeError,
            r"param_distributions\['alpha'\] .*got float 0.5",
        ),
        (
            lambda: SearchSpace({"alpha": np.ones((2, 2))}),
            TypeError,
            r"param_distributions\['alpha'\] must be a list",
        ),
        (
            lambda: Distribution([1, 2]),
            TypeError,
            r"Distribution: `dist` must have an `rvs` method",
        ),
        (
            lambda: Categorical("abc"),
            TypeError,
            r"Categorical: `choices` must be a non-empty sequence",
        ),
        # bad containers and names
        (
            lambda: SearchSpace("abc"),
            TypeError,
            r"param_distributions must be a dict or a list of dicts",
        ),
        (lambda: SearchSpace([{"a": [1]}, [1, 2]]), TypeError, r"item 1 is list"),
        (
            lambda: SearchSpace({1: [1, 2]}),
            TypeError,
            r"keys must be parameter names \(str\)",
        ),
        # bad LayerSizes bounds
        (
            lambda: LayerSizes(3, 1),
            ValueError,
            r"LayerSizes: `min_layers <= max_layers` must hold, "
            r"got min_layers=3, max_layers=1",
        ),
        (
            lambda: LayerSizes(1, 2, 64, 8),
            ValueError,
            r"LayerSizes: `min_units <= max_units` must hold, "
            r"got min_units=64, max_units=8",
        ),
        (
            lambda: LayerSizes(-1, 2),
            ValueError,
            r"LayerSizes: `min_layers >= 0` must hold, got min_layers=-1",
        ),
        (
            lambda: LayerSizes(1, 2, 0, 8),
            ValueError,
            r"LayerSizes: `min_units >= 1` must hold, got min_units=0",
        ),
        (
            lambda: LayerSizes(1.0, 2),
            TypeError,
            r"LayerSizes: `min_layers` must be an integer, got min_layers=1.0",
        ),
        (
            lambda: LayerSizes(1, 2, 8, 64.5),
            TypeError,
            r"LayerSizes: `max_units` must be an integer",
        ),
        (lambda: LayerSizes(log=1), TypeError, r"LayerSizes: `log` must be a bool"),
    ],
)
def test_bad_specifications_raise_with_a_message(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_genes_are_base_genes_and_used_as_is():
    gene = Real(0, 1)
    assert isinstance(gene, BaseGene) and as_gene(gene) is gene
