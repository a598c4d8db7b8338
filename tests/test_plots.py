"""Plots: rendered to PNG with Agg, and checked for what they draw."""

import doctest
import math
import subprocess
import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.collections import PathCollection, PolyCollection  # noqa: E402
from scipy.stats import loguniform, randint  # noqa: E402
from sklearn.base import BaseEstimator  # noqa: E402
from sklearn.datasets import load_iris  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.tree import DecisionTreeClassifier  # noqa: E402

from gahpo import GeneticSearchCV, plots  # noqa: E402
from gahpo.plots import (  # noqa: E402
    plot_diversity,
    plot_fitness,
    plot_pareto_front,
    plot_search_space,
)
from gahpo.space import Integer, LayerSizes, Real  # noqa: E402

X, Y = load_iris(return_X_y=True)

TREE_SPACE = {
    "max_depth": Integer(1, 8),
    "min_samples_leaf": Integer(1, 40, log=True),
    "criterion": ["gini", "entropy"],
    "max_features": [None, "sqrt", 2],
    "ccp_alpha": loguniform(1e-4, 1e-1),
    "min_samples_split": randint(2, 20),
    "min_weight_fraction_leaf": Real(0.0, 0.2),
}


class Net(BaseEstimator):
    """A mock network: no fit, a score computed from its parameters.

    ``activation=None`` scores NaN, as a failed candidate does.
    """

    def __init__(self, hidden_layer_sizes=(8,), activation="relu", alpha=1e-4):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.alpha = alpha

    def fit(self, X, y=None):
        return self

    def score(self, X, y=None):
        if self.activation is None:
            return math.nan
        return (
            -abs(sum(self.hidden_layer_sizes) - 24) / 24
            - abs(math.log10(self.alpha) + 3) / 10
            + (0.1 if self.activation == "tanh" else 0.0)
        )


def tiny(estimator, space, **kwargs):
    kwargs = {
        "population_size": 4,
        "generations": 3,
        "cv": 3,
        "random_state": 0,
        **kwargs,
    }
    return GeneticSearchCV(estimator, space, **kwargs)


@pytest.fixture(scope="module")
def tree_search():
    return tiny(DecisionTreeClassifier(random_state=0), TREE_SPACE).fit(X, Y)


@pytest.fixture(scope="module")
def net_search():
    space = {
        "hidden_layer_sizes": LayerSizes(0, 2, 4, 32),
        "activation": ["relu", "tanh", None],
        "alpha": Real(1e-5, 1e-1, log=True),
    }
    with pytest.warns(UserWarning, match="non-finite"):
        return tiny(Net(), space, population_size=6).fit(X, Y)


@pytest.fixture(scope="module")
def pareto_search():
    return tiny(
        DecisionTreeClassifier(random_state=0),
        {"max_depth": list(range(1, 9)), "min_samples_leaf": Integer(1, 30)},
        objectives={"score": "maximize", "fit_time": "minimize"},
        population_size=6,
    ).fit(X, Y)


@pytest.fixture(autouse=True)
def global_style_unchanged():
    """Every test: rcParams as before, and no figure left open."""
    before = dict(matplotlib.rcParams)
    yield
    after = dict(matplotlib.rcParams)
    assert after == before, {k for k in before if before[k] != after[k]}
    plt.close("all")


def render(ax, path):
    fig = np.ravel(ax)[0].figure
    fig.savefig(path)
    assert path.stat().st_size > 1000
    return fig


def legend_texts(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def column(search, key):
    return np.array([r[key] for r in search.history_], dtype=float)


# -- plot_fitness ---------------------------------------------------------------


def test_plot_fitness_draws_best_mean_and_band(tree_search, tmp_path):
    ax = plot_fitness(tree_search)
    render(ax, tmp_path / "fitness.png")
    generation = column(tree_search, "generation")
    best, mean, std = (
        column(tree_search, k) for k in ("best_score", "mean_score", "std_score")
    )

    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["best so far", "generation mean"]
    np.testing.assert_array_equal(lines[0].get_xdata(), generation)
    np.testing.assert_array_equal(lines[0].get_ydata(), best)
    np.testing.assert_array_equal(lines[1].get_ydata(), mean)
    assert np.all(np.diff(lines[0].get_ydata()) >= 0)  # best so far never drops

    (band,) = [c for c in ax.collections if isinstance(c, PolyCollection)]
    ys = band.get_paths()[0].vertices[:, 1]
    np.testing.assert_allclose(ys.min(), np.min(mean - std))
    np.testing.assert_allclose(ys.max(), np.max(mean + std))
    assert band.get_label() == "mean ± std"

    assert ax.get_xlabel() == "generation"
    assert ax.get_ylabel() == "CV score"
    assert legend_texts(ax) == ["best so far", "generation mean", "mean ± std"]
    assert all(float(t).is_integer() for t in ax.get_xticks())


def test_plot_fitness_uses_the_given_axes_and_names_the_metric(tmp_path):
    search = tiny(
        DecisionTreeClassifier(random_state=0),
        {"max_depth": [1, 2, 3, 4]},
        scoring="balanced_accuracy",
        generations=2,
    ).fit(X, Y)
    fig, (left, right) = plt.subplots(1, 2)
    assert plot_fitness(search, ax=right) is right
    assert plt.get_fignums() == [fig.number]  # no new figure
    assert not left.has_data()
    assert right.get_ylabel() == "CV score (balanced_accuracy)"
    render(right, tmp_path / "fitness_ax.png")


# -- plot_diversity -------------------------------------------------------------


def test_plot_diversity_draws_both_rates(tree_search, tmp_path):
    ax = plot_diversity(tree_search)
    render(ax, tmp_path / "diversity.png")
    diversity, duplicates = ax.get_lines()
    np.testing.assert_array_equal(
        diversity.get_xdata(), column(tree_search, "generation")
    )
    np.testing.assert_array_equal(
        diversity.get_ydata(), column(tree_search, "diversity")
    )
    np.testing.assert_array_equal(
        duplicates.get_ydata(), column(tree_search, "duplicate_rate")
    )
    assert legend_texts(ax) == [
        "diversity (distinct parents)",
        "duplicate rate (children)",
    ]
    assert ax.get_xlabel() == "generation"
    assert ax.get_ylabel() == "share of the population"
    low, high = ax.get_ylim()
    assert low < 0 and 1 < high < 1.1


# -- plot_search_space ----------------------------------------------------------


def points(ax):
    (collection,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    return collection


def test_plot_search_space_numeric_and_log_axes(tree_search, tmp_path):
    axes = plot_search_space(tree_search)
    render(axes, tmp_path / "search_space.png")
    assert isinstance(axes, np.ndarray) and len(axes) == len(TREE_SPACE)
    assert [ax.get_xlabel() for ax in axes] == list(TREE_SPACE)
    scales = {ax.get_xlabel(): ax.get_xscale() for ax in axes}
    assert scales == {
        "max_depth": "linear",
        "min_samples_leaf": "log",  # Integer(log=True)
        "criterion": "linear",
        "max_features": "linear",
        "ccp_alpha": "log",  # scipy.stats.loguniform
        "min_samples_split": "linear",  # randint
        "min_weight_fraction_leaf": "linear",
    }
    results = tree_search.cv_results_
    scores = results["mean_test_score"]
    generations = results["generation"]
    for ax in axes:
        name = ax.get_xlabel()
        collection = points(ax)
        offsets = collection.get_offsets()
        assert len(offsets) == len(results["params"])
        np.testing.assert_allclose(offsets[:, 1], scores)
        np.testing.assert_array_equal(collection.get_array(), generations)
        if name in ("criterion", "max_features"):
            continue
        values = [p[name] for p in results["params"]]
        np.testing.assert_allclose(offsets[:, 0], values)
    # only the first column has a y label; one colour bar for all
    assert [bool(ax.get_ylabel()) for ax in axes] == [True, False, False] * 2 + [True]
    colorbars = [a for a in axes[0].figure.axes if a.get_ylabel() == "generation"]
    assert len(colorbars) == 1


def test_plot_search_space_categories_with_jitter(tree_search):
    axes = plot_search_space(tree_search, params=["criterion", "max_features"])
    assert len(axes) == 2
    results = tree_search.cv_results_
    for ax, labels in zip(axes, (["gini", "entropy"], ["None", "sqrt", "2"])):
        assert [t.get_text() for t in ax.get_xticklabels()] == labels
        np.testing.assert_array_equal(ax.get_xticks(), range(len(labels)))
        x = points(ax).get_offsets()[:, 0]
        expected = [labels.index(str(p[ax.get_xlabel()])) for p in results["params"]]
        assert np.all(np.abs(x - expected) <= 0.2)
        assert not np.array_equal(x, expected)  # jittered


def test_plot_search_space_tuples_none_and_failures(net_search, tmp_path):
    axes = plot_search_space(net_search)
    render(axes, tmp_path / "search_space_net.png")
    results = net_search.cv_results_
    scores = results["mean_test_score"]
    finite = np.isfinite(scores)
    assert 0 < finite.sum() < len(scores)  # some candidates failed (activation=None)

    layers_ax, activation_ax, alpha_ax = axes
    for ax in axes:  # failures are left out
        assert len(points(ax).get_offsets()) == finite.sum()
        np.testing.assert_allclose(points(ax).get_offsets()[:, 1], scores[finite])
    # tuples as categories, by number of layers then widths
    seen = sorted(
        {p["hidden_layer_sizes"] for p, ok in zip(results["params"], finite) if ok},
        key=lambda t: (len(t), t),
    )
    assert [t.get_text() for t in layers_ax.get_xticklabels()] == [str(t) for t in seen]
    # None is a category of its own, even when all its candidates failed
    assert [t.get_text() for t in activation_ax.get_xticklabels()] == [
        "relu",
        "tanh",
        "None",
    ]
    assert alpha_ax.get_xscale() == "log"


def test_plot_search_space_on_given_axes_and_bad_arguments(tree_search):
    _, grid = plt.subplots(2, 2)
    axes = plot_search_space(tree_search, ["max_depth", "ccp_alpha"], axes=grid)
    assert list(axes) == [grid[0, 0], grid[0, 1]]
    assert not grid[1, 0].has_data()
    assert all(ax.get_ylabel() == "CV score" for ax in axes)
    assert plot_search_space(tree_search, "max_depth")[0].get_xlabel() == "max_depth"

    with pytest.raises(
        ValueError, match=r"`params` must name searched parameters.*'depth'"
    ):
        plot_search_space(tree_search, ["depth"])
    with pytest.raises(
        ValueError, match=r"`axes` must hold one Axes per parameter \(7"
    ):
        plot_search_space(tree_search, axes=grid)


# -- plot_pareto_front ----------------------------------------------------------


def test_plot_pareto_front_draws_candidates_and_front(pareto_search, tmp_path):
    ax = plot_pareto_front(pareto_search)
    render(ax, tmp_path / "pareto.png")
    results = pareto_search.cv_results_
    score, fit_time = results["mean_test_score"], results["mean_fit_time"]
    front = pareto_search.pareto_front_

    candidates, front_points, refit = [
        c for c in ax.collections if isinstance(c, PathCollection)
    ]
    assert candidates.get_label() == "candidates"
    np.testing.assert_allclose(
        candidates.get_offsets(), np.column_stack([score, fit_time])
    )

    order = front[np.argsort(score[front], kind="stable")]
    (line,) = ax.get_lines()
    np.testing.assert_allclose(line.get_xdata(), score[order])
    np.testing.assert_allclose(line.get_ydata(), fit_time[order])
    assert np.all(np.diff(line.get_xdata()) >= 0)
    np.testing.assert_allclose(
        front_points.get_offsets(), np.column_stack([score[order], fit_time[order]])
    )

    best = pareto_search.best_index_
    np.testing.assert_allclose(refit.get_offsets(), [[score[best], fit_time[best]]])
    assert ax.get_xlabel() == "score (maximize)"
    assert ax.get_ylabel() == "fit_time (minimize)"
    assert legend_texts(ax) == ["candidates", "Pareto front", "refit choice"]


def test_plot_pareto_front_axes_by_name(pareto_search):
    _, ax = plt.subplots()
    assert plot_pareto_front(pareto_search, x="fit_time", ax=ax) is ax
    assert (ax.get_xlabel(), ax.get_ylabel()) == (
        "fit_time (minimize)",
        "score (maximize)",
    )
    ax = plot_pareto_front(pareto_search, x="score", y="score_time")
    assert ax.get_ylabel() == "score_time"  # a metric that is not an objective
    with pytest.raises(ValueError, match=r"'recall' is neither a metric of the search"):
        plot_pareto_front(pareto_search, y="recall")


def test_plot_pareto_front_needs_objectives(tree_search):
    with pytest.raises(
        ValueError, match=r"no `pareto_front_`: fit it with `objectives=`"
    ):
        plot_pareto_front(tree_search)


# -- all of them ----------------------------------------------------------------

PLOTS = [plot_fitness, plot_diversity, plot_search_space, plot_pareto_front]


@pytest.mark.parametrize("plot", PLOTS)
def test_unfitted_search_raises(plot):
    search = GeneticSearchCV(DecisionTreeClassifier(), {"max_depth": [1, 2]})
    with pytest.raises(NotFittedError, match="GeneticSearchCV instance is not fitted"):
        plot(search)


@pytest.mark.parametrize("plot", PLOTS)
def test_without_matplotlib(plot, pareto_search, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes the import fail
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r'pip install "sklearn-gahpo\[plot\]"'):
        plot(pareto_search)


def test_importing_plots_does_not_import_matplotlib():
    code = "import sys, gahpo.plots; print('matplotlib' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    "module",
    [plots._history, plots._space, plots._pareto],
    ids=lambda module: module.__name__,
)
def test_doctests(module):
    result = doctest.testmod(
        module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    )
    assert result.attempted > 0 and result.failed == 0
