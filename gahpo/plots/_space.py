"""The score of every candidate against each searched parameter."""

import math

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..space import Categorical, Distribution, Integer, LayerSizes, Real, SearchSpace
from ..space._base import is_number
from ._common import import_pyplot, score_label, search_metric

__all__ = ["plot_search_space"]

#: scipy.stats distributions whose values are spread evenly in log scale.
_LOG_DISTRIBUTIONS = frozenset({"loguniform", "reciprocal"})

#: Longest tick label of a categorical value before it is shortened.
_MAX_LABEL = 24


def _label(value):
    """Tick label of a categorical value: ``str``, shortened if long."""
    text = str(value)
    if len(text) > _MAX_LABEL:
        text = text[: _MAX_LABEL - 1] + "…"
    return text


def _genes(search):
    """``{name: gene}`` over every sub-space, in order of first appearance."""
    genes = {}
    for branch in SearchSpace(search.param_distributions).branches:
        for name, gene in branch.items():
            genes.setdefault(name, gene)
    return genes


def _is_log(gene):
    if isinstance(gene, (Integer, Real)):
        return gene.log
    if isinstance(gene, Distribution):
        name = getattr(getattr(gene.dist, "dist", None), "name", None)
        return name in _LOG_DISTRIBUTIONS
    return False


def _categories(gene, values):
    """Ordered tick labels for a categorical parameter."""
    labels = []
    if isinstance(gene, Categorical):
        choices = list(gene.choices)
        if all(is_number(c) for c in choices):
            choices = sorted(choices)
        labels = [_label(c) for c in choices]
    seen = [v for v in values if _label(v) not in labels]
    if seen and all(
        isinstance(v, tuple) for v in seen
    ):  # LayerSizes: by depth, then widths
        seen = sorted(seen, key=lambda v: (len(v), v))
    for v in seen:
        if _label(v) not in labels:
            labels.append(_label(v))
    return labels


def _draw_parameter(ax, name, gene, values, scores, generations, norm, jitter):
    numeric = not isinstance(gene, (Categorical, LayerSizes)) and all(
        is_number(v) for v in values
    )
    if numeric:
        x = np.asarray(values, dtype=float)
        if _is_log(gene):
            ax.set_xscale("log")
            # a narrow log range labels its minor ticks too, and they overlap
            from matplotlib.ticker import NullFormatter

            ax.xaxis.set_minor_formatter(NullFormatter())
    else:
        labels = _categories(gene, values)
        index = {label: i for i, label in enumerate(labels)}
        x = np.array([index[_label(v)] for v in values], dtype=float)
        x = x + jitter.uniform(-0.2, 0.2, size=len(x))
        ax.set_xticks(range(len(labels)), labels)
        ax.set_xlim(-0.5, len(labels) - 0.5)
        if len(labels) > 6 or sum(map(len, labels)) > 18:  # would overlap
            ax.tick_params(axis="x", labelrotation=45)
    points = ax.scatter(
        x,
        scores,
        c=generations,
        cmap="viridis",
        norm=norm,
        s=24,
        alpha=0.8,
        edgecolors="none",
    )
    ax.set_xlabel(name)
    return points


def plot_search_space(search, params=None, *, axes=None):
    """Plot the score of every candidate against each searched parameter.

    One small scatter plot per parameter, one point per distinct candidate
    in ``cv_results_``, coloured by the generation that evaluated it, so the
    drift of the population toward good regions shows. Numeric parameters
    are drawn on their own scale, logarithmic when their gene is
    (``Integer``/``Real`` with ``log=True``, ``scipy.stats.loguniform``);
    categorical ones (lists of values, ``LayerSizes``) as categories with a
    little horizontal jitter, labelled with ``str`` of the value (``None``,
    tuples such as ``hidden_layer_sizes``, estimators). Failed candidates
    (NaN score) and candidates of sub-spaces without the parameter are left
    out. One colour bar for the generations is added to the figure, taking
    its room from the Axes drawn on.

    Parameters
    ----------
    search : GeneticSearchCV
        A fitted search.
    params : list of str, default=None
        Parameters to plot, in order; all the searched ones if None.
    axes : array-like of matplotlib Axes, default=None
        At least one Axes per parameter; a new figure with a grid of up to
        three columns if None.

    Returns
    -------
    axes : ndarray of matplotlib Axes
        One Axes per parameter, in the order of ``params``.

    See Also
    --------
    plot_fitness : Scores over generations.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from gahpo import GeneticSearchCV
    >>> from gahpo.plots import plot_search_space
    >>> from gahpo.space import Integer
    >>> X, y = load_iris(return_X_y=True)
    >>> search = GeneticSearchCV(
    ...     DecisionTreeClassifier(random_state=0),
    ...     {
    ...         "min_samples_leaf": Integer(1, 50, log=True),
    ...         "criterion": ["gini", "entropy"],
    ...     },
    ...     population_size=4, generations=3, cv=3, random_state=0,
    ... ).fit(X, y)
    >>> axes = plot_search_space(search)
    >>> [ax.get_xlabel() for ax in axes], axes[0].get_xscale()
    (['min_samples_leaf', 'criterion'], 'log')
    """
    check_is_fitted(search, "history_")
    plt = import_pyplot("plot_search_space")
    from matplotlib.colors import Normalize
    from matplotlib.ticker import MaxNLocator

    genes = _genes(search)
    if params is None:
        names = list(genes)
    else:
        names = [params] if isinstance(params, str) else list(params)
        unknown = [n for n in names if n not in genes]
        if unknown or not names:
            raise ValueError(
                f"`params` must name searched parameters, one of {list(genes)}; "
                f"got {params!r}."
            )

    if axes is None:
        ncols = min(3, len(names))
        nrows = math.ceil(len(names) / ncols)
        fig, grid = plt.subplots(
            nrows,
            ncols,
            figsize=(3.6 * ncols + 1, 3.0 * nrows),
            squeeze=False,
            layout="constrained",
        )
        for ax in grid.ravel()[len(names) :]:
            ax.set_visible(False)
        axes = grid.ravel()[: len(names)]
        first_column = [ax for i, ax in enumerate(axes) if i % ncols == 0]
    else:
        given = np.ravel(np.asarray(axes, dtype=object))
        if len(given) < len(names):
            raise ValueError(
                f"`axes` must hold one Axes per parameter ({len(names)}: {names}), "
                f"got {len(given)}."
            )
        axes = given[: len(names)]
        fig = axes[0].figure
        first_column = list(axes)

    results = search.cv_results_
    scores = np.asarray(results[f"mean_test_{search_metric(search)}"], dtype=float)
    generation = np.asarray(results["generation"], dtype=float)
    norm = Normalize(vmin=0, vmax=max(float(np.nanmax(generation)), 1.0))
    jitter = np.random.RandomState(0)  # the same picture every time
    points = None
    for ax, name in zip(axes, names):
        rows = [
            i
            for i, p in enumerate(results["params"])
            if name in p and np.isfinite(scores[i])
        ]
        values = [results["params"][i][name] for i in rows]
        points = _draw_parameter(
            ax, name, genes[name], values, scores[rows], generation[rows], norm, jitter
        )
    for ax in first_column:
        ax.set_ylabel(score_label(search))
    colorbar = fig.colorbar(points, ax=list(axes), label="generation")
    colorbar.locator = MaxNLocator(integer=True)
    colorbar.update_ticks()
    return np.asarray(axes, dtype=object)
