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

from ._history import plot_diversity, plot_fitness
from ._pareto import plot_pareto_front
from ._space import plot_search_space

__all__ = ["plot_diversity", "plot_fitness", "plot_pareto_front", "plot_search_space"]
