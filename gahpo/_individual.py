"""DEAP fitness and individual classes, defined once at module level.

``deap.creator.create("FitnessMax", base.Fitness, weights=(1.0,))`` is exactly
a class statement executed at run time into a global namespace; defining the
classes here instead keeps gahpo free of global state and lets individuals
pickle in a fresh process.
"""

import math

from deap import base

__all__ = ["FitnessMax", "Individual"]


class FitnessMax(base.Fitness):
    """Single-objective fitness; scikit-learn scores are greater-is-better."""

    weights = (1.0,)


class Individual(list):
    """A genome: the encoded values of one sub-space's genes, in order.

    Attributes
    ----------
    branch : int
        Index of the sub-space (the dict of ``param_distributions``) the
        genes belong to.
    fitness : FitnessMax
        Valid once scored; a score of NaN (failed fit) is stored as ``-inf``
        so that failed candidates rank last and never become best.
    score : float
        The raw score, NaN for failures.
    """

    def __init__(self, genes=(), branch=0):
        super().__init__(genes)
        self.branch = branch
        self.fitness = FitnessMax()
        self.score = math.nan

    @property
    def key(self):
        """Hashable identity of the genome, used by the score cache."""
        return (self.branch, *self)

    def set_score(self, score):
        """Record a score (NaN for a failed candidate)."""
        score = float(score)
        self.score = score
        self.fitness.values = (score if math.isfinite(score) else -math.inf,)

    def copy(self):
        """A copy with the same genes and branch and an empty fitness."""
        return Individual(self, self.branch)

    def copy_with_score(self):
        """A copy that keeps the score."""
        ind = self.copy()
        if self.fitness.valid:
            ind.set_score(self.score)
        return ind

    def __repr__(self):
        return f"Individual({list(self)!r}, branch={self.branch})"

    def __reduce__(self):
        return (_rebuild, (list(self), self.branch, self.score, self.fitness.valid))


def _rebuild(genes, branch, score, scored):
    ind = Individual(genes, branch)
    if scored:
        ind.set_score(score)
    return ind
