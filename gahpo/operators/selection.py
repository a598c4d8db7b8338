"""Selection operators: ``select_*(individuals, k, *, rng, ...) -> list``.

Each returns ``k`` individuals chosen from ``individuals`` (references, not
copies; the engine copies before varying them). Individuals compare by their
DEAP ``fitness``; failed candidates have fitness ``-inf`` and lose to all
others.
"""

__all__ = ["select_best", "select_tournament"]


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
    >>> from gahpo._individual import Individual
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


def select_best(individuals, k, *, rng=None):
    """Keep the ``k`` best ("keep the N best", the study's rule).

    Ties keep their order in ``individuals``; ``rng`` is unused and accepted
    for a uniform signature.

    Examples
    --------
    >>> from gahpo._individual import Individual
    >>> from gahpo.operators import select_best
    >>> pop = [Individual([i]) for i in range(5)]
    >>> for ind in pop:
    ...     ind.set_score(ind[0])
    >>> [ind[0] for ind in select_best(pop, 2)]
    [4, 3]
    """
    return sorted(individuals, key=_fit, reverse=True)[:k]
