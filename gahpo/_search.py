"""GeneticSearchCV: genetic hyper-parameter search on scikit-learn's BaseSearchCV."""

import contextlib
import inspect
import math
import os
import time
import warnings
from numbers import Integral, Real

import joblib
import numpy as np
from deap import tools
from sklearn.base import clone, is_classifier
from sklearn.exceptions import FitFailedWarning
from sklearn.model_selection import check_cv
from sklearn.utils import check_random_state

from . import _checkpoint
from ._compat import (
    BaseSearchCV,
    HasMethods,
    Interval,
    StrOptions,
    end_context,
    generation_context,
    search_context,
)
from ._engine import SCHEMES, GeneticEngine
from .space import Individual
from .surrogate import ExtraTreesSurrogate
from .operators import CROSSOVER, MUTATION, SELECTION
from .schedules import rate_at
from .space import SearchSpace

__all__ = ["GeneticSearchCV"]


class _FrozenSplits:
    """Wrap a CV splitter so that every generation sees the first call's folds."""

    def __init__(self, cv):
        self.cv = cv
        self._splits = None

    def split(self, X, y=None, **params):
        if self._splits is None:
            self._splits = list(self.cv.split(X, y, **params))
        return iter(self._splits)

    def get_n_splits(self, X=None, y=None, **params):
        return self.cv.get_n_splits(X, y, **params)


def _all_fits_failed(exc):
    return "fits failed" in str(exc) and str(exc).lstrip().startswith("All the")


def _merge_rows(n_splits, *parts):
    """Concatenate ``(params, out, more_results)`` parts, sorted by generation.

    ``out`` holds ``n_splits`` consecutive entries per candidate. The sort is
    stable, so rows of one generation keep their order.
    """
    rows = []
    for part in parts:
        if not part:
            continue
        params, out, more = part
        for i, p in enumerate(params):
            rows.append(
                (p, out[i * n_splits : (i + 1) * n_splits], {k: v[i] for k, v in more.items()})
            )
    rows.sort(key=lambda row: row[2].get("generation", 0))
    keys = {k for row in rows for k in row[2]}
    return (
        [row[0] for row in rows],
        [entry for row in rows for entry in row[1]],
        {k: [row[2].get(k) for row in rows] for k in keys},
    )


def _stable_id(value):
    """An identity of a setting that is the same in another process.

    ``repr`` of a function or ``functools.partial`` holds a memory address;
    joblib hashes functions by module and name and partials by their parts.
    What cannot be pickled (a lambda) is named by module and qualified name.
    """
    try:
        return joblib.hash(value)
    except Exception:
        return f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', repr(value))}"


def _pareto_front(values):
    """Indices of the rows of ``values`` (all maximized) that none dominates."""
    individuals = []
    for i, row in enumerate(np.atleast_2d(values)):
        ind = Individual([i])
        ind.set_score(row)
        individuals.append(ind)
    front = tools.sortNondominated(individuals, len(individuals), first_front_only=True)
    return np.array(sorted(ind[0] for ind in front[0]), dtype=int)


@contextlib.contextmanager
def _sklearn_verbosity(search):
    """Shift scikit-learn's own messages to ``verbose >= 3``.

    Levels 1 and 2 are gahpo's progress bar and table of generations, which
    scikit-learn's line per batch ("Fitting 3 folds for each of ...") and per
    fit ("[CV] END ...") would break up. scikit-learn reads ``verbose`` in
    ``BaseSearchCV.fit``; the user's value is back when ``fit`` returns.
    """
    verbose = search.verbose
    search.verbose = max(int(verbose) - 2, 0)
    try:
        yield
    finally:
        search.verbose = verbose


def _resolve(name, value, registry, probe):
    """An operator given by name or as a callable, checked against its signature."""
    if isinstance(value, str):
        return registry[value]
    try:
        inspect.signature(value).bind(*probe[0], **probe[1])
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"`{name}` must be one of {sorted(registry)} or a callable with the "
            f"signature {probe[2]}; {value!r} does not accept it ({exc})."
        ) from None
    return value


class GeneticSearchCV(BaseSearchCV):
    """Genetic-algorithm search over hyper-parameters, with cross-validation.

    A drop-in replacement for :class:`~sklearn.model_selection.GridSearchCV`
    and :class:`~sklearn.model_selection.RandomizedSearchCV`: it takes the same
    arguments where they overlap and has the same fitted attributes
    (``cv_results_``, ``best_estimator_``, ``best_params_``, ...). Instead of
    trying every candidate or random ones, it evolves a population of
    candidates: the best of each generation are recombined and mutated into
    the next, so the fits go to promising regions of the space.

    Each generation is one batch of fits (candidates x folds) run by joblib
    across ``n_jobs`` workers. A candidate is never fitted twice: scores are
    cached on the candidate's genome.

    Parameters
    ----------
    estimator : estimator object
        Any scikit-learn estimator or Pipeline; cloned, never modified.
    param_distributions : dict or list of dicts
        Parameter names (``step__param`` for pipelines) mapped to what
        ``RandomizedSearchCV`` or ``GridSearchCV`` take: lists of values,
        distributions with an ``rvs`` method (``scipy.stats.loguniform``, ...),
        or gahpo genes (:class:`~gahpo.space.Integer`,
        :class:`~gahpo.space.Real`, :class:`~gahpo.space.Categorical`,
        :class:`~gahpo.space.LayerSizes`). A list of dicts is a choice between
        sub-spaces.
    scoring : str, callable, list, tuple or dict, default=None
        As in ``GridSearchCV``. With several metrics, the genetic algorithm
        is guided by the ``refit`` metric when ``refit`` is a metric name, and
        otherwise by the first metric.
    cv : int, cross-validation generator or iterable, default=None
        As in ``GridSearchCV``. The folds are computed once per ``fit`` and
        reused in every generation, so all candidates are compared on the
        same folds, even with a shuffling splitter.
    refit : bool, str or callable, default=True
        As in ``GridSearchCV``.
    n_jobs : int, default=None
        Fits run in parallel, per generation. ``-1`` uses all processors. The
        candidates proposed do not depend on ``n_jobs``.
    pre_dispatch : int or str, default="2*n_jobs"
        As in ``GridSearchCV``.
    verbose : int, default=0
        ``1``: a progress bar over generations (tqdm's widget in Jupyter, a
        text bar on stderr in a terminal; ``pip install
        "sklearn-gahpo[progress]"``), or without tqdm the table of ``2``.
        ``2``: also a table of generations on stdout, like DEAP's logbook
        (:class:`~gahpo.callbacks.GenerationTable`). ``>= 3``: also
        scikit-learn's messages at its level ``verbose - 2`` (a line per
        generation's batch at 3, per fit from 4).
    error_score : "raise" or float, default=np.nan
        Score of a failing fit, as in ``GridSearchCV``. Failing candidates
        rank last and are never fitted again.
    return_train_score : bool, default=False
        As in ``GridSearchCV``.
    population_size : int, default=25
        Candidates per generation (the study's value).
    generations : int, default=25
        Maximum number of generations, the first (space-filling) one
        included. At most ``population_size * generations`` candidates are
        fitted, usually fewer.
    random_state : int, RandomState instance or None, default=None
        Seeds every random choice of the search (not the estimator's own).
    max_time : float, default=None
        Wall-clock budget in seconds: the search stops after the generation
        that crosses it.
    patience : int, default=None
        Stop after this many generations without a better best score.
    callbacks : list of callables, default=None
        Each called as ``callback(search, record)`` after every generation
        with that generation's ``history_`` record; returning True stops the
        search. Optional ``on_start(search)`` and ``on_end(search)`` methods
        are called too: ``on_end`` when ``fit`` ends, after the refit (so
        ``best_params_`` and ``best_score_`` are set), or when it fails. See
        :mod:`gahpo.callbacks`.
    checkpoint : str or path-like, default=None
        File where the search state is saved atomically after every
        generation. If it exists when ``fit`` starts and belongs to the same
        search (estimator, space, cv, scoring, data, genetic settings), the
        search resumes from it without refitting any candidate; otherwise a
        :class:`ValueError` says what differs.
    selection : {"auto", "tournament", "best", "roulette", "nsga2"} or callable, \
            default="auto"
        How parents (generational scheme) or survivors ((mu, lambda)
        schemes) are chosen, ``select(individuals, k, *, rng)``: tournament
        of 3, truncation to the best ("keep the N best", the study's rule),
        fitness-proportional, or NSGA-II. ``"auto"`` is ``"tournament"``
        with one objective, ``"nsga2"`` with several. See
        :mod:`gahpo.operators`.
    crossover : {"uniform", "one_point", "two_point", "blend"} or callable, \
            default="uniform"
        ``crossover(ind1, ind2, space, *, rng)``; ``"blend"`` is BLX-alpha on
        numeric genes.
    mutation : {"genewise"} or callable, default="genewise"
        ``mutation(individual, space, *, rng)``.
    crossover_proba : float or callable, default=0.8
        Probability that a pair of parents is recombined; a number or a
        schedule of the generation (:mod:`gahpo.schedules`).
    mutation_proba : float or callable, default=0.2
        Probability that a child is mutated; a number or a schedule. Children
        identical to a scored candidate are always mutated until new.
    elitism : int, default=1
        Best candidates carried unchanged into the next generation (they cost
        no fit); generational scheme only.
    scheme : {"generational", "mu_plus_lambda", "mu_comma_lambda"}, \
            default="generational"
        How generations follow each other: the study's loop with elitism,
        or DEAP's (mu + lambda) and (mu, lambda) strategies, where
        ``selection`` picks ``population_size`` survivors among parents and
        children, or children only. See :class:`gahpo._engine.GeneticEngine`.
    n_offspring : int, default=None
        Children per generation (lambda) in the (mu, lambda) schemes; default
        ``population_size``.
    mutation_strength : float or callable, default=0.2
        Scale of numeric mutations as a fraction of each gene's range (in
        its log or quantile scale); a number or a schedule, e.g.
        ``ExponentialDecay(0.3, 0.9)`` to refine over generations.
    adaptive_mutation : bool, default=False
        Raise the mutation probability and strength when the population
        loses diversity (children that duplicate scored candidates).
    objectives : list of str or dict, default=None
        Several objectives for a multi-objective search (NSGA-II): metric
        names of ``scoring`` (maximized, as scikit-learn scores are
        greater-is-better; ``"score"`` for a single metric) and
        ``"fit_time"`` / ``"score_time"`` (minimized). A dict maps names to
        ``"maximize"`` or ``"minimize"``. The non-dominated candidates are in
        ``pareto_front_``; ``refit`` still chooses one model the
        scikit-learn way. None: the single metric that guides the search is
        the ``refit`` metric (or the first metric).
    initial_params : list of dict, default=None
        Known good configurations placed in the first population (warm
        start), after the estimator's defaults; each must lie in the space.
    n_candidates : int, default=None
        Budget of distinct candidates to fit, like ``RandomizedSearchCV``'s
        ``n_iter``: the search never fits more, and ends when it is spent.
        ``population_size``, if left at its default, is derived from it:
        ``min(25, max(6, round(0.7 * sqrt(n_candidates)) + 1))`` (6 for 30
        and 60 candidates, 9 for 120, 25 from 1128); ``generations``, if
        left at its default, becomes a safety cap of
        ``2 * ceil(n_candidates / population_size) + 1``. Values you set are
        kept (an explicit ``generations`` can end the search before the
        budget is spent).
    surrogate : "auto", None or object, default="auto"
        Offspring screening: each generation breeds ``surplus`` times more
        children than it fits, and a model of the score fitted on every
        candidate scored so far keeps the most promising (highest upper
        confidence bound) plus a random share for exploration. ``"auto"`` is
        :class:`~gahpo.surrogate.ExtraTreesSurrogate` for a single objective
        and none for several; None runs the plain genetic algorithm. An
        object with ``surplus``, ``ready(scores)`` and
        ``screen(X_pool, k, X, y, *, rng)`` replaces the model.

    Attributes
    ----------
    cv_results_ : dict of numpy (masked) ndarrays
        As in ``GridSearchCV``, one row per distinct candidate, plus a
        ``generation`` column: the generation in which the candidate was
        first evaluated.
    best_estimator_ : estimator
        Refitted on the whole data with ``best_params_`` (if ``refit``).
    best_score_ : float
        Mean cross-validated score of the best candidate.
    best_params_ : dict
        Parameters of the best candidate.
    best_index_ : int
        Row of the best candidate in ``cv_results_``.
    scorer_ : function or dict
        Scorer(s) used.
    n_splits_ : int
        Number of cross-validation splits.
    refit_time_ : float
        Seconds spent refitting the best estimator.
    multimetric_ : bool
        Whether several metrics were scored.
    classes_ : ndarray of shape (n_classes,)
        Class labels (classifiers with ``refit``).
    n_features_in_ : int
        Number of features seen during ``fit`` (with ``refit``).
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Feature names seen during ``fit``, when they are all strings.
    history_ : list of dict
        One record per generation: ``generation``, ``best_score`` (best so
        far), ``mean_score`` and ``std_score`` (of the generation's
        population, failures excluded), ``n_evaluated`` (new candidates
        fitted), ``n_cached`` (candidates whose score was reused) and
        ``elapsed`` (seconds since ``fit`` began).
    n_generations_ : int
        Generations actually run.
    pareto_front_ : ndarray of int
        With ``objectives``: rows of ``cv_results_`` that no other evaluated
        candidate dominates.

    See Also
    --------
    sklearn.model_selection.GridSearchCV : Exhaustive search over a grid.
    sklearn.model_selection.RandomizedSearchCV : Random search.

    Notes
    -----
    The search runs the study's loop, as an ask/tell engine::

        population = space-filling design (+ the estimator's defaults)
        for generation in range(generations):
            new = candidates of population never scored
            scores = cross-validate(new)          # one joblib batch
            elites = best `elitism` of population
            parents = select(population, population_size - elitism)
            children = crossover pairs (crossover_proba), mutate (mutation_proba)
            population = elites + children
            stop on max_time, patience, or a callback returning True

    The first population is a Latin hypercube through each gene's
    distribution and holds the estimator's own defaults where they lie in the
    space, so the search never ends worse than the untuned model (as scored by
    cross-validation).

    Examples
    --------
    >>> from scipy.stats import loguniform
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.svm import SVC
    >>> from gahpo import GeneticSearchCV
    >>> X, y = load_iris(return_X_y=True)
    >>> search = GeneticSearchCV(
    ...     SVC(), {"C": loguniform(1e-2, 1e2), "kernel": ["rbf", "linear"]},
    ...     population_size=6, generations=3, random_state=0,
    ... ).fit(X, y)
    >>> search.n_generations_
    3
    >>> sorted(search.best_params_)
    ['C', 'kernel']
    >>> bool(search.best_score_ > 0.9)
    True
    """

    _parameter_constraints: dict = {
        **BaseSearchCV._parameter_constraints,
        "param_distributions": [dict, list],
        "population_size": [Interval(Integral, 2, None, closed="left")],
        "generations": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "max_time": [Interval(Real, 0, None, closed="neither"), None],
        "patience": [Interval(Integral, 1, None, closed="left"), None],
        "callbacks": [list, tuple, None],
        "checkpoint": [str, os.PathLike, None],
        "selection": [StrOptions({"auto", *SELECTION}), callable],
        "crossover": [StrOptions(set(CROSSOVER)), callable],
        "mutation": [StrOptions(set(MUTATION)), callable],
        "crossover_proba": [Interval(Real, 0, 1, closed="both"), callable],
        "mutation_proba": [Interval(Real, 0, 1, closed="both"), callable],
        "elitism": [Interval(Integral, 0, None, closed="left")],
        "scheme": [StrOptions(set(SCHEMES))],
        "n_offspring": [Interval(Integral, 1, None, closed="left"), None],
        "mutation_strength": [Interval(Real, 0, None, closed="neither"), callable],
        "adaptive_mutation": ["boolean"],
        "objectives": [list, tuple, dict, None],
        "initial_params": [list, tuple, None],
        "n_candidates": [Interval(Integral, 2, None, closed="left"), None],
        "surrogate": [StrOptions({"auto"}), None, HasMethods(["ready", "screen"])],
    }

    def __init__(
        self,
        estimator,
        param_distributions,
        *,
        scoring=None,
        cv=None,
        refit=True,
        n_jobs=None,
        pre_dispatch="2*n_jobs",
        verbose=0,
        error_score=np.nan,
        return_train_score=False,
        population_size=25,
        generations=25,
        random_state=None,
        max_time=None,
        patience=None,
        callbacks=None,
        checkpoint=None,
        selection="auto",
        crossover="uniform",
        mutation="genewise",
        crossover_proba=0.8,
        mutation_proba=0.2,
        elitism=1,
        scheme="generational",
        n_offspring=None,
        mutation_strength=0.2,
        adaptive_mutation=False,
        objectives=None,
        initial_params=None,
        n_candidates=None,
        surrogate="auto",
    ):
        super().__init__(
            estimator=estimator,
            scoring=scoring,
            n_jobs=n_jobs,
            refit=refit,
            cv=cv,
            verbose=verbose,
            pre_dispatch=pre_dispatch,
            error_score=error_score,
            return_train_score=return_train_score,
        )
        self.param_distributions = param_distributions
        self.population_size = population_size
        self.generations = generations
        self.random_state = random_state
        self.max_time = max_time
        self.patience = patience
        self.callbacks = callbacks
        self.checkpoint = checkpoint
        self.selection = selection
        self.crossover = crossover
        self.mutation = mutation
        self.crossover_proba = crossover_proba
        self.mutation_proba = mutation_proba
        self.elitism = elitism
        self.scheme = scheme
        self.n_offspring = n_offspring
        self.mutation_strength = mutation_strength
        self.adaptive_mutation = adaptive_mutation
        self.objectives = objectives
        self.initial_params = initial_params
        self.n_candidates = n_candidates
        self.surrogate = surrogate

    # -- fit ------------------------------------------------------------------

    def fit(self, X, y=None, **params):
        """Run the genetic search with all sets of parameters it proposes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
            Target; None for unsupervised learning.
        **params : dict of str -> object
            Passed to the estimator's ``fit``, the scorer and the splitter, as
            in ``GridSearchCV.fit`` (e.g. ``groups=``, ``sample_weight=``).

        Returns
        -------
        self : object
            The fitted search.
        """
        self._validate_params()
        self._check_search_parameters()
        self._fingerprint = self._make_fingerprint(X, y) if self.checkpoint else None
        self._failed_rows = []
        # the same splitter BaseSearchCV.fit builds, frozen in _run_search
        self._checked_cv = check_cv(self.cv, y, classifier=is_classifier(self.estimator))
        self._verbose_level = int(self.verbose)
        try:
            with _sklearn_verbosity(self):
                super().fit(X, y, **params)
            if len(self._rows[0]) > len(self.cv_results_["params"]):
                # the last generation(s) failed entirely after scikit-learn's
                # final batch: add their rows (at the end, so indices hold)
                self.cv_results_ = super()._format_results(
                    self._rows[0], self.n_splits_, self._rows[1], self._rows[2]
                )
            if self._objectives is not None:
                self.pareto_front_ = _pareto_front(self._fitness(self.cv_results_))
            return self
        finally:
            self._end_callbacks()
            # never keep the data, or the rows carried for checkpoints
            for name in (
                "_fingerprint", "_rows", "_resume_rows", "_failed_rows", "_checked_cv",
                "_evaluated", "_max_generations", "_active_callbacks", "_verbose_level",
            ):
                self.__dict__.pop(name, None)

    def _check_search_parameters(self):
        """Validate what ``_parameter_constraints`` cannot, before any fit."""
        self._space = SearchSpace(self.param_distributions)
        self._space.check_parameters(self.estimator)
        if self.elitism >= self._budget()[0]:
            raise ValueError(
                "`elitism` must be smaller than `population_size`, got "
                f"elitism={self.elitism!r}, population_size={self.population_size!r}."
            )
        for i, callback in enumerate(self.callbacks or ()):
            if not callable(callback):
                raise TypeError(
                    f"`callbacks` must hold callables `callback(search, record)`; "
                    f"item {i} is {type(callback).__name__} {callback!r}."
                )
        self._objectives = self._check_objectives()
        check_surrogate = getattr(self.surrogate, "check_params", None)
        if callable(check_surrogate):
            check_surrogate()
        if (
            self.scheme == "mu_comma_lambda"
            and (self.n_offspring or self.population_size) < self.population_size
        ):
            raise ValueError(
                "scheme='mu_comma_lambda' keeps survivors among the children only, so "
                "`n_offspring` must be at least `population_size`, got "
                f"n_offspring={self.n_offspring!r}, population_size={self.population_size!r}."
            )
        selection = self.selection
        if selection == "auto":
            selection = "nsga2" if len(self._objectives or ()) > 1 else "tournament"
        self._operators = {
            "selection": _resolve(
                "selection", selection, SELECTION,
                (([], 0), {"rng": None}, "select(individuals, k, *, rng)"),
            ),
            "crossover": _resolve(
                "crossover", self.crossover, CROSSOVER,
                (([], [], None), {"rng": None}, "crossover(ind1, ind2, space, *, rng)"),
            ),
            "mutation": _resolve(
                "mutation", self.mutation, MUTATION,
                (([], None), {"rng": None}, "mutation(individual, space, *, rng)"),
            ),
        }
        for name in ("crossover_proba", "mutation_proba", "mutation_strength"):
            high = math.inf if name == "mutation_strength" else 1.0
            rate_at(name, getattr(self, name), 1, high=high)  # a bad schedule fails now
        self._initial = []
        for i, params in enumerate(self.initial_params or ()):
            ind = self._space.from_params(params) if isinstance(params, dict) else None
            if ind is None:
                raise ValueError(
                    f"initial_params[{i}] must be a dict of parameters that lies in "
                    f"param_distributions (every parameter of one sub-space, each "
                    f"inside its gene), got {params!r}."
                )
            self._initial.append(ind)

    def _check_objectives(self):
        """The objectives as ``[(name, sign)]``, or None for a single metric."""
        if self.objectives is None:
            return None
        if isinstance(self.objectives, dict):
            items = list(self.objectives.items())
        else:
            items = [(name, None) for name in self.objectives]
        if not items:
            raise ValueError("`objectives` must name at least one objective, got [].")
        if callable(self.scoring):
            metrics = None  # known only once the scorer has run
        elif isinstance(self.scoring, (list, tuple, dict)):
            metrics = list(self.scoring)
        else:
            metrics = ["score"]
        out = []
        for name, direction in items:
            timing = name in ("fit_time", "score_time")
            if not isinstance(name, str) or (
                not timing and metrics is not None and name not in metrics
            ):
                raise ValueError(
                    f"`objectives` must name metrics of `scoring` ({metrics}) or "
                    f"'fit_time' / 'score_time', got {name!r}."
                )
            if direction is None:
                direction = "minimize" if timing else "maximize"
            if direction not in ("maximize", "minimize"):
                raise ValueError(
                    f"`objectives[{name!r}]` must be 'maximize' or 'minimize', "
                    f"got {direction!r}."
                )
            out.append((name, 1.0 if direction == "maximize" else -1.0))
        return out

    def _make_fingerprint(self, X, y):
        """What must match for a checkpoint to be resumed."""
        cv = self.cv if self.cv is None or isinstance(self.cv, Integral) else joblib.hash(self.cv)
        return {
            "estimator": joblib.hash(clone(self.estimator)),
            "param_distributions": repr(self._space),
            "cv": cv,
            "scoring": joblib.hash(self.scoring),
            "data": (np.shape(X), np.shape(y) if y is not None else None, joblib.hash((X, y))),
            "genetic settings": [_stable_id(getattr(self, name)) for name in (
                "population_size", "elitism", "crossover_proba", "mutation_proba",
                "selection", "crossover", "mutation", "scheme", "n_offspring",
                "mutation_strength", "adaptive_mutation", "objectives",
                "initial_params", "n_candidates", "surrogate",
            )],
            "random_state": joblib.hash(self.random_state),
        }

    # -- the search -----------------------------------------------------------

    def _run_search(self, evaluate_candidates, *, callback_ctx=None):
        """Evolve candidates, one ``evaluate_candidates`` call per generation."""
        engine = self._make_engine(check_random_state(self.random_state))
        cv = _FrozenSplits(self._checked_cv)  # the same folds in every generation
        self.history_, self.n_generations_ = [], 0
        elapsed_before, start = self._resume(engine), time.monotonic()
        search_ctx = search_context(callback_ctx, self)
        callbacks = self._verbose_callbacks() + list(self.callbacks or ())
        self._active_callbacks = []  # on_end is called by fit, after the refit
        for callback in callbacks:
            getattr(callback, "on_start", lambda search: None)(self)
            self._active_callbacks.append(callback)
        try:
            stop = self._should_stop(engine)
            while not stop:
                candidates = engine.ask()  # only individuals never scored
                scores = self._evaluate(candidates, engine.generation, evaluate_candidates,
                                        cv, search_ctx)
                record = engine.tell(scores)
                record["elapsed"] = elapsed_before + time.monotonic() - start
                self.history_.append(record)
                self.n_generations_ = len(self.history_)
                self._save_checkpoint(engine)
                stop = self._should_stop(engine)
                # every callback sees every generation, even when one asks to stop
                stop = any([bool(cb(self, dict(record))) for cb in callbacks]) or stop
            self._evaluate_once_if_resumed_finished(evaluate_candidates, cv)
        finally:
            end_context(search_ctx, self)

    def _verbose_callbacks(self):
        """What ``verbose`` shows: a progress bar from 1 (with tqdm), the
        table of generations from 2 (from 1 without tqdm)."""
        level = getattr(self, "_verbose_level", int(self.verbose))
        if level < 1:
            return []
        from .callbacks import GenerationTable, ProgressBar

        try:
            import tqdm.auto  # noqa: F401
        except ImportError:
            return [GenerationTable()]
        # the table first: its row is written before the bar moves on
        return ([GenerationTable()] if level >= 2 else []) + [ProgressBar()]

    def _end_callbacks(self):
        """Call ``on_end`` of every callback whose ``on_start`` ran, even if one fails."""
        errors = []
        for callback in self.__dict__.pop("_active_callbacks", ()):
            try:
                getattr(callback, "on_end", lambda search: None)(self)
            except Exception as exc:  # every on_end runs; the first error is raised
                errors.append(exc)
        if errors:
            raise errors[0]

    def _evaluate(self, candidates, generation, evaluate_candidates, cv, search_ctx):
        """Cross-validate one generation's new candidates; return their fitness."""
        if not candidates:  # all cached: scikit-learn refuses an empty batch
            return []
        params = [self._space.decode(ind) for ind in candidates]
        more = {"generation": [generation] * len(params)}
        ctx = generation_context(search_ctx, self, lambda: len(params) * self.n_splits_)
        try:
            results = evaluate_candidates(
                params, cv=cv, more_results=more,
                **({"callback_ctx": ctx} if ctx is not None else {}),
            )
        except ValueError as exc:
            # scikit-learn raises when every fit of a batch fails: in the first
            # batch that is a misconfigured model and the error stands; later
            # it is a generation of bad candidates, kept as failures.
            if not _all_fits_failed(exc) or not getattr(self, "_rows", None):
                raise
            return self._record_failed_generation(params, more, exc)
        finally:
            end_context(ctx, self)
        self._evaluated = True
        return self._fitness(results)[-len(params):]

    def _evaluate_once_if_resumed_finished(self, evaluate_candidates, cv):
        """A finished search resumed from its checkpoint evaluated nothing in
        this fit, but scikit-learn needs one evaluation: score the last row
        again (its stored copy is dropped, so it appears once)."""
        if getattr(self, "_evaluated", False) or not getattr(self, "_resume_rows", None):
            return
        params, out, more = self._resume_rows
        n_splits = len(out) // len(params)
        self._resume_rows = (
            params[:-1], out[:-n_splits], {k: v[:-1] for k, v in more.items()}
        )
        evaluate_candidates(params[-1:], cv=cv, more_results={k: v[-1:] for k, v in more.items()})

    def _budget(self):
        """``(population_size, generations)`` after the ``n_candidates`` rules."""
        n = self.n_candidates
        if n is None:
            return self.population_size, self.generations
        population = self.population_size
        if population == 25:  # left at its default: derived from the budget
            population = min(25, max(6, round(0.7 * math.sqrt(n)) + 1))
        generations = self.generations
        if generations == 25:  # left at its default: only a safety cap
            generations = 2 * math.ceil(n / population) + 1
        return population, generations

    def _make_engine(self, rng):
        defaults = self._space.from_params(
            self.estimator.get_params(deep=True), partial=True, rng=rng
        )
        initial = ([defaults] if defaults is not None else []) + self._initial
        surrogate = self.surrogate
        if surrogate == "auto":
            surrogate = ExtraTreesSurrogate() if self._objectives is None else None
        population_size, self._max_generations = self._budget()
        return GeneticEngine(
            self._space,
            surrogate=surrogate,
            max_evaluations=self.n_candidates,
            population_size=population_size,
            scheme=self.scheme,
            n_offspring=self.n_offspring,
            elitism=self.elitism,
            crossover_proba=self.crossover_proba,
            mutation_proba=self.mutation_proba,
            mutation_strength=self.mutation_strength,
            adaptive_mutation=self.adaptive_mutation,
            initial=initial,
            rng=rng,
            **self._operators,
        )

    def _fitness(self, results):
        """Scores of every row of ``results``: one column, or one per objective."""
        if self._objectives is None:
            return np.asarray(results[f"mean_test_{self._guiding_metric(results)}"])
        columns = []
        for name, sign in self._objectives:
            key = f"mean_{name}" if name in ("fit_time", "score_time") else f"mean_test_{name}"
            if key not in results:
                raise ValueError(
                    f"`objectives` names {name!r}, which the scorer did not return; "
                    f"it returned {sorted(k[10:] for k in results if k.startswith('mean_test_'))}."
                )
            columns.append(sign * np.asarray(results[key], dtype=float))
        return np.column_stack(columns)

    def _guiding_metric(self, results):
        """The metric whose mean test score is the fitness."""
        if "mean_test_score" in results:
            return "score"
        if isinstance(self.refit, str) and f"mean_test_{self.refit}" in results:
            return self.refit
        if isinstance(self.scoring, (list, tuple, dict)):
            return next(iter(self.scoring))
        return next(k[len("mean_test_"):] for k in results if k.startswith("mean_test_"))

    def _should_stop(self, engine):
        history = self.history_
        if engine.generation >= self._max_generations or engine.exhausted:
            return True
        if history and self.max_time is not None and history[-1]["elapsed"] >= self.max_time:
            return True
        if self.patience is not None and len(history) > self.patience:
            best = [r["best_score"] for r in history]
            recent, before = best[-1], best[-1 - self.patience]
            if not recent > before and not (np.isnan(before) and not np.isnan(recent)):
                return True
        return False

    # -- checkpoints ----------------------------------------------------------

    def _format_results(self, candidate_params, n_splits, out, more_results=None):
        # cv_results_ holds, in generation order, the rows restored from a
        # checkpoint, the rows scikit-learn evaluated in this fit, and the rows
        # of generations whose every fit failed (scikit-learn drops those).
        self._rows = _merge_rows(
            n_splits,
            getattr(self, "_resume_rows", None),
            (list(candidate_params), list(out), dict(more_results or {})),
            *getattr(self, "_failed_rows", ()),
        )
        return super()._format_results(self._rows[0], n_splits, self._rows[1], self._rows[2])

    def _record_failed_generation(self, params, more, exc):
        """Keep rows for a batch whose every fit failed; return its scores."""
        warnings.warn(
            f"Every fit of generation {more['generation'][0]} failed; its "
            f"{len(params)} candidate(s) score error_score={self.error_score!r} and "
            f"will not be fitted again. Details:\n{exc}",
            FitFailedWarning,
        )
        n_splits = len(self._rows[1]) // len(self._rows[0])
        template = self._rows[1][:n_splits]
        out = []
        for _ in params:
            for row in template:
                row = dict(row)
                for key in ("test_scores", "train_scores"):
                    if key in row:
                        old = row[key]
                        row[key] = (
                            dict.fromkeys(old, self.error_score)
                            if isinstance(old, dict) else self.error_score
                        )
                row.update(fit_error=str(exc), fit_time=np.nan, score_time=np.nan)
                out.append(row)
        self.__dict__.setdefault("_failed_rows", []).append((list(params), out, more))
        # keep _rows complete for the checkpoint even if no batch follows
        self._rows = _merge_rows(n_splits, self._rows, (list(params), out, more))
        if self._objectives is not None:
            return np.full((len(params), len(self._objectives)), np.nan)
        return [self.error_score] * len(params)

    def _resume(self, engine):
        """Restore the engine from the checkpoint, if any; return elapsed seconds."""
        self._resume_rows = None
        if not self.checkpoint or not os.path.exists(self.checkpoint):
            return 0.0
        state = _checkpoint.load(self.checkpoint)
        _checkpoint.check_fingerprint(self.checkpoint, state["fingerprint"], self._fingerprint)
        engine.set_state(state["engine"])
        self.history_ = list(state["history"])
        self.n_generations_ = len(self.history_)
        self._resume_rows = state["rows"]
        return self.history_[-1]["elapsed"] if self.history_ else 0.0

    def _save_checkpoint(self, engine):
        if not self.checkpoint:
            return
        rows = getattr(self, "_rows", None) or getattr(self, "_resume_rows", None)
        _checkpoint.save(
            self.checkpoint,
            {
                "fingerprint": self._fingerprint,
                "engine": engine.get_state(),
                "history": self.history_,
                "rows": rows,
            },
        )
