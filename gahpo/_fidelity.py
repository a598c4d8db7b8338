"""Multi-fidelity: score new candidates cheaply first, the promising ones in full.

A generation's new candidates climb a ladder of rungs, as in
``HalvingRandomSearchCV`` and ASHA: all are cross-validated with
``min_resources`` (training samples, or the value of an estimator parameter
such as ``max_iter``), those in the best ``1 / factor`` of every candidate
ever scored at that rung go up to ``factor`` times the resource, and so on up
to ``max_resources``. Each rung is one ``evaluate_candidates`` batch, so
``cv_results_`` holds one row per candidate and resource, with an
``n_resources`` column; the best candidate is chosen among the rows scored
with ``max_resources`` only.

The words are scikit-learn's: ``resource``, ``min_resources``,
``max_resources``, ``factor``, ``n_resources``.

A last rung of another kind guards against the winner's curse: with
``finalists=k``, the ``k`` best candidates are scored again on new folds
(:class:`FreshSplits`), and the best is chosen among those rows only.
"""

import math
from numbers import Integral

import numpy as np

from ._compat import num_samples

__all__ = [
    "FreshSplits",
    "Ladder",
    "SubsampledSplits",
    "check_finalists",
    "check_ladder",
    "climb",
    "promote",
    "rung_threshold",
]

#: Splitters whose folds can be drawn anew from a shuffled order of the
#: samples (not time series, predefined or given folds).
EXCHANGEABLE = (
    "KFold",
    "StratifiedKFold",
    "GroupKFold",
    "StratifiedGroupKFold",
    "ShuffleSplit",
    "StratifiedShuffleSplit",
    "GroupShuffleSplit",
    "RepeatedKFold",
    "RepeatedStratifiedKFold",
)


class SubsampledSplits:
    """Folds whose training sets keep ``fraction`` of their samples.

    The test folds are whole, so every rung is scored on the same data. The
    kept samples are the first ones of a fixed permutation of each training
    fold, so the samples of a rung are a subset of those of the next.
    """

    def __init__(self, cv, fraction, seed):
        self.cv = cv
        self.fraction = fraction
        self.seed = seed

    def split(self, X, y=None, groups=None, **params):
        rng = np.random.RandomState(self.seed)
        for train, test in self.cv.split(X, y, groups, **params):
            order = rng.permutation(len(train))
            n = max(1, int(round(self.fraction * len(train))))
            yield np.sort(train[order[:n]]), test

    def get_n_splits(self, X=None, y=None, groups=None, **params):
        return self.cv.get_n_splits(X, y, groups, **params)


class FreshSplits:
    """``cv``'s folds drawn anew: the splitter run on the samples shuffled.

    Same number of folds, same stratification or groups, another partition;
    the seed fixes it.
    """

    def __init__(self, cv, seed):
        self.cv = cv
        self.seed = seed

    def split(self, X, y=None, groups=None, **params):
        n = num_samples(X)
        order = np.random.RandomState(self.seed).permutation(n)
        y = None if y is None else np.asarray(y)[order]
        groups = None if groups is None else np.asarray(groups)[order]
        for train, test in self.cv.split(np.zeros((n, 1)), y, groups, **params):
            yield np.sort(order[train]), np.sort(order[test])

    def get_n_splits(self, X=None, y=None, groups=None, **params):
        return self.cv.get_n_splits(X, y, groups, **params)


def check_finalists(search, folds):
    """The :class:`FreshSplits` of the finalists' rung, or None without it.

    Raises ``ValueError`` naming the parameter, before any fit.
    """
    if search.finalists is None:
        return None
    if search.objectives is not None or callable(search.refit):
        raise ValueError(
            "`finalists` chooses the best of one score: it cannot be combined "
            "with `objectives` or a callable `refit`."
        )
    splitter = getattr(folds, "cv", folds)
    if type(splitter).__name__ not in EXCHANGEABLE:
        raise ValueError(
            "`finalists` scores the best candidates again on new folds, which "
            f"needs a splitter that can draw them ({', '.join(EXCHANGEABLE)}); "
            f"cv={splitter!r} cannot (time series, predefined or given folds)."
        )
    return FreshSplits(splitter, _fixed_seed(search.random_state) + 1)


class Ladder:
    """The rungs of a multi-fidelity search, and how a rung changes a fit.

    Parameters
    ----------
    resource : str
        ``"n_samples"`` or the name of an estimator parameter.
    rungs : list of int
        Resources from ``min_resources`` to ``max_resources``.
    factor : float
        Promotion keeps the best ``1 / factor``.
    seed : int
        Seeds the subsampling of training sets (``n_samples``).
    n_samples : int
        The number of samples: with ``resource="n_samples"`` a rung of ``r``
        keeps ``r / n_samples`` of each training fold, as
        ``HalvingRandomSearchCV`` does, also when ``max_resources`` is
        smaller.
    """

    def __init__(self, resource, rungs, factor, seed, n_samples):
        self.resource = resource
        self.rungs = list(rungs)
        self.factor = factor
        self.seed = seed
        self.n_samples = n_samples

    @property
    def max_resources(self):
        return self.rungs[-1]

    def params(self, params, rung):
        """The parameters of a fit at ``rung`` (a parameter resource is set)."""
        if self.resource == "n_samples":
            return params
        return {**params, self.resource: self.rungs[rung]}

    def cv(self, cv, rung):
        """The folds of a fit at ``rung`` (training sets subsampled for n_samples)."""
        if self.resource != "n_samples" or self.rungs[rung] >= self.n_samples:
            return cv
        return SubsampledSplits(cv, self.rungs[rung] / self.n_samples, self.seed)

    def rung_of(self, n_resources):
        """The rung whose resource is ``n_resources``."""
        return self.rungs.index(n_resources)

    def fidelity(self, rung):
        """The share of ``max_resources`` at ``rung``, in (0, 1]."""
        return self.rungs[rung] / self.max_resources

    def __repr__(self):
        return (
            f"Ladder(resource={self.resource!r}, rungs={self.rungs}, "
            f"factor={self.factor})"
        )


def promote(scores, history, factor):
    """Which of ``scores`` (this generation, one rung) go up to the next rung.

    At most the best ``ceil(m / factor)`` of the generation's ``m`` scores
    go up, as in successive halving, and only those that also rank in the
    best ``ceil(n / factor)`` of the ``n`` scores ever seen at this rung
    (``history`` plus ``scores``), as in ASHA: a poor generation promotes
    fewer. A good one promotes no more, because children bred from the best
    candidates usually beat the history, and promoting them all would score
    most of them in full. NaN (a failed fit) is never promoted.

    Examples
    --------
    >>> promote([0.5, 0.9, 0.7], [], factor=3).tolist()
    [1]
    >>> promote([0.5, 0.9, 0.7], [0.95, 0.96, 0.97], factor=3).tolist()
    []
    >>> promote([0.5, 0.9, 0.7, 0.8], [0.1] * 8, factor=3).tolist()
    [1, 3]
    """
    scores = np.asarray(scores, dtype=float)
    everything = np.concatenate([np.asarray(history, dtype=float), scores])
    threshold = rung_threshold(everything, factor)
    up = np.flatnonzero(np.isfinite(scores) & (scores >= threshold))
    quota = math.ceil(len(scores) / factor)
    return np.sort(up[np.argsort(-scores[up], kind="stable")[:quota]])


def rung_threshold(scores, factor):
    """The score a candidate needs to rank in the best ``ceil(n / factor)``.

    Of the ``n`` ``scores`` seen at a rung (NaN counts in ``n`` but never
    ranks); ``inf`` when none is finite, so that nothing is promoted.

    >>> float(rung_threshold([0.5, 0.9, 0.7, float("nan")], factor=2))
    0.7
    """
    scores = np.asarray(scores, dtype=float)
    finite = np.sort(scores[np.isfinite(scores)])[::-1]
    if not finite.size:
        return math.inf
    return finite[min(math.ceil(len(scores) / factor), finite.size) - 1]


def climb(ladder, params, evaluate, history, done=None, save=None):
    """Score ``params`` up the rungs of ``ladder``; return scores and fidelities.

    Parameters
    ----------
    ladder : Ladder
    params : list of dict
        The generation's new candidates.
    evaluate : callable
        ``evaluate(params, rung) -> scores``: one batch of fits at ``rung``.
    history : list of list of float
        Scores seen at each rung in earlier generations; extended here.
    done : dict, optional
        Progress of this generation restored from a checkpoint: the rungs
        already scored are not fitted again.
    save : callable, optional
        ``save(progress)`` after each rung but the last, for a checkpoint.

    Returns
    -------
    scores : ndarray
        Each candidate's score at the highest rung it reached.
    fidelity : ndarray
        That rung's share of ``max_resources``.
    """
    n, last = len(params), len(ladder.rungs) - 1
    progress = done or {
        "rung": 0,
        "alive": list(range(n)),
        "scores": [math.nan] * n,
        "fidelity": [0.0] * n,
    }
    scores, fidelity = np.array(progress["scores"]), np.array(progress["fidelity"])
    alive = np.array(progress["alive"], dtype=int)
    for rung in range(progress["rung"], last + 1):
        rung_scores = np.asarray(evaluate([params[i] for i in alive], rung), float)
        scores[alive], fidelity[alive] = rung_scores, ladder.fidelity(rung)
        if rung == last:
            break
        up = promote(rung_scores, history[rung], ladder.factor)
        history[rung].extend(rung_scores.tolist())
        alive = alive[up]
        if save is not None:
            save(
                {
                    "rung": rung + 1,
                    "alive": alive.tolist(),
                    "scores": scores.tolist(),
                    "fidelity": fidelity.tolist(),
                }
            )
        if not alive.size:
            break
    return scores, fidelity


def check_ladder(search, n_samples, n_splits, n_classes=None):
    """The :class:`Ladder` of ``search``, or None without ``min_resources``.

    The rungs are ``min_resources * factor**k``; the last is
    ``max_resources``, which replaces the rung below it when that one is
    within a factor ``sqrt(factor)`` of it (3 rungs of 149, 447 and 1347
    samples, not 4 with a near-full 1341). ``"smallest"`` is scikit-learn's
    rule: ``2 * n_splits`` samples, times ``n_classes`` for a classifier.

    Raises ``ValueError`` naming the parameter, before any fit.
    """
    if search.min_resources is None:
        return None
    resource, factor = search.resource, search.factor
    if resource != "n_samples":
        if resource not in search.estimator.get_params(deep=True):
            raise ValueError(
                f"`resource` must be 'n_samples' or a parameter of the estimator, "
                f"got resource={resource!r}."
            )
        spaces = search.param_distributions
        for space in spaces if isinstance(spaces, list) else [spaces]:
            if resource in space:
                raise ValueError(
                    f"`resource={resource!r}` is set by the multi-fidelity rungs, "
                    f"so it cannot also be searched in `param_distributions`."
                )
    max_resources = search.max_resources
    if max_resources == "auto":
        if resource != "n_samples":
            raise ValueError(
                "`max_resources='auto'` is the number of samples: with "
                f"resource={resource!r}, give `max_resources` as an int."
            )
        max_resources = n_samples
    min_resources = search.min_resources
    if min_resources == "smallest":
        samples = resource == "n_samples"
        min_resources = 2 * n_splits * (n_classes or 1) if samples else 1
    if min_resources > max_resources:
        raise ValueError(
            "`min_resources <= max_resources` must hold, got "
            f"min_resources={min_resources!r}, max_resources={max_resources!r}."
        )
    if resource == "n_samples" and max_resources > n_samples:
        raise ValueError(
            f"`max_resources` must be at most the number of samples ({n_samples}) "
            f"with resource='n_samples', got max_resources={max_resources!r}."
        )
    rungs = [int(min_resources)]
    while rungs[-1] * factor < max_resources:
        rungs.append(int(math.ceil(rungs[-1] * factor)))
    if len(rungs) > 1 and rungs[-1] * math.sqrt(factor) > max_resources:
        rungs.pop()  # too close to the full resource to be worth a rung
    if rungs[-1] != max_resources:
        rungs.append(int(max_resources))
    seed = _fixed_seed(search.random_state)
    return Ladder(resource, rungs, factor, seed, n_samples)


def _fixed_seed(random_state):
    """A seed that does not draw from ``random_state``: the int, or 0.

    Drawing from a ``RandomState`` given by the user would change the
    candidates the engine then draws from it.
    """
    return random_state if isinstance(random_state, Integral) else 0
