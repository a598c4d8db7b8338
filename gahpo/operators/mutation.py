"""Mutation operators: ``mutate_*(individual, space, *, rng, ...) -> individual``.

They modify the individual in place and return it. Variation is gene-aware:
each gene's ``mutate`` perturbs a value in the gene's natural scale (log for
``log=True``, quantiles for distributions, rank for ordered grids; layer
sizes add, remove or resize a layer).
"""

import math
from numbers import Real

__all__ = ["GeneWise", "mutate_genewise"]


def mutate_genewise(individual, space, *, rng, gene_proba=None, strength=0.2):
    """Mutate each gene with probability ``gene_proba``; at least one changes.

    In a conditional space (several sub-spaces), the individual moves to
    another sub-space with probability ``1 / (n_genes + 1)``, keeping the
    values of genes the two sub-spaces share.

    Parameters
    ----------
    individual : Individual
        Modified in place.
    space : SearchSpace
        The search space.
    rng : numpy.random.RandomState
        Random number generator.
    gene_proba : float, optional
        Probability that a gene mutates; default ``1 / n_genes``.
    strength : float, default=0.2
        Perturbation scale, as a fraction of each gene's range.

    Returns
    -------
    individual : Individual

    Examples
    --------
    >>> import numpy as np
    >>> from gahpo.space import Individual
    >>> from gahpo.operators import mutate_genewise
    >>> from gahpo.space import SearchSpace, Integer
    >>> space = SearchSpace({"a": Integer(0, 100)})
    >>> mutate_genewise(Individual([50]), space, rng=np.random.RandomState(0))[0] != 50
    True
    """
    genes = space.genes(individual)
    n = len(genes)
    if space.n_branches > 1 and rng.uniform() < 1.0 / (n + 1):
        return _switch_branch(individual, space, rng)
    proba = 1.0 / n if gene_proba is None else gene_proba
    hits = [i for i in range(n) if rng.uniform() < proba]
    if not hits:
        hits = [int(rng.randint(n))]
    before = list(individual)
    for i in hits:
        individual[i] = genes[i].mutate(individual[i], rng, strength=strength)
    if list(individual) == before:
        # only single-valued genes were drawn (as {"kernel": ["rbf"]} in a
        # conditional space): try the others, in random order, until one moves
        for i in rng.permutation(n):
            individual[i] = genes[i].mutate(individual[i], rng, strength=strength)
            if individual[i] != before[i]:
                break
    return individual


class GeneWise:
    """Gene-wise mutation with its settings: ``mutation=GeneWise(strength=0.3)``.

    A configured :func:`mutate_genewise`; ``mutation="genewise"`` is
    ``GeneWise()``. The search reads ``strength`` and ``adaptive`` once per
    generation and passes the generation's strength to the call.

    Parameters
    ----------
    strength : float or callable, default=0.2
        Scale of numeric mutations as a fraction of each gene's range (in its
        log or quantile scale), > 0; or a schedule of the generation, e.g.
        ``ExponentialDecay(0.3, 0.9)`` to refine over generations
        (:mod:`gahpo.schedules`).
    adaptive : bool, default=False
        Raise the mutation probability and strength when the population loses
        diversity: by the share of the last generation's children that
        duplicated an already scored candidate.
    gene_proba : float, default=None
        Probability that a gene mutates, in (0, 1]; default ``1 / n_genes``.

    Examples
    --------
    >>> import numpy as np
    >>> from gahpo.space import Individual, SearchSpace, Integer
    >>> from gahpo.operators import GeneWise
    >>> mutate = GeneWise(strength=0.5)
    >>> space = SearchSpace({"a": Integer(0, 100)})
    >>> mutate(Individual([50]), space, rng=np.random.RandomState(0))[0] != 50
    True
    """

    def __init__(self, strength=0.2, adaptive=False, gene_proba=None):
        if not callable(strength) and (
            isinstance(strength, bool)
            or not isinstance(strength, Real)
            or not 0 < strength < math.inf
        ):
            raise ValueError(
                "GeneWise: `strength` must be a number > 0 or a schedule "
                f"(a callable of the generation), got strength={strength!r}."
            )
        if not isinstance(adaptive, bool):
            raise TypeError(
                f"GeneWise: `adaptive` must be a bool, got adaptive={adaptive!r}."
            )
        if gene_proba is not None and (
            isinstance(gene_proba, bool)
            or not isinstance(gene_proba, Real)
            or not 0 < gene_proba <= 1
        ):
            raise ValueError(
                "GeneWise: `gene_proba` must be None or a number in (0, 1], got "
                f"gene_proba={gene_proba!r}."
            )
        self.strength = strength
        self.adaptive = adaptive
        self.gene_proba = gene_proba

    def __call__(self, individual, space, *, rng, strength=None):
        """Mutate ``individual`` in place; ``strength`` overrides the setting."""
        if strength is None:  # called on its own: the first generation's
            strength = self.strength(0) if callable(self.strength) else self.strength
        return mutate_genewise(
            individual, space, rng=rng, gene_proba=self.gene_proba, strength=strength
        )

    def __eq__(self, other):
        return type(other) is type(self) and (
            (other.strength, other.adaptive, other.gene_proba)
            == (self.strength, self.adaptive, self.gene_proba)
        )

    def __hash__(self):
        return hash((type(self).__name__, self.adaptive, self.gene_proba))

    def __repr__(self):
        return (
            f"GeneWise(strength={self.strength!r}, adaptive={self.adaptive!r}, "
            f"gene_proba={self.gene_proba!r})"
        )


def _switch_branch(individual, space, rng):
    others = [b for b in range(space.n_branches) if b != individual.branch]
    new = space.sample(rng, branch=others[rng.randint(len(others))])
    old = dict(zip(space.names(individual), zip(space.genes(individual), individual)))
    for i, (name, gene) in enumerate(zip(space.names(new), space.genes(new))):
        if name in old and old[name][0] == gene:
            new[i] = old[name][1]
    individual[:] = new
    individual.branch = new.branch
    return individual
