"""GeneticSearchCV: genetic hyper-parameter search on scikit-learn's BaseSearchCV."""

import time

import numpy as np
from sklearn.utils import check_random_state

from . import _checkpoint
from ._asynchronous import SteadyRun
from ._compat import SearchCV, end_context, search_context, set_during_fit
from ._evaluation import Evaluator
from ._objectives import objective_columns, pareto_front
from ._rows import SearchRows
from ._steady import SteadyStateEngine
from ._stop_rules import should_stop, time_left
from ._timeout import time_limited_fits
from ._validation import (
    PARAMETER_CONSTRAINTS,
    check_folds,
    check_search,
    make_engine,
    size_to_workers,
)
from .callbacks._runner import CallbackRunner

__all__ = ["GeneticSearchCV"]


#: Kept while a fit runs only; never pickled (scikit-learn 1.9 sends it to fits)
_FIT_STATE = (
    "_search_rows",
    "_settings",
    "_cv",
    "_fit_limit",
    "_callbacks",
    "_ladder",
    "_finals",
    "_n_folds",
)


class GeneticSearchCV(SearchCV):
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
        As in ``GridSearchCV``, in every form it takes (an int, a splitter,
        a group splitter with ``groups=``, a list of ``(train, test)`` pairs,
        or a one-shot generator of them). The folds are computed once per
        ``fit`` and reused in every generation, so all candidates are
        compared on the same folds, even with a shuffling splitter.
    refit : bool, str or callable, default=True
        As in ``GridSearchCV``.
    n_jobs : int, default=None
        Fits run in parallel. ``-1`` uses all processors. In the generational
        scheme the candidates proposed do not depend on ``n_jobs``; the
        asynchronous one (``scheme``) depends on the order fits finish in.
    pre_dispatch : int or str, default="2*n_jobs"
        As in ``GridSearchCV``; at the default, a generation's fits are all
        dispatched when it starts (the asynchronous scheme keeps the bound).
    verbose : int, default=0
        ``1``: a progress bar over generations (tqdm, ``pip install
        "sklearn-gahpo[progress]"``), or without tqdm the table of ``2``;
        ``2``: also a table of generations on stdout
        (:class:`~gahpo.callbacks.GenerationTable`); ``>= 3``: also
        scikit-learn's messages at its level ``verbose - 2``.
    error_score : "raise" or float, default=np.nan
        Score of a failing fit, as in ``GridSearchCV``. Failing candidates
        rank last and are never fitted again.
    return_train_score : bool, default=False
        As in ``GridSearchCV``.
    n_iter : int, default=None
        Budget of distinct candidates to fit, as ``RandomizedSearchCV``'s
        ``n_iter``: the search never fits more, and ends when it is spent.
        None: the study's 25 generations of 25 (up to 601 candidates).
    population_size : int, default=None
        Candidates per generation. None derives it: 25 (the study's) without
        ``n_iter``, else ``max(6, round(0.7 * sqrt(n_iter)) + 1)`` (6 for
        30 and 60 candidates, 9 for 120, 71 for 10,000), twice that (at most
        25, never less) with multi-fidelity; from 8 workers (generational
        scheme), rounded up so that a generation's fits fill every worker.
    generations : int, default=None
        Maximum number of generations, the first (space-filling) one
        included. None derives it: 25 without ``n_iter``, else a safety cap
        of ``2 * ceil(n_iter / population_size) + 1`` (the budget ends the
        search). At most ``population_size * generations`` candidates are
        fitted, usually fewer. Values you set are kept: an explicit
        ``generations`` can end the search before the budget is spent.
    random_state : int, RandomState instance or None, default=None
        Seeds every random choice of the search (not the estimator's own).
    max_time : float, default=None
        Wall-clock budget in seconds: the search stops after the generation
        that crosses it, cut to what the time left is predicted to hold (at
        least one round of fits); the surrogate weighs children's fit times.
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
        :class:`~gahpo.CheckpointError` (a ``ValueError``) says what differs.
        The file carries a checksum: a file changed in any way is refused,
        never resumed. It is a pickle, and loading a pickle runs code: resume
        only checkpoints you wrote yourself.
    fit_timeout : float, default=None
        Seconds one fit (one candidate on one fold) may run. A fit still
        running then is stopped by ending the process that runs it: it fails
        (``error_score``, a ``FitFailedWarning`` naming the limit and the
        candidate), ranks last and is never fitted again. Each fit then runs
        in a child process of its worker (a small cost per fit, measured in
        the user guide's page on parallelism). The refit is not limited.
    selection : {"auto", "tournament", "best", "roulette", "nsga2"} or callable, \
            default="auto"
        How parents (generational scheme) or survivors ((mu, lambda)
        schemes) are chosen, ``select(individuals, k, *, rng)``: tournament
        of 3, truncation to the best ("keep the N best", the study's rule),
        fitness-proportional, or NSGA-II. ``"auto"`` is ``"tournament"``
        with one objective, ``"nsga2"`` with several. A part carries its
        settings: ``Tournament(size=5)``. See :mod:`gahpo.operators`.
    crossover : {"uniform", "one_point", "two_point", "blend"} or callable, \
            default="uniform"
        ``crossover(ind1, ind2, space, *, rng)``; ``"blend"`` is BLX-alpha on
        numeric genes.
    mutation : "genewise" or callable, default="genewise"
        ``mutation(individual, space, *, rng)``. ``"genewise"`` is
        :class:`~gahpo.operators.GeneWise`, which carries the mutation's
        ``strength`` (a number or a schedule, default 0.2) and ``adaptive``
        (raise probability and strength when children duplicate scored
        candidates): ``mutation=GeneWise(strength=0.3, adaptive=True)``.
    crossover_proba : float or callable, default=0.8
        Probability that a pair of parents is recombined; a number or a
        schedule of the generation (:mod:`gahpo.schedules`).
    mutation_proba : float or callable, default=0.2
        Probability that a child is mutated; a number or a schedule. Children
        identical to a scored candidate are always mutated until new.
    elitism : int, default=1
        Best candidates kept unchanged in the next generation (generational).
    scheme : {"auto", "generational", "mu_plus_lambda", "mu_comma_lambda", \
            "steady_state"} or object, default="auto"
        How generations follow each other (:mod:`gahpo.schemes`): the
        study's loop with elitism; DEAP's (mu + lambda) and (mu, lambda),
        where ``selection`` picks ``population_size`` survivors among parents
        and children, or children only (``MuPlusLambda(n_offspring=50)``);
        or the asynchronous steady state, which dispatches each fit as a
        worker frees, with no generation barrier (:class:`~gahpo.schemes.SteadyState`).
        ``"auto"``: ``"steady_state"`` from 8 joblib workers, else
        ``"generational"``, whose candidates do not depend on ``n_jobs``.
    objectives : list of str or dict, default=None
        Several objectives for a multi-objective search (NSGA-II): metric
        names of ``scoring`` (maximized; ``"score"`` for a single metric) and
        ``"fit_time"`` / ``"score_time"`` (minimized), or a dict of names to
        ``"maximize"`` / ``"minimize"``. The non-dominated candidates are in
        ``pareto_front_``; ``refit`` still chooses one model. None: the
        ``refit`` metric (or the first metric) guides the search.
    initial_params : list of dict, default=None
        Known good configurations placed in the first population (warm
        start), after the estimator's defaults; each must lie in the space.
    surrogate : "auto", None or object, default="auto"
        Offspring screening: breed more children than are fitted and keep
        the most promising by a model of the score. ``"auto"`` is
        :class:`~gahpo.surrogate.ExtraTreesSurrogate` for a single objective
        and none for several; None runs the plain genetic algorithm; any
        :class:`~gahpo.surrogate.Screen` replaces it.
    resource : str, default="n_samples"
        Multi-fidelity: what a rung gives a fit, as in
        ``HalvingRandomSearchCV``: training samples, or the name of an
        estimator parameter (``"max_iter"``, ``"clf__n_estimators"``).
    min_resources : int, "smallest" or None, default=None
        Multi-fidelity, off with None: a generation's new candidates are
        scored with ``min_resources``, and those in the best ``1 / factor``
        of every score at that rung go up to ``factor`` times more, up to
        ``max_resources``. ``cv_results_`` then has a row per candidate and
        resource (``n_resources``); the best is chosen at ``max_resources``.
    max_resources : int or "auto", default="auto"
        The full resource (``"auto"``: the number of samples); a rung of
        ``r`` samples trains on ``r / n_samples`` of each training fold.
    factor : float, default=3
        Growth of the resource from rung to rung (> 1).
    finalists : int, default=None
        Guard against the winner's curse (the best of many noisy CV scores is
        partly luck): when the search ends, the ``finalists`` best candidates
        are cross-validated again on new folds (the splitter run on the
        samples shuffled), in rows with ``finalist=True``, and the best is
        chosen among those rows only: ``best_score_`` is then a fresh score.
        None (the default) keeps ``GridSearchCV``'s rule.

    Attributes
    ----------
    cv_results_ : dict of numpy (masked) ndarrays
        As in ``GridSearchCV``, one row per distinct candidate, plus a
        ``generation`` column: the generation in which the candidate was
        first evaluated (asynchronous scheme: the batch it was bred in).
    best_estimator_, best_score_, best_params_, best_index_ : \
            estimator, float, dict, int
        As in ``GridSearchCV``: the best candidate (among all generations),
        its mean cross-validated score, parameters and row of
        ``cv_results_``, and its refit on the whole data (with ``refit``).
    scorer_, n_splits_, refit_time_, multimetric_ : \
            callable or dict, int, float, bool
        As in ``GridSearchCV``.
    classes_, n_features_in_, feature_names_in_ : ndarray, int, ndarray
        As in ``GridSearchCV`` (with ``refit``).
    history_ : list of dict
        One record per generation: ``generation``, ``best_score`` (best so
        far), ``mean_score`` and ``std_score`` (of the generation's
        population, failures excluded), ``n_evaluated`` (new candidates
        fitted), ``n_cached`` (candidates whose score was reused) and
        ``elapsed`` (seconds since ``fit`` began). Asynchronous scheme: one
        per ``population_size`` candidates scored, with ``n_in_flight``.
    n_generations_ : int
        Generations actually run.
    min_resources_, max_resources_, n_resources_ : int, int, list of int
        As in ``HalvingRandomSearchCV``: the first, last and every rung's resource.
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
    space: then the search never ends worse than the untuned model (as scored
    by cross-validation).

    Examples
    --------
    >>> from scipy.stats import loguniform
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.svm import SVC
    >>> from gahpo import GeneticSearchCV
    >>> X, y = load_iris(return_X_y=True)
    >>> search = GeneticSearchCV(
    ...     SVC(), {"C": loguniform(1e-2, 1e2), "kernel": ["rbf", "linear"]},
    ...     n_iter=18, random_state=0,
    ... ).fit(X, y)
    >>> len(search.cv_results_["params"])
    18
    >>> sorted(search.best_params_)
    ['C', 'kernel']
    >>> bool(search.best_score_ > 0.9)
    True
    """

    _parameter_constraints: dict = PARAMETER_CONSTRAINTS

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
        n_iter=None,
        population_size=None,
        generations=None,
        random_state=None,
        max_time=None,
        patience=None,
        callbacks=None,
        checkpoint=None,
        fit_timeout=None,
        selection="auto",
        crossover="uniform",
        mutation="genewise",
        crossover_proba=0.8,
        mutation_proba=0.2,
        elitism=1,
        scheme="auto",
        objectives=None,
        initial_params=None,
        surrogate="auto",
        resource="n_samples",
        min_resources=None,
        max_resources="auto",
        factor=3,
        finalists=None,
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
        self.n_iter = n_iter
        self.population_size = population_size
        self.generations = generations
        self.random_state = random_state
        self.max_time = max_time
        self.patience = patience
        self.callbacks = callbacks
        self.checkpoint = checkpoint
        self.fit_timeout = fit_timeout
        self.selection = selection
        self.crossover = crossover
        self.mutation = mutation
        self.crossover_proba = crossover_proba
        self.mutation_proba = mutation_proba
        self.elitism = elitism
        self.scheme = scheme
        self.objectives = objectives
        self.initial_params = initial_params
        self.surrogate = surrogate
        self.resource = resource
        self.min_resources = min_resources
        self.max_resources = max_resources
        self.factor = factor
        self.finalists = finalists

    def fit(self, X, y=None, **params):
        """Run the genetic search with all sets of parameters it proposes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs), \
                default=None
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
        self._settings = settings = check_search(self)
        self._space, self._objectives = settings["space"], settings["objectives"]
        cv, self._cv, self._n_folds, self._ladder, self._finals = check_folds(
            self, X, y, params
        )
        self._settings = settings = size_to_workers(self, settings, self._n_folds)
        fingerprint = None
        if self.checkpoint:
            fingerprint = _checkpoint.fingerprint(self, self._space, X, y)
        self._search_rows = SearchRows(self.checkpoint, fingerprint)
        self._callbacks = CallbackRunner(self.callbacks, self.verbose)
        try:
            # levels 1-2 of verbose are gahpo's; scikit-learn's own start at 3
            verbose = max(int(self.verbose) - 2, 0)
            with (
                set_during_fit(self, cv=cv, verbose=verbose, **settings["during_fit"]),
                time_limited_fits(self, self.fit_timeout) as self._fit_limit,
            ):
                super().fit(X, y, **params)
            rows = self._search_rows.rows
            if len(rows[0]) > len(self.cv_results_["params"]):
                # the last generation(s) failed entirely after scikit-learn's
                # final batch: add their rows (at the end, so indices hold)
                self.cv_results_ = self._format_rows(
                    rows[0], self.n_splits_, rows[1], rows[2]
                )
            if self._objectives is not None:
                self.pareto_front_ = pareto_front(
                    objective_columns(self.cv_results_, self._objectives)
                )
            return self
        finally:
            callbacks = self._callbacks
            # never keep the data, or the rows carried for checkpoints
            for name in _FIT_STATE:
                self.__dict__.pop(name, None)
            callbacks.end(self)  # after the refit: best_params_ are known

    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: never the live __dict__
        for name in _FIT_STATE:
            state.pop(name, None)
        return state

    # -- the search -----------------------------------------------------------

    def _run_search(self, evaluate_candidates, *, callback_ctx=None):
        """Evolve candidates, one ``evaluate_candidates`` call per generation."""
        engine = make_engine(
            self, self._settings, check_random_state(self.random_state)
        )
        self.history_ = self._search_rows.resume(engine)
        if self._ladder is not None:  # scores seen at each rung, for promotion
            self._search_rows.extra.setdefault(
                "rungs", [[] for _ in self._ladder.rungs]
            )
            rungs = self.n_resources_ = list(self._ladder.rungs)  # as halving's
            self.min_resources_, self.max_resources_ = rungs[0], rungs[-1]
        self.n_generations_ = len(self.history_)
        elapsed_before = self.history_[-1]["elapsed"] if self.history_ else 0.0
        start = time.monotonic()
        search_ctx = search_context(callback_ctx, self)
        evaluator = Evaluator(self, evaluate_candidates, search_ctx)
        self._callbacks.start(self)
        try:
            stop = isinstance(engine, SteadyStateEngine)  # no generation barrier
            if stop:
                clock = lambda: elapsed_before + time.monotonic() - start  # noqa: E731
                SteadyRun(self, engine, evaluator, evaluate_candidates, clock).run()
            stop = stop or self._should_stop(engine)
            while not stop:
                clock = elapsed_before + time.monotonic() - start
                engine.time_left, max_new = time_left(self, clock)
                candidates = engine.ask(max_new)  # only individuals never scored
                scores, fidelity, cost = evaluator.generation(engine, candidates)
                record = engine.tell(scores, fidelity=fidelity, cost=cost)
                record["elapsed"] = elapsed_before + time.monotonic() - start
                self.history_.append(record)
                self.n_generations_ = len(self.history_)
                self._search_rows.save(engine, self.history_)
                stop = self._should_stop(engine)
                stop = self._callbacks(self, record) or stop
            if not self._search_rows.evaluated and self._search_rows.resumed:
                # a finished search resumed: scikit-learn needs one evaluation
                evaluator.again(*self._search_rows.take_last())
            evaluator.finalists(engine)
            evaluator.finish()
        finally:
            end_context(search_ctx, self)
            self._fit_limit.lift()  # the refit is not limited

    def _should_stop(self, engine):
        if engine.generation >= self._settings["generations"] or engine.exhausted:
            return True
        return should_stop(self.history_, self.max_time, self.patience)

    # -- rows of cv_results_ ---------------------------------------------------

    def _best_rows(self, results):
        # the finalists' rows; with multi-fidelity, those at the full resource
        rows = np.flatnonzero(results.get("finalist", []))
        if rows.size or self._ladder is None:
            return rows if rows.size else None
        n_resources = np.asarray(results["n_resources"])
        return np.flatnonzero(n_resources == self._ladder.max_resources)

    def _rows_to_format(self, params, n_splits, out, more_results):
        return self._search_rows.merge(params, n_splits, out, more_results)
