"""Crossover operators: ``crossover_*(ind1, ind2, space, *, rng, ...) -> (ind1, ind2)``.

They modify both individuals in place and return them. Recombination is
gene-aware: each gene's ``crossover`` decides how two of its values mix
(scalar genes swap, :class:`~gahpo.space.LayerSizes` cuts and splices layer
lists). Individuals from different sub-spaces of a conditional space are
left as they are.
"""

__all__ = ["crossover_uniform"]


def crossover_uniform(ind1, ind2, space, *, rng, swap_proba=0.5):
    """Recombine each gene independently with probability ``swap_proba``.

    Parameters
    ----------
    ind1, ind2 : Individual
        Parents, modified in place into the children.
    space : SearchSpace
        The search space the individuals belong to.
    rng : numpy.random.RandomState
        Random number generator.
    swap_proba : float, default=0.5
        Probability that a gene is recombined.

    Returns
    -------
    ind1, ind2 : Individual

    Examples
    --------
    >>> import numpy as np
    >>> from gahpo._individual import Individual
    >>> from gahpo.operators import crossover_uniform
    >>> from gahpo.space import SearchSpace
    >>> space = SearchSpace({"a": [0, 1], "b": [0, 1], "c": [0, 1]})
    >>> a, b = Individual([0, 0, 0]), Individual([1, 1, 1])
    >>> a, b = crossover_uniform(a, b, space, rng=np.random.RandomState(0))
    >>> [x + y for x, y in zip(a, b)]
    [1, 1, 1]
    """
    if ind1.branch != ind2.branch:
        return ind1, ind2
    for i, gene in enumerate(space.genes(ind1)):
        if rng.uniform() < swap_proba:
            ind1[i], ind2[i] = gene.crossover(ind1[i], ind2[i], rng)
    return ind1, ind2
