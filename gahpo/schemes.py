"""How one generation follows another: the study's loop, (mu, lambda), or none.

A scheme is a part with its own settings, given to the search as
``scheme=MuPlusLambda(n_offspring=50)``; the names ``"generational"``,
``"mu_plus_lambda"``, ``"mu_comma_lambda"`` and ``"steady_state"`` stand
for the defaults.

>>> from gahpo.schemes import MuPlusLambda
>>> MuPlusLambda(n_offspring=50)
MuPlusLambda(n_offspring=50)
"""

from numbers import Integral

__all__ = [
    "Generational",
    "MuCommaLambda",
    "MuPlusLambda",
    "SteadyState",
    "as_scheme",
]


class Generational:
    """The study's loop, as DEAP's ``eaSimple``.

    The ``elitism`` best are kept, ``selection`` picks parents for the rest of
    the population, which are recombined and mutated into children.
    """

    name = "generational"
    n_offspring = None

    def __eq__(self, other):
        return type(other) is type(self)

    def __hash__(self):
        return hash(type(self).__name__)

    def __repr__(self):
        return "Generational()"


class MuPlusLambda:
    """DEAP's ``eaMuPlusLambda``: survivors among parents and children.

    ``n_offspring`` children of parents drawn uniformly at random;
    ``selection`` then keeps ``population_size`` survivors among the parents
    and the children.

    Parameters
    ----------
    n_offspring : int, default=None
        Children per generation (lambda), >= 1; default ``population_size``.
    """

    name = "mu_plus_lambda"

    def __init__(self, n_offspring=None):
        if n_offspring is not None and (
            isinstance(n_offspring, bool)
            or not isinstance(n_offspring, Integral)
            or n_offspring < 1
        ):
            raise ValueError(
                f"{type(self).__name__}: `n_offspring` must be None or an integer "
                f">= 1, got n_offspring={n_offspring!r}."
            )
        self.n_offspring = n_offspring

    def __eq__(self, other):
        return type(other) is type(self) and other.n_offspring == self.n_offspring

    def __hash__(self):
        return hash((type(self).__name__, self.n_offspring))

    def __repr__(self):
        return f"{type(self).__name__}(n_offspring={self.n_offspring!r})"


class MuCommaLambda(MuPlusLambda):
    """DEAP's ``eaMuCommaLambda``: survivors among the children only.

    Parameters
    ----------
    n_offspring : int, default=None
        Children per generation (lambda); at least ``population_size``, which
        is the default.
    """

    name = "mu_comma_lambda"


class SteadyState:
    """Asynchronous steady-state evolution: no generation waits for its slowest fit.

    Each time a worker frees, the next fit is dispatched at once. Children
    are bred in batches of ``batch_size`` from every candidate scored so far
    (``selection`` picks parents among the ``population_size`` best, see
    ``parents``), so the
    surrogate is fitted once per batch rather than once per child, and a new
    batch is bred as soon as the last one is dispatched. With multi-fidelity,
    promotion is asynchronous too, as in ASHA: a candidate goes up a rung as
    soon as it ranks in the best ``1 / factor`` of the scores seen at its
    rung so far.

    The candidates then depend on the order in which fits finish: the same
    ``random_state`` no longer gives the same candidates across runs or
    ``n_jobs``. ``cv_results_["generation"]`` is the breeding batch of each
    candidate, and ``history_`` holds one record per ``population_size``
    candidates scored.

    Parameters
    ----------
    batch_size : int, default=None
        Children bred at a time, >= 1; default ``population_size``.
    parents : {"dispatched", "scored"}, default="dispatched"
        Where parents come from: the ``population_size`` best of every
        candidate dispatched, those still running ranked at the best score
        so far (an optimistic "constant liar"), a counter to the
        evaluation-time bias (fast fits report first, so their children
        would otherwise crowd out those of slow ones); or of the candidates
        scored only.
    """

    name = "steady_state"

    def __init__(self, batch_size=None, parents="dispatched"):
        if batch_size is not None and (
            isinstance(batch_size, bool)
            or not isinstance(batch_size, Integral)
            or batch_size < 1
        ):
            raise ValueError(
                "SteadyState: `batch_size` must be None or an integer >= 1, "
                f"got batch_size={batch_size!r}."
            )
        if parents not in ("scored", "dispatched"):
            raise ValueError(
                "SteadyState: `parents` must be 'scored' or 'dispatched', "
                f"got parents={parents!r}."
            )
        self.batch_size = batch_size
        self.parents = parents

    @property
    def n_offspring(self):
        return self.batch_size

    def __eq__(self, other):
        return type(other) is type(self) and (other.batch_size, other.parents) == (
            self.batch_size,
            self.parents,
        )

    def __hash__(self):
        return hash((type(self).__name__, self.batch_size, self.parents))

    def __repr__(self):
        return f"SteadyState(batch_size={self.batch_size!r}, parents={self.parents!r})"


#: The schemes by the names the search accepts.
SCHEMES = {
    cls.name: cls for cls in (Generational, MuPlusLambda, MuCommaLambda, SteadyState)
}


def as_scheme(scheme):
    """A scheme object from a name or an object; ``ValueError`` otherwise.

    >>> as_scheme("mu_comma_lambda")
    MuCommaLambda(n_offspring=None)
    """
    if isinstance(scheme, str) and scheme in SCHEMES:
        return SCHEMES[scheme]()
    if isinstance(scheme, tuple(SCHEMES.values())):
        return scheme
    raise ValueError(
        f"`scheme` must be one of {sorted(SCHEMES)} or an instance of "
        f"Generational, MuPlusLambda, MuCommaLambda or SteadyState, got {scheme!r}."
    )
