"""Crossover operators: ``crossover_*(ind1, ind2, space, *, rng, ...) -> (ind1, ind2)``.

They modify both individuals in place and return them. Recombination is
gene-aware: each gene decides how two of its values mix (``gene.crossover``:
scalar genes swap, :class:`~gahpo.space.LayerSizes` cuts and splices layer
lists; ``gene.blend`` for numeric genes). Individuals from different
sub-spaces of a conditional space are left as they are.

A DEAP operator works on the encoded genomes when wrapped in a line, e.g.
DEAP's two-point crossover (which uses Python's global ``random``, so prefer
the built-ins for reproducible searches)::

    from deap import tools
    def crossover_deap(ind1, ind2, space, *, rng):
        if ind1.branch != ind2.branch:
            return ind1, ind2
        return tools.cxTwoPoint(ind1, ind2)
"""

import numpy as np

__all__ = [
    "crossover_blend",
    "crossover_one_point",
    "crossover_two_point",
    "crossover_uniform",
]


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
    >>> from gahpo.space import Individual
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


def _cut_and_swap(ind1, ind2, space, rng, n_points):
    if ind1.branch != ind2.branch:
        return ind1, ind2
    genes = space.genes(ind1)
    n = len(genes)
    if n < 2:
        return crossover_uniform(ind1, ind2, space, rng=rng, swap_proba=1.0)
    cuts = sorted(rng.choice(np.arange(1, n), size=min(n_points, n - 1), replace=False))
    bounds = [*cuts, n] if len(cuts) == 1 else [cuts[0], cuts[1]]
    start, stop = bounds[0], bounds[1]
    for i in range(start, stop):
        ind1[i], ind2[i] = genes[i].crossover(ind1[i], ind2[i], rng)
    return ind1, ind2


def crossover_one_point(ind1, ind2, space, *, rng):
    """Exchange every gene after one random cut point (DEAP's ``cxOnePoint``).

    Examples
    --------
    >>> import numpy as np
    >>> from gahpo.space import Individual
    >>> from gahpo.operators import crossover_one_point
    >>> from gahpo.space import SearchSpace
    >>> space = SearchSpace({k: [0, 1] for k in "abcd"})
    >>> a, b = crossover_one_point(Individual([0] * 4), Individual([1] * 4), space,
    ...                            rng=np.random.RandomState(0))
    >>> a[0], b[0], a[-1], b[-1]  # the tails were exchanged
    (0, 1, 1, 0)
    """
    return _cut_and_swap(ind1, ind2, space, rng, 1)


def crossover_two_point(ind1, ind2, space, *, rng):
    """Exchange the genes between two random cut points (DEAP's ``cxTwoPoint``).

    Examples
    --------
    >>> import numpy as np
    >>> from gahpo.space import Individual
    >>> from gahpo.operators import crossover_two_point
    >>> from gahpo.space import SearchSpace
    >>> space = SearchSpace({k: [0, 1] for k in "abcde"})
    >>> a, b = crossover_two_point(Individual([0] * 5), Individual([1] * 5), space,
    ...                            rng=np.random.RandomState(1))
    >>> a[0], a[-1]  # the ends stay
    (0, 0)
    """
    return _cut_and_swap(ind1, ind2, space, rng, 2)


def crossover_blend(ind1, ind2, space, *, rng, alpha=0.5):
    """Blend numeric genes (BLX-alpha); swap the others as uniform crossover.

    For each numeric gene (``Integer``, ``Real``, ordered numeric
    ``Categorical`` grids and ``Distribution`` genes) each child is drawn
    uniformly from the parents' interval widened by ``alpha`` times its
    length on both sides, in the gene's own scale (log for ``log=True``,
    quantiles for distributions), and clipped to the gene.

    Examples
    --------
    >>> import numpy as np
    >>> from gahpo.space import Individual
    >>> from gahpo.operators import crossover_blend
    >>> from gahpo.space import SearchSpace, Real
    >>> space = SearchSpace({"x": Real(0, 10)})
    >>> a, b = crossover_blend(Individual([2.0]), Individual([4.0]), space,
    ...                        rng=np.random.RandomState(0))
    >>> 1.0 <= a[0] <= 5.0 and 1.0 <= b[0] <= 5.0
    True
    """
    if ind1.branch != ind2.branch:
        return ind1, ind2
    for i, gene in enumerate(space.genes(ind1)):
        blend = getattr(gene, "blend", None)
        if blend is not None:
            ind1[i], ind2[i] = blend(ind1[i], ind2[i], rng, alpha=alpha)
        elif rng.uniform() < 0.5:
            ind1[i], ind2[i] = gene.crossover(ind1[i], ind2[i], rng)
    return ind1, ind2
