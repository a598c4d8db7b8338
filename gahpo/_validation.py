"""What ``GeneticSearchCV.fit`` checks and derives before any model is fitted.

``_parameter_constraints`` checks each argument on its own; this module checks
what depends on several (``elitism`` against the population, ``n_offspring``
of a (mu, lambda) scheme, objectives against ``scoring``), resolves the
parts given by name, and derives the budget.
"""

import inspect
import math
import os
from numbers import Integral, Real

import numpy as np
from joblib import effective_n_jobs
from sklearn.base import is_classifier
from sklearn.model_selection import check_cv

from ._compat import (
    FrozenSplits,
    HasMethods,
    Interval,
    SearchCV,
    StrOptions,
    num_samples,
)
from ._engine import GeneticEngine
from ._fidelity import check_finalists, check_ladder
from ._objectives import parse_objectives
from ._steady import SteadyStateEngine
from .operators import CROSSOVER, MUTATION, SELECTION
from .schedules import rate_at
from .schemes import SCHEMES, Generational, MuPlusLambda, SteadyState, as_scheme
from .space import SearchSpace
from .surrogate import ExtraTreesSurrogate, check_screen

__all__ = [
    "PARAMETER_CONSTRAINTS",
    "budget",
    "check_folds",
    "check_search",
    "make_engine",
]

#: ``GeneticSearchCV._parameter_constraints``: each argument on its own.
PARAMETER_CONSTRAINTS = {
    **SearchCV._parameter_constraints,
    "param_distributions": [dict, list],
    "n_iter": [Interval(Integral, 2, None, closed="left"), None],
    "population_size": [Interval(Integral, 2, None, closed="left"), None],
    "generations": [Interval(Integral, 1, None, closed="left"), None],
    "random_state": ["random_state"],
    "max_time": [Interval(Real, 0, None, closed="neither"), None],
    "patience": [Interval(Integral, 1, None, closed="left"), None],
    "fit_timeout": [Interval(Real, 0, None, closed="neither"), None],
    "callbacks": [list, tuple, None],
    "checkpoint": [str, os.PathLike, None],
    "selection": [StrOptions({"auto", *SELECTION}), callable],
    "crossover": [StrOptions(set(CROSSOVER)), callable],
    "mutation": [StrOptions(set(MUTATION)), callable],
    "crossover_proba": [Interval(Real, 0, 1, closed="both"), callable],
    "mutation_proba": [Interval(Real, 0, 1, closed="both"), callable],
    "elitism": [Interval(Integral, 0, None, closed="left")],
    "scheme": [
        StrOptions({"auto", *SCHEMES}),
        Generational,
        MuPlusLambda,
        SteadyState,
    ],
    "objectives": [list, tuple, dict, None],
    "initial_params": [list, tuple, None],
    "surrogate": [StrOptions({"auto"}), None, HasMethods(["ready", "propose"])],
    "resource": [str],
    "min_resources": [
        Interval(Integral, 1, None, closed="left"),
        StrOptions({"smallest"}),
        None,
    ],
    "max_resources": [
        Interval(Integral, 1, None, closed="left"),
        StrOptions({"auto"}),
    ],
    "factor": [Interval(Real, 1, None, closed="neither")],
    "finalists": [Interval(Integral, 1, None, closed="left"), None],
}

#: The study's population and generations, used without ``n_iter``.
STUDY = (25, 25)

#: (positional probe, keyword probe, signature in messages) per operator family
_PROBES = {
    "selection": (([], 0), {"rng": None}, "select(individuals, k, *, rng)"),
    "crossover": (
        ([], [], None),
        {"rng": None},
        "crossover(ind1, ind2, space, *, rng)",
    ),
    "mutation": (([], None), {"rng": None}, "mutation(individual, space, *, rng)"),
}


def budget(n_iter, population_size, generations, multi_fidelity=False):
    """``(population_size, generations)`` with the ones left to None derived.

    Without ``n_iter``: the study's 25 and 25. With a budget of ``n_iter``
    distinct candidates: ``population_size = max(6, round(0.7 *
    sqrt(n_iter)) + 1)``, twice that with multi-fidelity (at most 25, never
    less than without), and ``generations = 2 * ceil(n_iter /
    population_size) + 1`` (a safety cap: the budget ends the search).
    Values given are kept.

    The population was once capped at 25 (the study's) at any budget:
    417 generations at 10,000 candidates instead of 143, each with its fixed
    cost around the fits. On synthetic objectives with noisy scores
    (``benchmarks/population.py``, 20 seeds) the uncapped rule returned
    candidates as good at 2,000 and 10,000 candidates (within 0.0011 of the
    true score, inside one standard error).

    Multi-fidelity sends about ``1 / factor`` of a generation up each rung,
    so a small generation sends up a rounded-up share and waits at a barrier
    per rung; on the study's development splits (0-9), 12 candidates per
    generation instead of 6 at ``n_iter=50`` took 0.76x random search's wall
    time instead of 0.80x (``benchmarks/README.md``, ``study.py``).

    Examples
    --------
    >>> budget(None, None, None), budget(60, None, None), budget(60, 10, None)
    ((25, 25), (6, 21), (10, 13))
    >>> budget(60, None, None, multi_fidelity=True), budget(10_000, None, None)
    ((12, 11), (71, 283))
    """
    if n_iter is None:
        return population_size or STUDY[0], generations or STUDY[1]
    derived = max(6, round(0.7 * math.sqrt(n_iter)) + 1)
    if multi_fidelity:
        derived = max(derived, min(25, 2 * derived))
    population = population_size or derived
    return population, generations or 2 * math.ceil(n_iter / population) + 1


def _resolve(name, value, registry):
    """An operator given by name or as a callable, checked against its signature."""
    if isinstance(value, str):
        return registry[value]
    args, kwargs, signature = _PROBES[name]
    try:
        inspect.signature(value).bind(*args, **kwargs)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"`{name}` must be one of {sorted(registry)} or a callable with the "
            f"signature {signature}; {value!r} does not accept it ({exc})."
        ) from None
    return value


def check_search(search):
    """Validate what ``_parameter_constraints`` cannot; return the resolved settings.

    Returns
    -------
    dict
        ``space`` (SearchSpace), ``objectives`` (``[(name, sign)]`` or None),
        ``population_size`` and ``generations`` (after :func:`budget`),
        ``scheme``, ``surrogate`` (a screen or None), ``selection``,
        ``crossover``, ``mutation`` (callables), ``initial`` (individuals
        of ``initial_params``) and ``during_fit`` (see :func:`_during_fit`).
    """
    space = SearchSpace(search.param_distributions)
    space.check_parameters(search.estimator)
    population_size, generations = budget(
        search.n_iter,
        search.population_size,
        search.generations,
        multi_fidelity=search.min_resources is not None,
    )
    if search.elitism >= population_size:
        raise ValueError(
            "`elitism` must be smaller than `population_size`, got "
            f"elitism={search.elitism!r}, population_size={population_size!r}."
        )
    for i, callback in enumerate(search.callbacks or ()):
        if not callable(callback):
            raise TypeError(
                f"`callbacks` must hold callables `callback(search, record)`; "
                f"item {i} is {type(callback).__name__} {callback!r}."
            )
    objectives = parse_objectives(search.objectives, search.scoring)
    surrogate = search.surrogate
    if surrogate == "auto":
        surrogate = ExtraTreesSurrogate() if objectives is None else None
    if surrogate is not None:
        check_screen(surrogate)
    scheme = as_scheme(_auto_scheme(search.scheme, search.n_jobs))
    if scheme.name == "mu_comma_lambda" and (
        (scheme.n_offspring or population_size) < population_size
    ):
        raise ValueError(
            "MuCommaLambda keeps survivors among the children only, so its "
            "`n_offspring` must be at least `population_size`, got "
            f"n_offspring={scheme.n_offspring!r}, population_size={population_size!r}."
        )
    for name in ("crossover_proba", "mutation_proba"):
        rate_at(name, getattr(search, name), 1)  # a bad schedule fails now
    strength = getattr(search.mutation, "strength", None)
    if callable(strength):
        rate_at("mutation strength", strength, 1, high=math.inf)
    selection = search.selection
    if selection == "auto":
        selection = "nsga2" if len(objectives or ()) > 1 else "tournament"
    initial = []
    for i, params in enumerate(search.initial_params or ()):
        ind = space.from_params(params) if isinstance(params, dict) else None
        if ind is None:
            raise ValueError(
                f"initial_params[{i}] must be a dict of parameters that lies in "
                f"param_distributions (every parameter of one sub-space, each "
                f"inside its gene), got {params!r}."
            )
        initial.append(ind)
    return {
        "space": space,
        "objectives": objectives,
        "population_size": population_size,
        "generations": generations,
        "scheme": scheme,
        "surrogate": surrogate,
        "selection": _resolve("selection", selection, SELECTION),
        "crossover": _resolve("crossover", search.crossover, CROSSOVER),
        "mutation": _resolve("mutation", search.mutation, MUTATION),
        "initial": initial,
        "during_fit": _during_fit(search, scheme),
    }


def _during_fit(search, scheme):
    """What the search sets on itself while scikit-learn's ``fit`` runs.

    ``pre_dispatch="all"`` for the schemes that evolve in generations,
    unless the user changed scikit-learn's default. A generation's fits are
    all known when it starts; refilling ``2 * n_jobs`` of them as fits end
    left workers waiting on the main process between fits of milliseconds
    (``benchmarks/overhead.py``). The asynchronous scheme keeps the bound:
    its children are bred as workers free.
    """
    whole = search.pre_dispatch == "2*n_jobs" and scheme.name != "steady_state"
    return {"pre_dispatch": "all"} if whole else {}


#: ``scheme="auto"`` is asynchronous from this many joblib workers on.
ASYNC_WORKERS = 8


def _auto_scheme(scheme, n_jobs):
    """``"auto"``: steady-state from :data:`ASYNC_WORKERS` workers, else generational.

    The workers are joblib's for ``n_jobs`` under the active backend (a Dask
    cluster's inside ``joblib.parallel_backend("dask")``).
    """
    if not (isinstance(scheme, str) and scheme == "auto"):
        return scheme
    workers = effective_n_jobs(n_jobs)
    return "steady_state" if workers >= ASYNC_WORKERS else "generational"


def size_to_workers(search, settings, n_folds):
    """``settings`` with a derived population sized to fill the workers.

    Only for the generational scheme, from :data:`ASYNC_WORKERS` workers on
    (below, the candidates must not depend on ``n_jobs``), and only when
    ``population_size`` is derived: it grows to fill the rounds of fits its
    generation takes anyway (``ceil(population_size * n_folds / workers)``
    rounds of ``workers`` fits), so that no worker idles in the last round.
    """
    if search.population_size is not None or settings["scheme"].name != "generational":
        return settings
    workers = effective_n_jobs(search.n_jobs)
    if workers < ASYNC_WORKERS:
        return settings
    population = settings["population_size"]
    rounds = math.ceil(population * n_folds / workers)
    sized = max(population, rounds * workers // n_folds)
    population, generations = budget(search.n_iter, sized, search.generations)
    return {**settings, "population_size": population, "generations": generations}


def make_engine(search, settings, rng):
    """The engine of one ``fit``, from the settings :func:`check_search` resolved.

    The first population holds the estimator's own defaults (where they lie
    in the space), then ``initial_params``, then a space-filling design.
    """
    space = settings["space"]
    defaults = space.from_params(
        search.estimator.get_params(deep=True), partial=True, rng=rng
    )
    initial = ([defaults] if defaults is not None else []) + settings["initial"]
    scheme = settings["scheme"]
    engine, more = GeneticEngine, {"scheme": scheme}
    if scheme.name == "steady_state":
        engine = SteadyStateEngine
        more = {"batch_size": scheme.batch_size, "parents": scheme.parents}
    return engine(
        space,
        population_size=settings["population_size"],
        **more,
        elitism=search.elitism,
        selection=settings["selection"],
        crossover=settings["crossover"],
        mutation=settings["mutation"],
        crossover_proba=search.crossover_proba,
        mutation_proba=search.mutation_proba,
        initial=initial,
        rng=rng,
        surrogate=settings["surrogate"],
        max_evaluations=search.n_iter,
    )


def check_folds(search, X, y, params):
    """``(cv, folds, n_splits, ladder, fresh)``: one ``fit``'s folds and rungs.

    ``cv`` is what scikit-learn's ``fit`` is given (a one-shot iterable of
    folds becomes a list); ``folds`` serves the same folds to every
    generation, even from a shuffling splitter; ``n_splits`` counts them
    (scikit-learn sets ``n_splits_`` only after the search before 1.6);
    ``ladder`` is the
    multi-fidelity :class:`~gahpo._fidelity.Ladder`, or None; ``fresh`` the
    new folds of the finalists (:class:`~gahpo._fidelity.FreshSplits`), or
    None.
    """
    cv = search.cv
    if not (cv is None or isinstance(cv, (Integral, list)) or hasattr(cv, "split")):
        cv = list(cv)  # a one-shot iterable of folds: read it once
    classifier = is_classifier(search.estimator)
    folds = FrozenSplits(check_cv(cv, y, classifier=classifier))
    n_splits = folds.get_n_splits(X, y, params.get("groups"))
    n_classes = None  # only for scikit-learn's "smallest" first rung
    if classifier and y is not None and search.min_resources == "smallest":
        n_classes = len(np.unique(np.asarray(y)))
    ladder = check_ladder(search, num_samples(X), n_splits, n_classes)
    if ladder is not None and search.objectives is not None:
        raise ValueError(
            "`objectives` and multi-fidelity (`min_resources`) cannot be "
            "combined yet: set one of them to None."
        )
    return cv, folds, n_splits, ladder, check_finalists(search, folds.cv)
