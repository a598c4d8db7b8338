"""DEAP fitness and individual classes, defined once at module level.

An individual is a genome of the search space, so the type lives here, at
the bottom of the layers: the operators and the engine use it, genes never
reach up for it.

``deap.creator.create("FitnessMax", base.Fitness, weights=(1.0,))`` is exactly
a class statement executed at run time into a global namespace; defining the
classes here instead keeps gahpo free of global state and lets individuals
pickle in a fresh process.
"""

import math

from deap import base

__all__ = ["FitnessMax", "Individual"]

#: Most objectives a search can have (see FitnessMax.weights).
MAX_OBJECTIVES = 32


class FitnessMax(base.Fitness):
    """Fitness with every objective maximized.

    scikit-learn scores are greater-is-better; objectives to minimize (such
    as fit time) are negated before they are stored, so one class serves any
    number of objectives: weighted values are set directly (all weights are
    1.0), and DEAP reads them back pairing values and weights with ``map``, so
    the weights tuple only needs to be long enough.
    """

    weights = (1.0,) * MAX_OBJECTIVES


class Individual(list):
    """A genome: the encoded values of one sub-space's genes, in order.

    Attributes
    ----------
    branch : int
        Index of the sub-space (the dict of ``param_distributions``) the
        genes belong to.
    fitness : FitnessMax
        Valid once scored; a NaN score (failed fit) is stored as ``-inf`` so
        that failed candidates rank last and never become best.
    scores : tuple of float
        The raw objective values (greater is better), NaN for failures.
    score : float
        The first objective, which guides single-objective selection.
    """

    def __init__(self, genes=(), branch=0):
        super().__init__(genes)
        self.branch = branch
        self.fitness = FitnessMax()
        self.scores = ()

    @property
    def key(self):
        """Hashable identity of the genome: its branch and encoded genes.

        The search's score cache keys on :meth:`SearchSpace.key` instead,
        which merges equal parameters reached through two sub-spaces.
        """
        return (self.branch, *self)

    @property
    def score(self):
        return self.scores[0] if self.scores else math.nan

    def set_score(self, score):
        """Record a score, or a sequence of objective values (NaN = failed)."""
        try:
            scores = tuple(float(s) for s in score)
        except TypeError:
            scores = (float(score),)
        self.scores = scores
        # every weight is 1.0, so the weighted values are the values; DEAP's
        # setter would insist on exactly MAX_OBJECTIVES of them
        self.fitness.wvalues = tuple(
            s if math.isfinite(s) else -math.inf for s in scores
        )

    def copy(self):
        """A copy with the same genes and branch and an empty fitness."""
        return Individual(self, self.branch)

    def copy_with_score(self):
        """A copy that keeps the score."""
        ind = self.copy()
        if self.fitness.valid:
            ind.set_score(self.scores)
        return ind

    def __repr__(self):
        return f"Individual({list(self)!r}, branch={self.branch})"

    def __reduce__(self):
        return (_rebuild, (list(self), self.branch, self.scores))


def _rebuild(genes, branch, scores):
    ind = Individual(genes, branch)
    if scores:
        ind.set_score(scores)
    return ind
