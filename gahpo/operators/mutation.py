"""Mutation operators: ``mutate_*(individual, space, *, rng, ...) -> individual``.

They modify the individual in place and return it. Variation is gene-aware:
each gene's ``mutate`` perturbs a value in the gene's natural scale (log for
``log=True``, quantiles for distributions, rank for ordered grids; layer
sizes add, remove or resize a layer).
"""

__all__ = ["mutate_genewise"]


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
