"""Schedules: rates that change with the generation.

``crossover_proba``, ``mutation_proba`` and ``GeneWise(strength=...)`` of
:class:`~gahpo.GeneticSearchCV` take a number or a schedule: one of the
classes below, or any callable ``f(generation) -> float`` (generation 1 is
the first bred generation; generation 0 is the initial population).
"""

import math
from numbers import Real

__all__ = ["Constant", "ExponentialDecay", "Linear", "rate_at"]


class Constant:
    """The same value in every generation.

    Examples
    --------
    >>> from gahpo.schedules import Constant
    >>> Constant(0.3)(10)
    0.3
    """

    def __init__(self, value):
        self.value = value

    def __call__(self, generation):
        return self.value

    def __repr__(self):
        return f"Constant({self.value!r})"


class Linear:
    """From ``start`` to ``end`` linearly over ``generations``, then ``end``.

    Examples
    --------
    >>> from gahpo.schedules import Linear
    >>> schedule = Linear(0.5, 0.1, generations=5)
    >>> [round(schedule(g), 2) for g in (0, 2, 5, 9)]
    [0.5, 0.34, 0.1, 0.1]
    """

    def __init__(self, start, end, generations):
        self.start = start
        self.end = end
        self.generations = generations

    def __call__(self, generation):
        t = min(max(generation / self.generations, 0.0), 1.0)
        return self.start + t * (self.end - self.start)

    def __repr__(self):
        return f"Linear({self.start!r}, {self.end!r}, generations={self.generations!r})"


class ExponentialDecay:
    """``start * decay ** generation``, never below ``minimum``.

    Examples
    --------
    >>> from gahpo.schedules import ExponentialDecay
    >>> schedule = ExponentialDecay(0.4, 0.5, minimum=0.05)
    >>> [schedule(g) for g in (0, 1, 2, 5)]
    [0.4, 0.2, 0.1, 0.05]
    """

    def __init__(self, start, decay, minimum=0.0):
        self.start = start
        self.decay = decay
        self.minimum = minimum

    def __call__(self, generation):
        return max(self.start * self.decay**generation, self.minimum)

    def __repr__(self):
        return (
            f"ExponentialDecay({self.start!r}, {self.decay!r}, "
            f"minimum={self.minimum!r})"
        )


def rate_at(name, value, generation, *, low=0.0, high=1.0):
    """The value of a number or schedule at ``generation``, checked.

    Raises
    ------
    ValueError
        If the value is not a number in ``[low, high]``, naming ``name``.

    Examples
    --------
    >>> from gahpo.schedules import Linear, rate_at
    >>> rate_at("mutation_proba", Linear(0.4, 0.2, generations=2), 1)
    0.30000000000000004
    """
    rate = value(generation) if callable(value) else value
    if isinstance(rate, bool) or not isinstance(rate, Real) or math.isnan(rate):
        raise ValueError(
            f"`{name}` must be a number in [{low}, {high}] or a schedule returning "
            f"one; got {rate!r} at generation {generation}."
        )
    if not low <= rate <= high:
        raise ValueError(
            f"`{name}` must lie in [{low}, {high}]; got {rate!r} at generation "
            f"{generation}."
        )
    return float(rate)
