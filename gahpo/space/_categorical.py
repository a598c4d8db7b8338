"""The :class:`Categorical` gene."""

import numpy as np

from ._base import BaseGene, _blend_unit, _hashable, _step_until_new, is_number

__all__ = ["Categorical"]


def _same(a, b):
    """Equality that never raises and never broadcasts.

    Estimators are the same when they have the same class and parameters, as
    a clone has: decoded estimators are clones, and must encode back.
    """
    if a is b:
        return True
    if type(a) is not type(b) and not (is_number(a) and is_number(b)):
        # numpy's str_ is a str, but a bool is not the integer 1
        related = isinstance(a, type(b)) or isinstance(b, type(a))
        if not related or isinstance(a, bool) or isinstance(b, bool):
            return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if hasattr(a, "get_params") and hasattr(b, "get_params"):
        try:
            pa, pb = a.get_params(deep=False), b.get_params(deep=False)
        except Exception:
            return False
        return (
            type(a) is type(b)
            and pa.keys() == pb.keys()
            and all(_same(pa[k], pb[k]) for k in pa)
        )
    try:
        result = a == b
        return bool(result) if isinstance(result, (bool, np.bool_)) else False
    except Exception:
        return False


class Categorical(BaseGene):
    """A choice among a fixed list of values.

    The values may be anything an estimator takes: numbers, strings, None,
    tuples, or estimators (which are cloned each time they are given out).
    When every choice is a number, the choices are treated as an ordered grid:
    mutation favours neighbouring values, as it would on an ``Integer``
    gene. Otherwise mutation picks another choice uniformly.

    Parameters
    ----------
    choices : sequence
        The values, at least one.

    Examples
    --------
    >>> import numpy as np
    >>> from gahpo.space import Categorical
    >>> gene = Categorical(["relu", "tanh", "logistic"])
    >>> gene.decode(gene.sample(np.random.RandomState(0))) in gene.choices
    True
    """

    def __init__(self, choices):
        if isinstance(choices, (str, bytes)) or not hasattr(choices, "__len__"):
            raise TypeError(
                "Categorical: `choices` must be a non-empty sequence (list, tuple "
                f"or array), got {type(choices).__name__} {choices!r}."
            )
        choices = list(choices)
        if not choices:
            raise ValueError("Categorical: `choices` must not be empty, got [].")
        self.choices = choices
        numeric = all(is_number(c) for c in choices)
        # An ordered grid: index order follows the values' order.
        self._order = np.argsort(choices, kind="stable") if numeric else None
        self._shape_features = None if numeric else _shape_features(choices)

    def __repr__(self):
        return f"Categorical(choices={self.choices!r})"

    def __eq__(self, other):
        return (
            type(other) is Categorical
            and len(self.choices) == len(other.choices)
            and all(_same(a, b) for a, b in zip(self.choices, other.choices))
        )

    __hash__ = BaseGene.__hash__

    def from_unit(self, u):
        u = float(np.ravel(u)[0]) if np.ndim(u) else float(u)
        rank = min(int(u * len(self.choices)), len(self.choices) - 1)
        return self._index_of_rank(rank)

    def _index_of_rank(self, rank):
        return int(self._order[rank]) if self._order is not None else rank

    def _rank_of_index(self, index):
        if self._order is None:
            return index
        return int(np.flatnonzero(self._order == index)[0])

    def blend(self, a, b, rng, *, alpha=0.5):
        """BLX-alpha in rank space for ordered numeric grids; a swap otherwise."""
        if self._order is None:
            return (b, a) if rng.uniform() < 0.5 else (a, b)
        n = len(self.choices)
        ua = (self._rank_of_index(a) + 0.5) / n
        ub = (self._rank_of_index(b) + 0.5) / n
        return tuple(self.from_unit(u) for u in _blend_unit(ua, ub, rng, alpha))

    def mutate(self, value, rng, *, strength=0.2):
        n = len(self.choices)
        if n == 1:
            return value
        if self._order is not None:
            # ordered grid: Gaussian step in rank space, at least one rank
            u = (self._rank_of_index(value) + 0.5) / n
            new, changed = _step_until_new(self.from_unit, value, u, rng, strength)
            if changed:
                return new
        new = int(rng.randint(n - 1))
        return new + 1 if new >= value else new

    @property
    def n_features(self):
        if self._shape_features is not None:
            return self._shape_features.shape[1]
        return (
            1
            if self._order is not None or len(self.choices) <= 2
            else len(self.choices)
        )

    def features(self, value):
        n = len(self.choices)
        if self._order is not None:  # ordered grid: position in rank space
            return [(self._rank_of_index(value) + 0.5) / n]
        if self._shape_features is not None:  # tuples of numbers: their shape
            return list(self._shape_features[value])
        if n <= 2:
            return [float(value)]
        onehot = [0.0] * n
        onehot[value] = 1.0
        return onehot

    def key(self, value):
        return _hashable(self.choices[value])  # no clone needed for an identity

    def decode(self, value):
        choice = self.choices[value]
        # estimator instances are cloned; classes (which have an unbound
        # get_params) are values like any other, as in sklearn's clone
        if hasattr(choice, "get_params") and not isinstance(choice, type):
            from sklearn.base import clone  # only estimators need scikit-learn

            return clone(choice)
        return choice

    def contains(self, value):
        return any(_same(value, c) for c in self.choices)

    def encode(self, value):
        for index, choice in enumerate(self.choices):
            if _same(value, choice):
                return index
        raise ValueError(f"{value!r} does not lie in {self!r}.")


def _shape_features(choices):
    """Length, log total and log of each element of tuples of positive numbers.

    Choices such as ``[(64,), (64, 64), (128, 32)]`` (layer sizes written as
    a list) are described by what they hold rather than one-hot, so that the
    surrogate sees that ``(64, 64)`` is close to ``(64, 128)``: their length,
    the log of their sum, and the log of each element (-1 where a shorter
    tuple has none), each scaled to [0, 1] over the choices. None when the
    choices are not all such tuples, or when one-hot is as compact.
    """
    if not all(
        isinstance(c, (tuple, list)) and all(is_number(v) and v > 0 for v in c)
        for c in choices
    ):
        return None
    width = max(len(c) for c in choices)
    if width + 2 >= len(choices):
        return None

    def unit(values):
        values = np.asarray(values, dtype=float)
        low, high = np.nanmin(values), np.nanmax(values)
        scaled = (values - low) / (high - low) if high > low else values * 0.0
        return np.where(np.isnan(scaled), -1.0, scaled)

    columns = [
        unit([len(c) for c in choices]),
        unit([np.log1p(sum(c)) for c in choices]),
    ]
    for i in range(width):
        columns.append(unit([np.log(c[i]) if i < len(c) else np.nan for c in choices]))
    return np.column_stack(columns)
