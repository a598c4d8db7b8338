"""Evolution operators, one plain function per operator.

Every family has one call signature, with the random number generator passed
explicitly:

- selection: ``select_*(individuals, k, *, rng, **options) -> list``
- crossover: ``crossover_*(ind1, ind2, space, *, rng, **options) -> (ind1, ind2)``
- mutation: ``mutate_*(individual, space, *, rng, **options) -> individual``

Crossover and mutation modify their arguments in place and return them, as
DEAP's operators do. A user's own function with the same signature can be
given to :class:`~gahpo.GeneticSearchCV`; options are bound with
:func:`functools.partial`.
"""

from .crossover import crossover_uniform
from .mutation import mutate_genewise
from .selection import select_best, select_tournament

SELECTION = {"tournament": select_tournament, "best": select_best}
CROSSOVER = {"uniform": crossover_uniform}
MUTATION = {"genewise": mutate_genewise}

__all__ = [
    "crossover_uniform",
    "mutate_genewise",
    "select_best",
    "select_tournament",
]
