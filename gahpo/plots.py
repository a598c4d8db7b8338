"""Plots of a fitted :class:`~gahpo.GeneticSearchCV`.

Each function takes the fitted search, draws on the Axes it is given (or on a
new figure), and returns the Axes. Nothing here changes matplotlib's global
style or ``rcParams``.

matplotlib is an optional dependency, imported when a function is called:
``pip install "sklearn-gahpo[plot]"``.

- :func:`plot_fitness`: best, mean and spread of the score per generation.
- :func:`plot_search_space`: score against each searched parameter.
- :func:`plot_pareto_front`: two objectives of a multi-objective search.
- :func:`plot_diversity`: how varied the population stays.
"""

import math
import numbers

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .space import Categorical, Distribution, Integer, LayerSizes, Real, SearchSpace

__all__ = ["plot_diversity", "plot_fitness", "plot_pareto_front", "plot_search_space"]

#: scipy.stats distributions whose values are spread evenly in log scale.
_LOG_DISTRIBUTIONS = frozenset({"loguniform", "reciprocal"})

#: Longest tick label of a categorical value before it is shortened.
_MAX_LABEL = 24


def _pyplot(caller):
    """Import matplotlib.pyplot, or raise an ImportError naming the extra."""
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(
            f"{caller} needs matplotlib, an optional dependency of gahpo: "
            'pip install "sklearn-gahpo[plot]"'
        ) from None
    return plt


def _axes(plt, ax):
    if ax is None:
        _, ax = plt.subplots()
    return ax


def _column(history, key):
    """One entry of every ``history_`` record, as floats (NaN where missing)."""
    out = []
    for record in history:
        value = record.get(key)
        out.append(math.nan if value is None else float(value))
    return np.asarray(out, dtype=float)


def _guiding_metric(search):
    """Name of the metric whose ``mean_test_<name>`` column guided the search."""
    return search._guiding_metric(search.cv_results_)


def _score_label(search, *, history=False):
    """Label of a score axis: the metric's name when it has one.

    ``history_`` scores of a multi-objective search are those of the first
    objective, negated if it is minimized (greater is always better there).
    """
    objectives = getattr(search, "objectives", None)
    if history and objectives:
        name, direction = _objectives(search)[0]
        return name if direction == "maximize" else f"−{name} (negated)"
    name = search.scoring if isinstance(search.scoring, str) else None
    if isinstance(getattr(search, "cv_results_", None), dict):
        metric = _guiding_metric(search)
        name = name if metric == "score" else metric
    return f"CV score ({name})" if name else "CV score"


def _integer_ticks(ax):
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def plot_fitness(search, *, ax=None):
    """Plot the best, mean and spread of the score over generations.

    Three artists per search: the best score found so far (a line that never
    goes down), the mean score of each generation's population, and a band of
    one standard deviation around that mean. Failed candidates are left out
    of the mean and spread, as in ``history_``.

    Parameters
    ----------
    search : GeneticSearchCV
        A fitted search.
    ax : matplotlib Axes, default=None
        Axes to draw on; a new figure if None.

    Returns
    -------
    ax : matplotlib Axes
        The Axes drawn on.

    See Also
    --------
    plot_diversity : How varied the population stays.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from gahpo import GeneticSearchCV
    >>> from gahpo.plots import plot_fitness
    >>> X, y = load_iris(return_X_y=True)
    >>> search = GeneticSearchCV(
    ...     DecisionTreeClassifier(random_state=0), {"max_depth": list(range(1, 9))},
    ...     population_size=4, generations=3, cv=3, random_state=0,
    ... ).fit(X, y)
    >>> ax = plot_fitness(search)
    >>> [line.get_label() for line in ax.get_lines()]
    ['best so far', 'generation mean']
    """
    check_is_fitted(search, "history_")
    plt = _pyplot("plot_fitness")
    ax = _axes(plt, ax)
    history = search.history_
    generation = _column(history, "generation")
    best = _column(history, "best_score")
    mean = _column(history, "mean_score")
    std = _column(history, "std_score")

    ax.plot(generation, best, marker="o", label="best so far")
    (line,) = ax.plot(generation, mean, marker=".", label="generation mean")
    ax.fill_between(
        generation,
        mean - std,
        mean + std,
        color=line.get_color(),
        alpha=0.2,
        linewidth=0,
        label="mean ± std",
    )
    ax.set_xlabel("generation")
    ax.set_ylabel(_score_label(search, history=True))
    ax.set_title("Fitness over generations")
    _integer_ticks(ax)
    ax.legend(loc="best")
    return ax


def plot_diversity(search, *, ax=None):
    """Plot the population's diversity and duplicate rate over generations.

    ``diversity`` is the share of distinct candidates among the parents that
    bred a generation; ``duplicate_rate`` is the share of their children that
    duplicated an already scored candidate (and were mutated again). A
    diversity that falls and a duplicate rate that rises mean the population
    has converged: more generations will find little that is new.

    Parameters
    ----------
    search : GeneticSearchCV
        A fitted search.
    ax : matplotlib Axes, default=None
        Axes to draw on; a new figure if None.

    Returns
    -------
    ax : matplotlib Axes
        The Axes drawn on.

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
    >>> from gahpo.plots import plot_diversity
    >>> X, y = load_iris(return_X_y=True)
    >>> search = GeneticSearchCV(
    ...     DecisionTreeClassifier(random_state=0), {"max_depth": list(range(1, 9))},
    ...     population_size=4, generations=3, cv=3, random_state=0,
    ... ).fit(X, y)
    >>> ax = plot_diversity(search)
    >>> ax.get_ylabel()
    'share of the population'
    """
    check_is_fitted(search, "history_")
    plt = _pyplot("plot_diversity")
    ax = _axes(plt, ax)
    history = search.history_
    generation = _column(history, "generation")
    ax.plot(
        generation,
        _column(history, "diversity"),
        marker="o",
        label="diversity (distinct parents)",
    )
    ax.plot(
        generation,
        _column(history, "duplicate_rate"),
        marker="s",
        label="duplicate rate (children)",
    )
    ax.set_ylim(-0.05, 1.05)
    ax.set_xlabel("generation")
    ax.set_ylabel("share of the population")
    ax.set_title("Population diversity")
    _integer_ticks(ax)
    ax.legend(loc="best")
    return ax


# -- search space -------------------------------------------------------------


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


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
        if all(_is_number(c) for c in choices):
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
        _is_number(v) for v in values
    )
    if numeric:
        x = np.asarray(values, dtype=float)
        if _is_log(gene):
            ax.set_xscale("log")
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
    plt = _pyplot("plot_search_space")
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
    scores = np.asarray(results[f"mean_test_{_guiding_metric(search)}"], dtype=float)
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
        ax.set_ylabel(_score_label(search))
    colorbar = fig.colorbar(points, ax=list(axes), label="generation")
    colorbar.locator = MaxNLocator(integer=True)
    colorbar.update_ticks()
    return np.asarray(axes, dtype=object)


# -- Pareto front -------------------------------------------------------------


def _objectives(search):
    """``[(name, direction)]`` of a multi-objective search."""
    objectives = search.objectives
    if isinstance(objectives, dict):
        return list(objectives.items())
    return [
        (name, "minimize" if name in ("fit_time", "score_time") else "maximize")
        for name in objectives
    ]


def _objective_column(search, name):
    key = f"mean_{name}" if name in ("fit_time", "score_time") else f"mean_test_{name}"
    results = search.cv_results_
    if key not in results:
        metrics = sorted(
            k[len("mean_test_") :] for k in results if k.startswith("mean_test_")
        )
        raise ValueError(
            f"plot_pareto_front: {name!r} is neither a metric of the search "
            f"({metrics}) nor 'fit_time' / 'score_time'."
        )
    return np.asarray(results[key], dtype=float)


def plot_pareto_front(search, x=None, y=None, *, ax=None):
    """Plot the candidates of a multi-objective search and its Pareto front.

    Every candidate is a grey point; the candidates of ``pareto_front_``
    (which no other candidate beats on every objective) are drawn on top and
    joined in order of ``x``, and the candidate chosen by ``refit`` is
    starred. Values are in their natural units (times in seconds, scores as
    scikit-learn reports them). With more than two objectives the front is
    projected: some of its points may look dominated in the two shown.

    Parameters
    ----------
    search : GeneticSearchCV
        A search fitted with ``objectives=``.
    x, y : str, default=None
        Objectives (or other metrics of the search, or ``"fit_time"`` /
        ``"score_time"``) on each axis; the first and second objectives if
        None.
    ax : matplotlib Axes, default=None
        Axes to draw on; a new figure if None.

    Returns
    -------
    ax : matplotlib Axes
        The Axes drawn on.

    Raises
    ------
    ValueError
        If the search has no ``pareto_front_`` (it was fitted without
        ``objectives``) or a name is not a metric of the search.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from gahpo import GeneticSearchCV
    >>> from gahpo.plots import plot_pareto_front
    >>> X, y = load_iris(return_X_y=True)
    >>> search = GeneticSearchCV(
    ...     DecisionTreeClassifier(random_state=0), {"max_depth": list(range(1, 9))},
    ...     objectives=["score", "fit_time"],
    ...     population_size=4, generations=3, cv=3, random_state=0,
    ... ).fit(X, y)
    >>> ax = plot_pareto_front(search)
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('score (maximize)', 'fit_time (minimize)')
    """
    check_is_fitted(search, "history_")
    if not hasattr(search, "pareto_front_"):
        raise ValueError(
            "plot_pareto_front needs a multi-objective search, but this "
            f"{type(search).__name__} has no `pareto_front_`: fit it with "
            "`objectives=`, e.g. objectives=['score', 'fit_time']."
        )
    objectives = _objectives(search)
    names = [name for name, _ in objectives]
    if x is None or y is None:
        rest = [n for n in names if n not in (x, y)]
        if x is None:
            x = rest.pop(0) if rest else None
        if y is None:
            y = rest.pop(0) if rest else None
        if x is None or y is None:
            raise ValueError(
                f"plot_pareto_front needs two objectives to plot; the search has "
                f"{names}: pass `x=` and `y=`."
            )
    plt = _pyplot("plot_pareto_front")
    ax = _axes(plt, ax)
    xs, ys = _objective_column(search, x), _objective_column(search, y)
    ok = np.isfinite(xs) & np.isfinite(ys)
    front = np.asarray(search.pareto_front_, dtype=int)
    front = front[ok[front]]
    order = front[np.argsort(xs[front], kind="stable")]

    ax.scatter(xs[ok], ys[ok], color="0.6", s=18, alpha=0.7, label="candidates")
    (line,) = ax.plot(xs[order], ys[order], linewidth=1.2, label="_front line")
    ax.scatter(
        xs[order],
        ys[order],
        color=line.get_color(),
        s=36,
        zorder=3,
        label="Pareto front",
    )
    best = getattr(search, "best_index_", None)
    if best is not None and ok[best]:
        ax.scatter(
            [xs[best]],
            [ys[best]],
            marker="*",
            s=180,
            color="tab:red",
            edgecolors="black",
            linewidths=0.5,
            zorder=4,
            label="refit choice",
        )
    directions = dict(objectives)
    ax.set_xlabel(f"{x} ({directions[x]})" if x in directions else x)
    ax.set_ylabel(f"{y} ({directions[y]})" if y in directions else y)
    ax.set_title("Pareto front")
    ax.legend(loc="best")
    return ax
