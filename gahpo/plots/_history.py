"""Plots over generations: fitness and diversity."""

from sklearn.utils.validation import check_is_fitted

from ._common import (
    axes_or_new,
    history_column,
    import_pyplot,
    integer_ticks,
    score_label,
)

__all__ = ["plot_diversity", "plot_fitness"]


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
    plt = import_pyplot("plot_fitness")
    ax = axes_or_new(plt, ax)
    history = search.history_
    generation = history_column(history, "generation")
    best = history_column(history, "best_score")
    mean = history_column(history, "mean_score")
    std = history_column(history, "std_score")

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
    ax.set_ylabel(score_label(search, history=True))
    ax.set_title("Fitness over generations")
    integer_ticks(ax)
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
    plt = import_pyplot("plot_diversity")
    ax = axes_or_new(plt, ax)
    history = search.history_
    generation = history_column(history, "generation")
    ax.plot(
        generation,
        history_column(history, "diversity"),
        marker="o",
        label="diversity (distinct parents)",
    )
    ax.plot(
        generation,
        history_column(history, "duplicate_rate"),
        marker="s",
        label="duplicate rate (children)",
    )
    ax.set_ylim(-0.05, 1.05)
    ax.set_xlabel("generation")
    ax.set_ylabel("share of the population")
    ax.set_title("Population diversity")
    integer_ticks(ax)
    ax.legend(loc="best")
    return ax
