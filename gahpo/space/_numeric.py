"""Numeric genes: :class:`Integer` and :class:`Real`."""

import math
from numbers import Integral
from numbers import Real as RealNumber

import numpy as np

from ._base import BaseGene, _blend_unit, _step_until_new

__all__ = ["Integer", "Real"]


def _check_bounds(name, low, high, log, *, integral, names=("low", "high")):
    kind = "an integer" if integral else "a real number"
    for arg, value in zip(names, (low, high)):
        ok = isinstance(value, Integral) if integral else isinstance(value, RealNumber)
        if isinstance(value, bool) or not ok:
            raise TypeError(
                f"{name}: `{arg}` must be {kind}, got {arg}={value!r} "
                f"of type {type(value).__name__}."
            )
        if not integral and not math.isfinite(value):
            raise ValueError(f"{name}: `{arg}` must be finite, got {arg}={value!r}.")
    if low > high:
        raise ValueError(
            f"{name}: `{names[0]} <= {names[1]}` must hold, got "
            f"{names[0]}={low!r}, {names[1]}={high!r}."
        )
    if log and low <= 0:
        raise ValueError(
            f"{name}: `low > 0` must hold when log=True, got low={low!r}. "
            "Use log=False or a positive lower bound."
        )
    if not isinstance(log, (bool, np.bool_)):
        raise TypeError(f"{name}: `log` must be a bool, got log={log!r}.")


class _Scalar(BaseGene):
    """Shared machinery: a bijection between the gene and ``[0, 1]``."""

    def _lo_hi(self):
        if self.log:
            return math.log(self._span_low), math.log(self._span_high)
        return float(self._span_low), float(self._span_high)

    def to_unit(self, value):
        """Position of an encoded value in ``[0, 1]`` (log scale if ``log``)."""
        lo, hi = self._lo_hi()
        if hi == lo:
            return 0.5
        x = math.log(value) if self.log else float(value)
        return min(max((x - lo) / (hi - lo), 0.0), 1.0)

    def _unit_to_float(self, u):
        lo, hi = self._lo_hi()
        x = lo + float(u) * (hi - lo)
        return math.exp(x) if self.log else x

    def blend(self, a, b, rng, *, alpha=0.5):
        """BLX-alpha recombination in the gene's (log) scale."""
        ua, ub = _blend_unit(self.to_unit(a), self.to_unit(b), rng, alpha)
        return self.from_unit(ua), self.from_unit(ub)

    def mutate(self, value, rng, *, strength=0.2):
        if self.low == self.high:
            return value
        new, changed = _step_until_new(
            self.from_unit, value, self.to_unit(value), rng, strength
        )
        return new if changed else self._nudge(value, rng)


class Integer(_Scalar):
    """An integer hyper-parameter in ``[low, high]`` (both included).

    Parameters
    ----------
    low, high : int
        Inclusive bounds.
    log : bool, default=False
        Sample and mutate uniformly in log scale; needs ``low > 0``.

    Examples
    --------
    >>> import numpy as np
    >>> from gahpo.space import Integer
    >>> gene = Integer(1, 100, log=True)
    >>> value = gene.sample(np.random.RandomState(0))
    >>> 1 <= value <= 100
    True
    """

    def __init__(self, low, high, log=False):
        _check_bounds("Integer", low, high, log, integral=True)
        self.low = int(low)
        self.high = int(high)
        self.log = bool(log)

    @property
    def _span_low(self):
        return self.low

    @property
    def _span_high(self):
        # Each integer owns the interval [k, k + 1) in the continuous scale,
        # so both bounds are as likely as any other value.
        return self.high + 1

    def from_unit(self, u):
        u = float(np.ravel(u)[0]) if np.ndim(u) else float(u)
        value = int(math.floor(self._unit_to_float(u)))
        return min(max(value, self.low), self.high)

    def to_unit(self, value):
        # centre of the value's cell, so that mutation is symmetric
        lo, hi = self._lo_hi()
        a = math.log(value) if self.log else float(value)
        b = math.log(value + 1) if self.log else float(value + 1)
        return ((a + b) / 2 - lo) / (hi - lo)

    def _nudge(self, value, rng):
        if value <= self.low:
            return value + 1
        if value >= self.high:
            return value - 1
        return value + (1 if rng.uniform() < 0.5 else -1)

    def contains(self, value):
        return (
            isinstance(value, (Integral, np.integer))
            and not isinstance(value, bool)
            and self.low <= value <= self.high
        )

    def encode(self, value):
        return int(super().encode(value))


class Real(_Scalar):
    """A real hyper-parameter in ``[low, high]``.

    Parameters
    ----------
    low, high : float
        Bounds.
    log : bool, default=False
        Sample and mutate uniformly in log scale (``loguniform``); needs
        ``low > 0``.

    Examples
    --------
    >>> import numpy as np
    >>> from gahpo.space import Real
    >>> gene = Real(1e-4, 1e-1, log=True)
    >>> value = gene.sample(np.random.RandomState(0))
    >>> 1e-4 <= value <= 1e-1
    True
    """

    def __init__(self, low, high, log=False):
        _check_bounds("Real", low, high, log, integral=False)
        self.low = float(low)
        self.high = float(high)
        self.log = bool(log)

    @property
    def _span_low(self):
        return self.low

    @property
    def _span_high(self):
        return self.high

    def from_unit(self, u):
        u = float(np.ravel(u)[0]) if np.ndim(u) else float(u)
        return min(max(self._unit_to_float(u), self.low), self.high)

    def _nudge(self, value, rng):
        return self.from_unit(rng.uniform())

    def contains(self, value):
        return (
            isinstance(value, (RealNumber, np.floating, np.integer))
            and not isinstance(value, bool)
            and self.low <= value <= self.high
        )

    def encode(self, value):
        return float(super().encode(value))
