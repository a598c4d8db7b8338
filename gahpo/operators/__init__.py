"""Evolution operators, one plain function per operator.

Every family has one call signature, with the random number generator passed
explicitly:

- selection: ``select_*(individuals, k, *, rng, **options) -> list``
- crossover: ``crossover_*(ind1, ind2, space, *, rng, **options) -> (ind1, ind2)``
- mutation: ``mutate_*(individual, space, *, rng, **options) -> individual``
  (a ``strength`` keyword, if accepted, receives the generation's strength)

Crossover and mutation modify their arguments in place and return them, as
DEAP's operators do. Individuals are lists of encoded gene values with a
``branch`` (the sub-space) and a DEAP ``fitness``. A user's own function with
the same signature can be given to :class:`~gahpo.GeneticSearchCV`; options
are carried by the part: :class:`Tournament` and :class:`GeneWise` are the
defaults with their settings (``selection=Tournament(size=5)``,
``mutation=GeneWise(strength=0.3, adaptive=True)``), and any function can be
configured with :func:`functools.partial`.

Examples
--------
A DEAP selection operator wrapped in a line (DEAP's stochastic operators use
Python's global ``random``; gahpo's own take ``rng`` and are reproducible):

>>> from deap import tools
>>> def select_lexicase(individuals, k, *, rng):
...     return tools.selBest(individuals, k)
"""

from .crossover import (
    crossover_blend,
    crossover_one_point,
    crossover_two_point,
    crossover_uniform,
)
from .mutation import GeneWise, mutate_genewise
from .selection import (
    Tournament,
    select_best,
    select_nsga2,
    select_roulette,
    select_tournament,
)

#: Operators by the names GeneticSearchCV accepts.
SELECTION = {
    "tournament": Tournament(),
    "best": select_best,
    "roulette": select_roulette,
    "nsga2": select_nsga2,
}
CROSSOVER = {
    "uniform": crossover_uniform,
    "one_point": crossover_one_point,
    "two_point": crossover_two_point,
    "blend": crossover_blend,
}
MUTATION = {"genewise": GeneWise()}

__all__ = [
    "GeneWise",
    "Tournament",
    "crossover_blend",
    "crossover_one_point",
    "crossover_two_point",
    "crossover_uniform",
    "mutate_genewise",
    "select_best",
    "select_nsga2",
    "select_roulette",
    "select_tournament",
]
