"""Surrogate screening: spend the expensive fits on the most promising offspring.

The genetic operators breed several times more children than a generation
needs; a cheap model of the score, fitted on every candidate scored so far,
keeps those with the highest acquisition value (an optimistic estimate of
their score), plus a share drawn at random for exploration.

The engine knows a screen only by the :class:`Screen` protocol: once
``ready(scores)``, it hands ``propose`` a breeder and takes the children it
returns. What to breed (how large a pool, how many mutants of the best) is the
screen's policy, so any object with those two methods can replace the default.
"""

import math
import numbers
from typing import Protocol, runtime_checkable

import numpy as np
from scipy.special import ndtr

__all__ = [
    "ExtraTreesSurrogate",
    "Screen",
    "check_screen",
    "expected_improvement",
    "upper_confidence_bound",
]

#: Acquisition functions :class:`ExtraTreesSurrogate` takes by name.
ACQUISITIONS = ("ucb", "ei")
#: name -> (type, its name in messages, low, high, the range in messages)
_NUMERIC_PARAMS = {
    "surplus": (numbers.Integral, "an int", 1, math.inf, ">= 1"),
    "min_points": (numbers.Integral, "an int", 1, math.inf, ">= 1"),
    "n_estimators": (numbers.Integral, "an int", 1, math.inf, ">= 1"),
    "max_points": (numbers.Integral, "an int", 2, math.inf, ">= 2"),
    "refit_growth": (numbers.Real, "a number", 0.0, math.inf, ">= 0"),
    "exploration": (numbers.Real, "a number", 0.0, 1.0, "in [0, 1]"),
    "local": (numbers.Real, "a number", 0.0, 1.0, "in [0, 1]"),
    "kappa": (numbers.Real, "a number", 0.0, math.inf, ">= 0"),
}


@runtime_checkable
class Screen(Protocol):
    """What the engine asks of a screening part (``surrogate=``).

    ``ready(scores)`` says whether to screen this generation (given the
    scores of every candidate so far, NaN for failures); if not, the plain
    genetic algorithm breeds. ``propose(k, breeder, *, rng)`` returns ``k``
    children, bred with the :class:`~gahpo._engine.Breeder`'s ``children``
    and ``mutants`` and chosen with its ``features``, ``scored`` and
    ``scores``; fewer than ``k`` ends the budget early.
    """

    def ready(self, scores): ...

    def propose(self, k, breeder, *, rng): ...


def check_screen(surrogate):
    """Raise ``TypeError``/``ValueError`` unless ``surrogate`` is a usable screen.

    Calls the object's own ``check_params()`` when it has one, so that bad
    settings fail before any model is fitted.
    """
    if not isinstance(surrogate, Screen):
        raise TypeError(
            "`surrogate` must be 'auto', None or an object with the methods "
            "`ready(scores)` and `propose(k, breeder, *, rng)` (see "
            f"gahpo.surrogate.Screen), got {surrogate!r}."
        )
    check_params = getattr(surrogate, "check_params", None)
    if callable(check_params):
        check_params()
    return surrogate


def expected_improvement(mean, std, best, xi=0.0):
    """Expected improvement over ``best`` of a Gaussian ``N(mean, std**2)``.

    For maximizing.

    Examples
    --------
    >>> import numpy as np
    >>> from gahpo.surrogate import expected_improvement
    >>> ei = expected_improvement(np.array([0.5, 0.9]), np.array([0.1, 0.1]), best=0.8)
    >>> bool(ei[1] > ei[0] > 0)
    True
    """
    mean, std = np.asarray(mean, float), np.asarray(std, float)
    gain = mean - best - xi
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(std > 0, gain / std, 0.0)
    pdf = np.exp(-0.5 * z**2) / math.sqrt(2 * math.pi)
    ei = gain * ndtr(z) + std * pdf
    return np.where(std > 0, ei, np.maximum(gain, 0.0))


def upper_confidence_bound(mean, std, kappa=0.5):
    """Optimistic score ``mean + kappa * std`` (maximizing).

    Examples
    --------
    >>> import numpy as np
    >>> from gahpo.surrogate import upper_confidence_bound
    >>> upper_confidence_bound(np.array([0.5, 0.9]), np.array([0.2, 0.0]), kappa=1.0)
    array([0.7, 0.9])
    """
    return np.asarray(mean, float) + kappa * np.asarray(std, float)


class ExtraTreesSurrogate:
    """Screen offspring with an extra-trees model of the score.

    Extremely randomized trees (as in SMAC's random forests) are fitted on the
    encoded genomes (:meth:`SearchSpace.features`: log, quantile and rank
    scales, one-hot categories, layer depths and widths) of every scored
    candidate; the spread of the trees' predictions is the uncertainty. The
    pool holds ``surplus`` children per child kept: a share ``local`` are
    mutants of the three best candidates scored so far and of any tied with
    them (at half the mutation strength), the rest are bred by selection,
    crossover and mutation. Of ``k`` children to keep, ``1 - exploration``
    are those with the highest acquisition value and the rest are drawn at
    random from the others.

    Parameters
    ----------
    surplus : int, default=4
        Children bred per child kept.
    exploration : float, default=0.2
        Share of the kept children drawn at random from the pool.
    min_points : int, default=10
        Finite scores needed before screening; until then the plain genetic
        algorithm runs (the kept children are a random subset of the pool).
    n_estimators : int, default=48
        Trees in the model.
    local : float, default=0.3
        Share of the pool bred by mutating the best candidates scored so far.
    acquisition : {"ucb", "ei"}, default="ucb"
        How children are ranked: ``"ucb"``, the upper confidence bound
        ``mean + kappa * std`` of the trees' predictions
        (:func:`upper_confidence_bound`); ``"ei"``, the expected improvement
        over the best score (:func:`expected_improvement`).
    kappa : float, default=0.5
        Weight of the uncertainty in ``"ucb"``.
    max_points : int, default=1000
        Most scored candidates the model is fitted on, which bounds the cost
        of a generation in a long search: beyond it, the best half of
        ``max_points`` and a random draw from the others (the model must
        also know where the space is bad).
    refit_growth : float, default=0.1
        Beyond ``max_points`` scored candidates, the models are refitted
        only once the number of scored candidates has grown by this share
        since their last fit (one search, one cache): a 10,000-candidate
        search refits them about 25 times instead of in each of its
        generations. 0 refits in every generation. Below ``max_points``
        they are always refitted.
    cost_exponent : float or None, default=None
        How much a child's predicted fit time discounts it: a second model,
        of the log fit time, predicts each child's seconds, and children are
        ranked by their gain over the pool's median acquisition value per
        ``seconds ** cost_exponent`` (expected gain per second, as in Snoek
        et al., 2012), so that the budget is not spent on a slow corner of
        the space unless it is really better. None: 1 when the search has a
        time budget (``max_time``), else 0 (the cost is ignored); a number
        applies with or without one.

    Notes
    -----
    The upper confidence bound is the default because it measured better in
    ``benchmarks/quality.py`` (``results/quality_ablation.json``, ``gahpo-ei``,
    against ``results/quality.json``): cross-validated scores often tie (a plateau of
    equally good configurations), and the expected improvement over a tied
    best is near zero wherever the trees agree, so it sent the fits to the
    most uncertain corners of the space rather than next to the plateau.

    Failed candidates (NaN scores) enter the model with the worst finite
    score, so that the region that failed looks bad rather than unknown. The
    model's seed is drawn from the search's ``rng``, so screening is
    reproducible and does not touch global random state.

    Examples
    --------
    >>> import numpy as np
    >>> from gahpo.surrogate import ExtraTreesSurrogate
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(size=(30, 2))
    >>> y = -((X - 0.5) ** 2).sum(axis=1)          # best near (0.5, 0.5)
    >>> pool = rng.uniform(size=(40, 2))
    >>> keep = ExtraTreesSurrogate(exploration=0.0).screen(pool, 5, X, y, rng=rng)
    >>> len(keep)
    5

    In a search: ``GeneticSearchCV(..., surrogate=ExtraTreesSurrogate(surplus=8))``.
    """

    #: Local children mutate one of this many best candidates (and any tied)...
    local_top = 3
    #: ...at this share of the generation's mutation strength.
    local_strength = 0.5
    #: Scores closer than this count as tied (rounding of equal CV means).
    tie_tolerance = 1e-12

    def __init__(
        self,
        surplus=4,
        exploration=0.2,
        min_points=10,
        n_estimators=48,
        local=0.3,
        acquisition="ucb",
        kappa=0.5,
        max_points=1000,
        refit_growth=0.1,
        cost_exponent=None,
    ):
        self.surplus = surplus
        self.exploration = exploration
        self.min_points = min_points
        self.n_estimators = n_estimators
        self.local = local
        self.acquisition = acquisition
        self.kappa = kappa
        self.max_points = max_points
        self.refit_growth = refit_growth
        self.cost_exponent = cost_exponent

    def __repr__(self):
        return (
            f"ExtraTreesSurrogate(surplus={self.surplus}, "
            f"exploration={self.exploration}, "
            f"min_points={self.min_points}, n_estimators={self.n_estimators}, "
            f"local={self.local}, acquisition={self.acquisition!r}, "
            f"kappa={self.kappa}, max_points={self.max_points}, "
            f"refit_growth={self.refit_growth}, "
            f"cost_exponent={self.cost_exponent})"
        )

    def check_params(self):
        """Raise ``ValueError`` or ``TypeError`` for a bad parameter.

        :class:`~gahpo.GeneticSearchCV` calls it before any model is fitted.
        """
        for name, (kind, kind_text, low, high, range_text) in _NUMERIC_PARAMS.items():
            value = getattr(self, name)
            if not isinstance(value, kind) or isinstance(value, bool):
                raise TypeError(
                    f"ExtraTreesSurrogate: `{name}` must be {kind_text}, got "
                    f"{type(value).__name__} {value!r}."
                )
            if not low <= value <= high:
                raise ValueError(
                    f"ExtraTreesSurrogate: `{name}` must be {range_text}, "
                    f"got {value!r}."
                )
        exponent = self.cost_exponent
        if exponent is not None and (
            not isinstance(exponent, numbers.Real)
            or isinstance(exponent, bool)
            or not exponent >= 0
        ):
            raise ValueError(
                "ExtraTreesSurrogate: `cost_exponent` must be None or a number "
                f">= 0, got {exponent!r}."
            )
        if self.acquisition not in ACQUISITIONS:
            raise ValueError(
                f"ExtraTreesSurrogate: `acquisition` must be one of {ACQUISITIONS}, "
                f"got {self.acquisition!r}."
            )

    def ready(self, scores):
        """Whether enough finite scores exist to screen."""
        return int(np.isfinite(np.asarray(scores, float)).sum()) >= self.min_points

    def propose(self, k, breeder, *, rng):
        """Breed a pool of ``surplus * k`` children and keep ``k`` of them.

        A share ``local`` of the pool are mutants of the best candidates so
        far (:meth:`local_parents`), the rest are bred by selection,
        crossover and mutation. A child equal to a scored candidate (novelty
        retries can fail on a small grid) would cost nothing and teach
        nothing: the new ones are screened, and the others fill up only when
        too few are new.
        """
        n_pool = k * self.surplus
        n_local = int(round(self.local * n_pool))
        pool = breeder.children(n_pool - n_local)
        if n_local:
            parents = self.local_parents(breeder.scored, breeder.scores, rng=rng)
            pool += breeder.mutants(parents, n_local, self.local_strength)
        new, known = breeder.split_new(pool)
        X, X_pool = breeder.scored_features(), breeder.features(new)
        fidelity = getattr(breeder, "fidelity", None)
        if fidelity is not None and np.any(fidelity < 1):
            # multi-fidelity: the resource is a feature, children are
            # predicted at the full resource
            X = np.column_stack([X, fidelity])
            X_pool = np.column_stack([X_pool, np.ones(len(X_pool))])
        cost = None  # by default, weighed only against a time budget
        if self._cost_exponent(getattr(breeder, "time_left", None)):
            cost = getattr(breeder, "costs", None)
        memo = getattr(breeder, "memo", None)
        keep = self.screen(X_pool, k, X, breeder.scores, rng=rng, cost=cost, memo=memo)
        chosen = [new[i] for i in keep]
        return chosen + known[: k - len(chosen)]

    def _cost_exponent(self, time_left):
        if self.cost_exponent is None:
            return 0.0 if time_left is None else 1.0
        return self.cost_exponent

    def local_parents(self, scored, scores, *, rng):
        """The ``local_top`` best candidates and every one tied with them.

        In random order: cross-validated scores often tie on a plateau of
        equally good configurations, and a better one may lie next to any of
        them, not only next to the first found.
        """
        y = np.asarray(scores, float)
        finite = np.flatnonzero(np.isfinite(y))
        order = finite[np.argsort(-y[finite], kind="stable")]
        cutoff = y[order[min(self.local_top, len(order)) - 1]] - self.tie_tolerance
        best = order[y[order] >= cutoff]
        best = best[rng.permutation(len(best))]
        return [scored[i] for i in best]

    def _bounded(self, y, rng):
        """``max_points`` rows: the best half, and a random draw of the rest."""
        order = np.argsort(-y, kind="stable")
        n_best = self.max_points // 2
        drawn = rng.choice(order[n_best:], size=self.max_points - n_best, replace=False)
        return np.concatenate([order[:n_best], drawn])

    def _fitted(self, memo, name, n_scored, X, y, seed):
        """The trees of ``X, y``, or those kept in ``memo`` under ``name``.

        The kept ones serve beyond ``max_points`` scored candidates, on the
        same features, until their number has grown by ``refit_growth``
        since their fit.
        """
        if memo is not None and name in memo and n_scored > self.max_points:
            n_fitted, n_features, model = memo[name]
            grown = n_scored >= n_fitted * (1.0 + self.refit_growth)
            if not grown and n_features == X.shape[1]:
                return model
        model = self._trees(X, y, seed)
        if memo is not None:
            memo[name] = (n_scored, X.shape[1], model)
        return model

    def _trees(self, X, y, seed):
        return ExtraTrees(self.n_estimators, seed).fit(X, y)

    def _per_second(self, value, X, cost, X_pool, seed, memo=None, n_scored=0):
        """``value`` as gain over the pool's median per predicted second."""
        cost = np.asarray(cost, float)
        known = np.isfinite(cost) & (cost > 0)
        if known.sum() < self.min_points:
            return None
        model = self._fitted(
            memo, "cost", n_scored, X[known], np.log(cost[known]), seed
        )
        seconds = np.exp(model.predict(X_pool))
        gain = np.maximum(value - np.median(value), 0.0)
        return gain / seconds ** (self.cost_exponent or 1.0)

    def screen(self, X_pool, k, X, y, *, rng, cost=None, memo=None):
        """Indices of the ``k`` pool members to evaluate.

        Parameters
        ----------
        X_pool : ndarray of shape (n_pool, n_features)
            Features of the candidate children.
        k : int
            How many to keep.
        X, y : ndarray
            Features and scores (NaN for failures) of the scored candidates.
        rng : numpy.random.RandomState
            The search's random number generator.
        cost : ndarray, optional
            Seconds one fit of each scored candidate took (NaN if unknown);
            given, children are ranked by gain per predicted second
            (``cost_exponent``).
        memo : dict, optional
            Where one search keeps its fitted models from generation to
            generation (``refit_growth``); None refits every time.

        Returns
        -------
        list of int
        """
        self.check_params()
        n_pool = len(X_pool)
        if n_pool <= k:
            return list(range(n_pool))
        y = np.asarray(y, float)
        finite = np.isfinite(y)
        if finite.sum() < self.min_points:
            # too few points for a model: a random subset is the plain GA
            return [int(i) for i in rng.choice(n_pool, size=k, replace=False)]
        y = np.where(finite, y, y[finite].min())
        X = np.asarray(X)
        n_scored = len(y)
        if n_scored > self.max_points:
            keep = self._bounded(y, rng)
            X, y = X[keep], y[keep]
            cost = None if cost is None else np.asarray(cost)[keep]
        seed = int(rng.randint(np.iinfo(np.int32).max))
        model = self._fitted(memo, "score", n_scored, X, y, seed)
        per_tree = model.per_tree(X_pool)
        mean, std = per_tree.mean(axis=0), per_tree.std(axis=0)
        if self.acquisition == "ucb":
            value = upper_confidence_bound(mean, std, self.kappa)
        else:
            value = expected_improvement(mean, std, y.max())
        per_second = (
            None
            if cost is None
            else self._per_second(value, X, cost, X_pool, seed, memo, n_scored)
        )
        n_explore = min(int(round(self.exploration * k)), k)
        if per_second is None:
            order = np.argsort(-value, kind="stable")
        else:  # by gain per second, then (no gain) by value
            order = np.lexsort((-value, -per_second))
        chosen = list(order[: k - n_explore])
        rest = order[k - n_explore :]
        chosen += (
            list(rng.choice(rest, size=n_explore, replace=False)) if n_explore else []
        )
        return [int(i) for i in chosen]


class ExtraTrees:
    """``ExtraTreesRegressor``'s trees, grown without the ensemble's wrapper.

    The same trees as ``ExtraTreesRegressor(n_estimators, random_state=seed)``
    (each seeded in turn from ``seed``, as the ensemble does), fitted and
    queried with ``check_input=False``: the ensemble clones and checks every
    tree, and the surrogate fits one model per generation.
    """

    def __init__(self, n_estimators, seed):
        self.n_estimators = n_estimators
        self.seed = seed

    def fit(self, X, y):
        from sklearn import config_context
        from sklearn.tree import ExtraTreeRegressor
        from sklearn.utils import check_random_state

        X = np.ascontiguousarray(X, dtype=np.float32)
        y = np.ascontiguousarray(np.reshape(y, (-1, 1)), dtype=np.float64)
        rng = check_random_state(self.seed)
        seeds = [rng.randint(np.iinfo(np.int32).max) for _ in range(self.n_estimators)]
        # a tree draws its one seed from its RandomState: one re-seeded state
        # gives the same trees as a new state per tree, which cost 80 us each
        # (a fifth of the surrogate's time on 500 points)
        state, self.estimators_ = np.random.RandomState(), []
        # the trees' parameters are the defaults: validating them for each
        # tree cost about a tenth of the fit (48 trees on 500 points)
        with config_context(skip_parameter_validation=True):
            for s in seeds:
                state.seed(s)
                tree = ExtraTreeRegressor(random_state=state)
                self.estimators_.append(tree.fit(X, y, check_input=False))
        return self

    def per_tree(self, X):
        """Each tree's predictions, shape ``(n_estimators, n_samples)``."""
        X = np.ascontiguousarray(X, dtype=np.float32)
        # each fitted tree's ``tree_`` predicts what ``predict`` returns, (n, 1)
        # for one output, without the estimator's checks (40 us a tree)
        return np.stack([t.tree_.predict(X)[:, 0] for t in self.estimators_])

    def predict(self, X):
        """The mean of the trees' predictions, as the ensemble's ``predict``."""
        return self.per_tree(X).mean(axis=0)
