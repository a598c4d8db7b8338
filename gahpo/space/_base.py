"""The gene protocol shared by every search-space dimension."""

from numbers import Real as RealNumber

import numpy as np

__all__ = ["BaseGene", "is_number"]

#: Quantiles are kept this far from 0 and 1 so that ``ppf`` stays finite.
_EPS = 1e-9


def _blend_unit(ua, ub, rng, alpha):
    """Two BLX-alpha children of unit positions ``ua`` and ``ub``, in ``[0, 1]``."""
    lo, hi = min(ua, ub), max(ua, ub)
    width = hi - lo
    low, high = lo - alpha * width, hi + alpha * width
    return tuple(min(max(rng.uniform(low, high), 0.0), 1.0) for _ in range(2))


def _reflect(u):
    """Fold ``u`` back into ``[0, 1]`` by reflection at the boundaries."""
    u = abs(u) % 2.0
    return 2.0 - u if u > 1.0 else u


def is_number(value):
    """Whether ``value`` is a real number (a bool is not)."""
    return isinstance(value, (RealNumber, np.number)) and not isinstance(
        value, (bool, np.bool_)
    )


def _step_until_new(from_unit, value, u, rng, strength, tries=8):
    """A Gaussian step from unit position ``u`` that changes ``value``.

    Draws ``from_unit(reflect(u + N(0, strength)))`` up to ``tries`` times and
    returns ``(new, changed)``: the first draw that differs from ``value``, or
    the last draw if none did (the caller then falls back to its own move).
    """
    new = value
    for _ in range(tries):
        new = from_unit(_reflect(u + rng.normal(0.0, strength)))
        if new != value:
            return new, True
    return new, False


class BaseGene:
    """One dimension of a search space.

    A gene knows three forms of a value: the *encoded* form the genetic
    algorithm works on (hashable, compact: an index for a categorical, a
    tuple for layer sizes), the *decoded* form given to the estimator, and a
    position in the unit interval used for space-filling designs.

    Genes are values: they validate their arguments on construction, compare
    equal when their specifications are equal, and own the type-specific
    variation, so that crossover and mutation operators stay small functions
    that loop over genes.

    Subclasses implement :meth:`sample`, :meth:`from_unit`, :meth:`mutate`,
    :meth:`decode`, :meth:`encode` and :meth:`contains`; the default
    :meth:`crossover` swaps the two values.

    Examples
    --------
    A gene for odd numbers only, with the default swap crossover:

    >>> import numpy as np
    >>> from gahpo.space import BaseGene
    >>> class Odd(BaseGene):
    ...     def from_unit(self, u):
    ...         return 2 * int(np.ravel(u)[0] * 10) + 1
    ...     def to_unit(self, value):
    ...         return (value - 1) / 20
    ...     def mutate(self, value, rng, *, strength=0.2):
    ...         return value + 2 if value < 19 else value - 2
    ...     def contains(self, value):
    ...         return value % 2 == 1 and 1 <= value <= 19
    >>> gene = Odd()
    >>> value = gene.sample(np.random.RandomState(0))
    >>> gene.contains(value), gene.contains(gene.mutate(value, None))
    (True, True)
    """

    #: Number of unit-interval coordinates :meth:`from_unit` consumes.
    n_dims = 1

    def sample(self, rng):
        """Draw one encoded value at random.

        Parameters
        ----------
        rng : numpy.random.RandomState
            The search's random number generator.

        Returns
        -------
        value : object
            An encoded value.
        """
        return self.from_unit(rng.uniform(size=self.n_dims))

    def from_unit(self, u):  # pragma: no cover - abstract
        """Map a point of ``[0, 1)**n_dims`` to an encoded value."""
        raise NotImplementedError

    def mutate(self, value, rng, *, strength=0.2):  # pragma: no cover - abstract
        """Return a perturbed copy of the encoded ``value``.

        Parameters
        ----------
        value : object
            An encoded value of this gene.
        rng : numpy.random.RandomState
            The search's random number generator.
        strength : float, default=0.2
            Scale of the perturbation, as a fraction of the gene's range in
            its natural (linear, log or quantile) scale.

        Returns
        -------
        value : object
            A new encoded value; it differs from ``value`` whenever the gene
            has more than one value.
        """
        raise NotImplementedError

    def crossover(self, a, b, rng):
        """Recombine two encoded values; scalar genes swap them."""
        return b, a

    def decode(self, value):
        """Return the value to give the estimator."""
        return value

    def key(self, value):
        """A hashable identity of the *decoded* value of an encoded ``value``.

        Two genes (of two sub-spaces) that give an estimator the same value
        give the same key, so the search fits that candidate once.
        """
        return _hashable(self.decode(value))

    #: Length of :meth:`features`.
    n_features = 1

    def features(self, value):
        """Numbers describing an encoded value, for surrogate models.

        Returns a list of ``n_features`` floats, mostly in ``[0, 1]``, in the
        scale the gene mutates in (log, quantile, rank), so that a model of
        the score sees distances the way the genetic operators do.
        """
        return [float(self.to_unit(value))]

    def encode(self, value):
        """Return the encoded form of a decoded value.

        Raises
        ------
        ValueError
            If ``value`` does not lie in this gene.
        """
        if not self.contains(value):
            raise ValueError(f"{value!r} does not lie in {self!r}.")
        return value

    def contains(self, value):  # pragma: no cover - abstract
        """Whether the *decoded* ``value`` lies in this gene."""
        raise NotImplementedError

    def __eq__(self, other):
        return type(self) is type(other) and _spec_equal(vars(self), vars(other))

    def __hash__(self):
        return hash(type(self).__name__)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


def _hashable(value):
    """``value`` if it can key a dict (and is no estimator), else a stand-in."""
    if hasattr(value, "get_params") and not isinstance(value, type):
        return (
            "estimator",
            type(value).__qualname__,
            repr(
                sorted(
                    (k, _hashable(v)) for k, v in value.get_params(deep=False).items()
                )
            ),
        )
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_hashable(v) for v in value))
    try:
        hash(value)
    except TypeError:
        return ("repr", type(value).__qualname__, repr(value))
    return value


def _spec_equal(a, b):
    if a.keys() != b.keys():
        return False
    for key in a:
        x, y = a[key], b[key]
        if x is y:
            continue
        try:
            if not bool(np.all(x == y)):
                return False
        except Exception:
            return False
    return True
