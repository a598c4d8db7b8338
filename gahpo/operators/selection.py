"""Selection operators: ``select_*(individuals, k, *, rng, ...) -> list``.

Each returns ``k`` individuals chosen from ``individuals`` (references, not
copies; the engine copies before varying them). Individuals compare by their
DEAP ``fitness``; failed candidates have fitness ``-inf`` and lose to all
others.
"""

from numbers import Integral

import numpy as np
from deap import tools

__all__ = [
    "Tournament",
    "select_best",
    "select_nsga2",
    "select_roulette",
    "select_tournament",
]


def _fit(ind):
    return ind.fitness.values[0]


def select_tournament(individuals, k, *, rng, tournament_size=3):
    """Pick ``k`` winners of tournaments among ``tournament_size`` aspirants.

    Aspirants are drawn with replacement, as in DEAP's ``selTournament``,
    but from the explicit ``rng``.

    Parameters
    ----------
    individuals : list of Individual
        Scored individuals.
    k : int
        Number of individuals to select.
    rng : numpy.random.RandomState
        Random number generator.
    tournament_size : int, default=3
        Aspirants per tournament; larger means greedier.

    Returns
    -------
    list of Individual

    Examples
    --------
    >>> import numpy as np
    >>> from gahpo.space import Individual
    >>> from gahpo.operators import select_tournament
    >>> pop = [Individual([i]) for i in range(5)]
    >>> for ind in pop:
    ...     ind.set_score(ind[0])
    >>> len(select_tournament(pop, 3, rng=np.random.RandomState(0)))
    3
    """
    n = len(individuals)
    chosen = []
    for _ in range(k):
        aspirants = rng.randint(n, size=tournament_size)
        chosen.append(max((individuals[i] for i in aspirants), key=_fit))
    return chosen


class Tournament:
    """Tournament selection with its size: ``selection=Tournament(size=5)``.

    A configured :func:`select_tournament`; ``selection="tournament"`` is
    ``Tournament(size=3)``.

    Parameters
    ----------
    size : int, default=3
        Aspirants per tournament (>= 1); larger means greedier.

    Examples
    --------
    >>> import numpy as np
    >>> from gahpo.space import Individual
    >>> from gahpo.operators import Tournament
    >>> pop = [Individual([i]) for i in range(5)]
    >>> for ind in pop:
    ...     ind.set_score(ind[0])
    >>> [ind[0] for ind in Tournament(size=5)(pop, 2, rng=np.random.RandomState(0))]
    [4, 4]
    """

    def __init__(self, size=3):
        if isinstance(size, bool) or not isinstance(size, Integral) or size < 1:
            raise ValueError(
                f"Tournament: `size` must be an integer >= 1, got size={size!r}."
            )
        self.size = size

    def __call__(self, individuals, k, *, rng):
        return select_tournament(individuals, k, rng=rng, tournament_size=self.size)

    def __eq__(self, other):
        return type(other) is type(self) and other.size == self.size

    def __hash__(self):
        return hash((type(self).__name__, self.size))

    def __repr__(self):
        return f"Tournament(size={self.size!r})"


def select_best(individuals, k, *, rng=None):
    """Keep the ``k`` best ("keep the N best", the study's rule).

    Ties keep their order in ``individuals``; ``rng`` is unused and accepted
    for a uniform signature.

    Examples
    --------
    >>> from gahpo.space import Individual
    >>> from gahpo.operators import select_best
    >>> pop = [Individual([i]) for i in range(5)]
    >>> for ind in pop:
    ...     ind.set_score(ind[0])
    >>> [ind[0] for ind in select_best(pop, 2)]
    [4, 3]
    """
    return sorted(individuals, key=_fit, reverse=True)[:k]


def select_roulette(individuals, k, *, rng):
    """Fitness-proportional ("roulette wheel") selection, with replacement.

    Scores may be negative (losses such as ``neg_log_loss``) or NaN: weights
    are the first objective shifted so that the worst finite score gets a
    small positive weight (a tenth of the mean weight); failed individuals get
    none, unless every individual failed, in which case the draw is uniform.

    Examples
    --------
    >>> import numpy as np
    >>> from gahpo.space import Individual
    >>> from gahpo.operators import select_roulette
    >>> pop = [Individual([i]) for i in range(4)]
    >>> for ind, s in zip(pop, [-3.0, -1.0, float("nan"), -2.0]):
    ...     ind.set_score(s)
    >>> chosen = select_roulette(pop, 100, rng=np.random.RandomState(0))
    >>> any(ind[0] == 2 for ind in chosen)  # the failed one is never drawn
    False
    """
    values = np.array([_fit(ind) for ind in individuals], dtype=float)
    finite = np.isfinite(values)
    if not finite.any():
        p = np.full(len(values), 1.0 / len(values))
    else:
        shifted = np.where(finite, values - values[finite].min(), 0.0)
        span = shifted[finite].mean()
        floor = 0.1 * span if span > 0 else 1.0
        weights = np.where(finite, shifted + floor, 0.0)
        p = weights / weights.sum()
    return [individuals[i] for i in rng.choice(len(individuals), size=k, p=p)]


def select_nsga2(individuals, k, *, rng=None):
    """NSGA-II: non-dominated fronts, then crowding distance (DEAP's ``selNSGA2``).

    For several objectives (all maximized; gahpo negates those to minimize).
    Deterministic; ``rng`` is accepted for a uniform signature. With one
    objective it reduces to :func:`select_best` with ties broken by
    crowding.

    Examples
    --------
    >>> from gahpo.space import Individual
    >>> from gahpo.operators import select_nsga2
    >>> pop = [Individual([i]) for i in range(3)]
    >>> for ind, s in zip(pop, [(1.0, 0.0), (0.0, 1.0), (0.0, 0.0)]):
    ...     ind.set_score(s)
    >>> sorted(ind[0] for ind in select_nsga2(pop, 2))
    [0, 1]
    """
    return tools.selNSGA2(list(individuals), k)
