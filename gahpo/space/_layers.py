"""The :class:`LayerSizes` gene: a variable-length tuple of layer widths."""

import numpy as np

from ._base import BaseGene
from ._numeric import Integer, _check_bounds

__all__ = ["LayerSizes"]


class LayerSizes(BaseGene):
    """Hidden layer sizes of a neural network, e.g. ``hidden_layer_sizes``.

    A value is a tuple of ``n`` integers with ``min_layers <= n <=
    max_layers`` and each between ``min_units`` and ``max_units``. Mutation
    adds, removes or resizes one layer; crossover cuts both parents' layer
    lists and splices the pieces (DEAP's messy one-point crossover), keeping
    the number of layers within bounds.

    Parameters
    ----------
    min_layers, max_layers : int
        Bounds on the number of hidden layers (``0`` allows a network with
        no hidden layer).
    min_units, max_units : int
        Bounds on the units of each layer.
    log : bool, default=True
        Sample and resize widths in log scale.

    Examples
    --------
    >>> import numpy as np
    >>> from gahpo.space import LayerSizes
    >>> gene = LayerSizes(1, 3, 16, 256)
    >>> layers = gene.sample(np.random.RandomState(0))
    >>> 1 <= len(layers) <= 3 and all(16 <= n <= 256 for n in layers)
    True
    """

    n_dims = 2

    def __init__(
        self, min_layers=1, max_layers=3, min_units=16, max_units=256, log=True
    ):
        _check_bounds(
            "LayerSizes",
            min_layers,
            max_layers,
            False,
            integral=True,
            names=("min_layers", "max_layers"),
        )
        if min_layers < 0:
            raise ValueError(
                "LayerSizes: `min_layers >= 0` must hold, got "
                f"min_layers={min_layers!r}."
            )
        _check_bounds(
            "LayerSizes",
            min_units,
            max_units,
            False,
            integral=True,
            names=("min_units", "max_units"),
        )
        if min_units < 1:
            raise ValueError(
                f"LayerSizes: `min_units >= 1` must hold, got min_units={min_units!r}."
            )
        if not isinstance(log, (bool, np.bool_)):
            raise TypeError(f"LayerSizes: `log` must be a bool, got log={log!r}.")
        self.min_layers = int(min_layers)
        self.max_layers = int(max_layers)
        self.min_units = int(min_units)
        self.max_units = int(max_units)
        self.log = bool(log)

    @property
    def _depth(self):
        return Integer(self.min_layers, self.max_layers)

    @property
    def _width(self):
        return Integer(self.min_units, self.max_units, log=self.log)

    def from_unit(self, u):
        # first coordinate: depth; second: a common width for every layer
        u = np.ravel(u)
        depth = self._depth.from_unit(u[0])
        return (self._width.from_unit(u[1]),) * depth

    def sample(self, rng):
        depth = self._depth.from_unit(rng.uniform())
        return tuple(self._width.from_unit(rng.uniform()) for _ in range(depth))

    def mutate(self, value, rng, *, strength=0.2):
        value = tuple(value)
        moves = []
        if len(value) < self.max_layers:
            moves.append("add")
        if len(value) > self.min_layers:
            moves.append("remove")
        if value and self.min_units < self.max_units:
            moves.append("resize")
        if not moves:
            return value
        move = moves[rng.randint(len(moves))]
        width = self._width
        if move == "add":
            at = rng.randint(len(value) + 1)
            # a new layer starts near its neighbour, or anywhere if none
            near = value[min(at, len(value) - 1)] if value else None
            units = (
                width.mutate(near, rng, strength=strength)
                if near
                else width.sample(rng)
            )
            return value[:at] + (units,) + value[at:]
        if move == "remove":
            at = rng.randint(len(value))
            return value[:at] + value[at + 1 :]
        at = rng.randint(len(value))
        units = width.mutate(value[at], rng, strength=strength)
        return value[:at] + (units,) + value[at + 1 :]

    def crossover(self, a, b, rng):
        a, b = tuple(a), tuple(b)
        lo, hi = self.min_layers, self.max_layers
        cuts = [
            (i, j)
            for i in range(len(a) + 1)
            for j in range(len(b) + 1)
            if lo <= i + len(b) - j <= hi and lo <= j + len(a) - i <= hi
        ]
        i, j = cuts[rng.randint(len(cuts))]
        return a[:i] + b[j:], b[:j] + a[i:]

    @property
    def n_features(self):
        return 2 + self.max_layers

    def features(self, value):
        """Depth, total width (log scale) and each layer's width (-1 if absent)."""
        width = self._width
        total = Integer(
            self.min_units,
            max(self.max_units * max(self.max_layers, 1), self.min_units),
            log=True,
        )
        per_layer = [width.to_unit(n) for n in value]
        per_layer += [-1.0] * (self.max_layers - len(value))
        depth = self._depth.to_unit(len(value))
        return [
            depth,
            total.to_unit(min(max(sum(value), total.low), total.high)),
            *per_layer,
        ]

    def decode(self, value):
        return tuple(int(n) for n in value)

    def contains(self, value):
        try:
            layers = tuple(value)
        except TypeError:
            layers = (value,)
        return self.min_layers <= len(layers) <= self.max_layers and all(
            self._width.contains(n) for n in layers
        )

    def encode(self, value):
        if not self.contains(value):
            raise ValueError(f"{value!r} does not lie in {self!r}.")
        try:
            return tuple(int(n) for n in value)
        except TypeError:
            return (int(value),)
