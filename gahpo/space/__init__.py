"""Search spaces: the genes a genetic search evolves.

``param_distributions`` accepts what ``RandomizedSearchCV`` and
``GridSearchCV`` accept (lists of values and distributions with an ``rvs``
method) plus the genes below; a list of dicts is a conditional space.
"""

from ._base import BaseGene
from ._categorical import Categorical
from ._individual import FitnessMax, Individual
from ._layers import LayerSizes
from ._numeric import Integer, Real
from ._scipy import Distribution
from ._space import SearchSpace, as_gene

__all__ = [
    "BaseGene",
    "Categorical",
    "Distribution",
    "FitnessMax",
    "Individual",
    "Integer",
    "LayerSizes",
    "Real",
    "SearchSpace",
    "as_gene",
]
