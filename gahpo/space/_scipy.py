"""A gene around any scipy.stats frozen distribution."""

import numpy as np
from scipy import stats

from ._base import _EPS, BaseGene, _blend_unit, _step_until_new

__all__ = ["Distribution"]


class Distribution(BaseGene):
    """A hyper-parameter drawn from a distribution, as in RandomizedSearchCV.

    Any object with an ``rvs(random_state=...)`` method works, like in
    :class:`~sklearn.model_selection.RandomizedSearchCV`. Frozen scipy.stats
    distributions (``loguniform``, ``randint``, ``uniform``, ``norm``, ...)
    also have ``cdf`` and ``ppf``: they are then mutated in quantile space
    (``cdf`` -> Gaussian step -> ``ppf``), which follows the shape of the
    distribution (log scale for ``loguniform``, tails for ``norm``). Objects
    without them are mutated by drawing a fresh value.

    Parameters
    ----------
    dist : object with an ``rvs`` method
        Typically a frozen ``scipy.stats`` distribution.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.stats import loguniform
    >>> from gahpo.space import Distribution
    >>> gene = Distribution(loguniform(1e-3, 1e3))
    >>> value = gene.sample(np.random.RandomState(0))
    >>> 1e-3 <= value <= 1e3
    True
    """

    def __init__(self, dist):
        if not callable(getattr(dist, "rvs", None)):
            raise TypeError(
                "Distribution: `dist` must have an `rvs` method, such as a frozen "
                f"scipy.stats distribution, got {type(dist).__name__} {dist!r}."
            )
        self.dist = dist

    @property
    def _quantiles(self):
        return callable(getattr(self.dist, "cdf", None)) and callable(
            getattr(self.dist, "ppf", None)
        )

    @property
    def _discrete(self):
        return isinstance(getattr(self.dist, "dist", None), stats.rv_discrete)

    def __repr__(self):
        d = self.dist
        if hasattr(d, "dist") and hasattr(d, "args"):
            args = [repr(a) for a in d.args]
            args += [f"{k}={v!r}" for k, v in getattr(d, "kwds", {}).items()]
            return f"Distribution({d.dist.name}({', '.join(args)}))"
        return f"Distribution({d!r})"

    def __eq__(self, other):
        if type(other) is not Distribution:
            return False
        a, b = self.dist, other.dist
        if a is b:
            return True
        try:
            return (
                a.dist.name == b.dist.name
                and tuple(a.args) == tuple(b.args)
                and dict(a.kwds) == dict(b.kwds)
            )
        except AttributeError:
            return False

    __hash__ = BaseGene.__hash__

    def _cast(self, value):
        value = np.asarray(value).item() if np.ndim(value) == 0 else value
        if self._discrete:
            return int(value)
        return float(value) if isinstance(value, (float, np.floating)) else value

    def sample(self, rng):
        return self._cast(self.dist.rvs(random_state=rng))

    def from_unit(self, u):
        u = float(np.ravel(u)[0]) if np.ndim(u) else float(u)
        if not self._quantiles:
            raise TypeError(f"{self!r} has no `ppf`; it can only be sampled.")
        return self._cast(self.dist.ppf(min(max(u, _EPS), 1.0 - _EPS)))

    def blend(self, a, b, rng, *, alpha=0.5):
        """BLX-alpha in quantile space; a swap for rvs-only objects."""
        if not self._quantiles:
            return (b, a) if rng.uniform() < 0.5 else (a, b)
        ua, ub = float(self.dist.cdf(a)), float(self.dist.cdf(b))
        return tuple(self.from_unit(u) for u in _blend_unit(ua, ub, rng, alpha))

    def mutate(self, value, rng, *, strength=0.2):
        if not self._quantiles:
            # only `rvs`: draw again, until the value changes if it can
            for _ in range(16):
                new = self.sample(rng)
                try:
                    if bool(new != value):
                        break
                except (TypeError, ValueError):  # values that do not compare
                    break
            return new
        u = float(self.dist.cdf(value))
        if self._discrete:
            # centre of the value's probability mass, so steps are symmetric
            u = (u + float(self.dist.cdf(value - 1))) / 2
        new, changed = _step_until_new(self.from_unit, value, u, rng, strength)
        if changed:
            return new
        if self._discrete:
            # a small step in quantile space can stay on a heavy value: step
            # to a neighbour with positive probability instead
            steps = [v for v in (value - 1, value + 1) if self.dist.pmf(v) > 0]
            if steps:
                return self._cast(steps[rng.randint(len(steps))])
        return new

    def features(self, value):
        if self._quantiles:
            return [float(self.dist.cdf(value))]
        try:
            return [float(value)]
        except (TypeError, ValueError):
            return [0.0]

    def contains(self, value):
        if not self._quantiles:
            return False
        try:
            lo, hi = self.dist.support()
            inside = lo <= value <= hi
            if self._discrete:
                return bool(inside) and float(value) == int(value)
            return bool(inside)
        except Exception:
            return False

    def encode(self, value):
        if not self.contains(value):
            raise ValueError(f"{value!r} does not lie in {self!r}.")
        return self._cast(value)
