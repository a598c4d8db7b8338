"""Parse ``param_distributions`` into a :class:`SearchSpace` of genes."""

import inspect
from collections.abc import Mapping

import numpy as np
from scipy.stats import qmc

from ._base import BaseGene
from ._categorical import Categorical
from ._individual import Individual
from ._scipy import Distribution

__all__ = ["SearchSpace", "as_gene"]


def as_gene(spec, name="param"):
    """Turn one entry of ``param_distributions`` into a gene.

    Parameters
    ----------
    spec : BaseGene, distribution or sequence
        A gahpo gene is used as is; an object with an ``rvs`` method (a
        frozen scipy.stats distribution) becomes a :class:`Distribution`
        gene; a list, tuple, range or 1-d array of values becomes a
        :class:`Categorical` gene, as in ``RandomizedSearchCV`` and
        ``GridSearchCV``.
    name : str
        The parameter name, used in error messages.

    Returns
    -------
    gene : BaseGene

    Examples
    --------
    >>> from scipy.stats import randint
    >>> from gahpo.space import as_gene
    >>> as_gene(["relu", "tanh"])
    Categorical(choices=['relu', 'tanh'])
    >>> as_gene(randint(1, 10), "max_depth")
    Distribution(randint(1, 10))
    """
    if isinstance(spec, BaseGene):
        return spec
    if callable(getattr(spec, "rvs", None)):
        return Distribution(spec)
    if isinstance(spec, (str, bytes, Mapping)) or not (
        isinstance(spec, (list, tuple, range))
        or (isinstance(spec, np.ndarray) and spec.ndim == 1)
    ):
        raise TypeError(
            f"param_distributions[{name!r}] must be a list of values, a "
            "distribution with an `rvs` method (e.g. scipy.stats.loguniform) or a "
            f"gahpo.space gene (Integer, Real, Categorical, LayerSizes), got "
            f"{type(spec).__name__} {spec!r}."
        )
    if len(spec) == 0:
        raise ValueError(
            f"param_distributions[{name!r}] must be a non-empty list of values, "
            "got an empty one."
        )
    return Categorical(list(spec))


def _qmc_rng_keyword():
    params = inspect.signature(qmc.LatinHypercube).parameters
    return "rng" if "rng" in params else "seed"


class SearchSpace:
    """The search space: one or several sub-spaces of named genes.

    Parameters
    ----------
    param_distributions : dict or list of dict
        As taken by ``RandomizedSearchCV`` (lists and distributions) and
        ``GridSearchCV`` (lists), plus gahpo genes. A list of dicts is a
        choice between sub-spaces (a conditional space): each individual
        belongs to one of them.

    Attributes
    ----------
    branches : list of dict
        One ``{name: gene}`` dict per sub-space.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.stats import loguniform
    >>> from gahpo.space import SearchSpace, LayerSizes
    >>> space = SearchSpace([
    ...     {"kernel": ["rbf"], "C": loguniform(1e-2, 1e2)},
    ...     {"kernel": ["linear"], "C": [0.1, 1.0, 10.0]},
    ... ])
    >>> space.n_branches
    2
    >>> params = space.decode(space.sample(np.random.RandomState(0)))
    >>> sorted(params)
    ['C', 'kernel']
    """

    def __init__(self, param_distributions):
        dicts = param_distributions
        if isinstance(dicts, Mapping):
            dicts = [dicts]
        if not isinstance(dicts, (list, tuple)):
            raise TypeError(
                "param_distributions must be a dict or a list of dicts, got "
                f"{type(param_distributions).__name__} {param_distributions!r}."
            )
        if len(dicts) == 0:
            raise ValueError(
                "param_distributions must not be empty: give at least one "
                "parameter to search, got []."
            )
        self.branches = []
        for i, d in enumerate(dicts):
            if not isinstance(d, Mapping):
                raise TypeError(
                    "param_distributions must be a dict or a list of dicts; "
                    f"item {i} is {type(d).__name__} {d!r}."
                )
            if len(d) == 0:
                where = (
                    "" if isinstance(param_distributions, Mapping) else f" (item {i})"
                )
                raise ValueError(
                    f"param_distributions{where} must not be empty: give at "
                    "least one parameter to search, got {}."
                )
            branch = {}
            for name, spec in d.items():
                if not isinstance(name, str):
                    raise TypeError(
                        "param_distributions keys must be parameter names (str), "
                        f"got {type(name).__name__} {name!r}."
                    )
                branch[name] = as_gene(spec, name)
            self.branches.append(branch)

    def __repr__(self):
        return f"SearchSpace({self.branches!r})"

    @property
    def n_branches(self):
        return len(self.branches)

    def genes(self, individual):
        """The genes of ``individual``'s sub-space, in genome order."""
        return list(self.branches[individual.branch].values())

    def names(self, individual):
        """The parameter names of ``individual``'s sub-space."""
        return list(self.branches[individual.branch])

    def check_parameters(self, estimator):
        """Raise if a name is not a parameter of ``estimator``.

        Names that reach inside an estimator given as a value of another
        name of the same sub-space (``{"clf": [SVC()], "clf__C": [...]}``) are
        accepted, as scikit-learn sets them in that order.
        """
        valid = set(estimator.get_params(deep=True))
        for branch in self.branches:
            for name in branch:
                parts = name.split("__")
                prefixes = {"__".join(parts[:k]) for k in range(1, len(parts))}
                if name in valid or prefixes & set(branch):
                    continue
                hint = sorted(p for p in valid if p.endswith(parts[-1]))[:5]
                raise ValueError(
                    f"param_distributions: {name!r} is not a parameter of "
                    f"{type(estimator).__name__}. "
                    + (f"Did you mean one of {hint}? " if hint else "")
                    + "Check the list with estimator.get_params().keys()."
                )

    def sample(self, rng, branch=None):
        """Draw one individual uniformly at random."""
        if branch is None:
            branch = int(rng.randint(self.n_branches))
        genes = self.branches[branch].values()
        return Individual([g.sample(rng) for g in genes], branch)

    def space_filling(self, n, rng):
        """``n`` individuals from a Latin hypercube design in each sub-space.

        Sub-spaces get ``n`` individuals between them in turn; within each, a
        scipy.stats.qmc Latin hypercube of as many dimensions as the genes
        consume is mapped through each gene's ``from_unit``. Genes that cannot
        map a quantile (distributions without ``ppf``) are sampled.
        """
        counts = np.bincount(np.arange(n) % self.n_branches, minlength=self.n_branches)
        out = []
        keyword = _qmc_rng_keyword()
        for branch, count in enumerate(counts):
            if count == 0:
                continue
            genes = list(self.branches[branch].values())
            d = sum(g.n_dims for g in genes)
            seed = np.random.default_rng(rng.randint(np.iinfo(np.int32).max))
            points = qmc.LatinHypercube(d, **{keyword: seed}).random(int(count))
            for row in points:
                values, at = [], 0
                for g in genes:
                    u = row[at : at + g.n_dims]
                    at += g.n_dims
                    try:
                        values.append(g.from_unit(u if g.n_dims > 1 else u[0]))
                    except TypeError:
                        values.append(g.sample(rng))
                out.append(Individual(values, branch))
        order = rng.permutation(len(out))
        return [out[i] for i in order]

    def from_params(self, params, *, partial=False, rng=None):
        """Encode a dict of decoded parameter values as an individual.

        Parameters
        ----------
        params : dict
            Parameter values, as in ``best_params_``.
        partial : bool, default=False
            If True, genes whose value is missing or out of the space are
            sampled with ``rng``, and None is returned only when no gene
            could be taken from ``params``. If False, every gene of a
            sub-space must be given and lie in it.
        rng : numpy.random.RandomState, optional
            Needed when ``partial=True``.

        Returns
        -------
        individual : Individual or None
        """
        best = None
        for branch, genes in enumerate(self.branches):
            values, hits = [], 0
            for name, gene in genes.items():
                try:
                    values.append(gene.encode(params[name]))
                    hits += 1
                except (KeyError, ValueError, TypeError):
                    if not partial:
                        break
                    values.append(gene.sample(rng))
            else:
                if hits == len(genes):
                    return Individual(values, branch)
                if hits and (best is None or hits > best[0]):
                    best = (hits, Individual(values, branch))
        return best[1] if best is not None else None

    def key(self, individual):
        """The identity of the candidate ``individual`` stands for.

        Built from the decoded parameters (names sorted), not from the
        genome, so that the same parameters reached through two sub-spaces
        of a conditional space are one candidate, scored once.
        """
        genes = self.branches[individual.branch]
        return tuple(
            sorted(
                (name, gene.key(value))
                for (name, gene), value in zip(genes.items(), individual)
            )
        )

    @property
    def n_features(self):
        """Length of :meth:`features`."""
        genes = sum(g.n_features for branch in self.branches for g in branch.values())
        return genes + (self.n_branches if self.n_branches > 1 else 0)

    def features(self, individual):
        """A fixed-length numeric description of ``individual`` for surrogates.

        Each gene of each sub-space has its own columns (``-1`` where the
        individual belongs to another sub-space), followed by a one-hot
        column per sub-space when there are several.
        """
        row = []
        for b, branch in enumerate(self.branches):
            for gene, value in zip(
                branch.values(),
                individual if b == individual.branch else [None] * len(branch),
            ):
                row.extend(
                    gene.features(value)
                    if value is not None
                    else [-1.0] * gene.n_features
                )
        if self.n_branches > 1:
            row.extend(float(b == individual.branch) for b in range(self.n_branches))
        return row

    def decode(self, individual):
        """The parameters ``individual`` stands for, ready for ``set_params``."""
        genes = self.branches[individual.branch]
        return {
            name: gene.decode(v) for (name, gene), v in zip(genes.items(), individual)
        }
