"""The one module that imports private scikit-learn names.

gahpo builds on ``BaseSearchCV._run_search(evaluate_candidates)``, the hook
scikit-learn's own ``HalvingRandomSearchCV`` uses. Everything private that
gahpo touches is imported here, so a scikit-learn upgrade breaks (if ever) in
one place, and CI tests the oldest and newest supported versions.
"""

import contextlib
import types

import numpy as np
from sklearn.model_selection._search import BaseSearchCV
from sklearn.model_selection._validation import (
    _fit_and_score,
    _insert_error_scores,
    _warn_or_raise_about_fit_failures,
)
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import _num_samples as num_samples

__all__ = [
    "BaseSearchCV",
    "FrozenSplits",
    "HasMethods",
    "Interval",
    "SearchCV",
    "StrOptions",
    "all_fits_failed",
    "can_format_in_full",
    "end_context",
    "fit_fold",
    "fit_job",
    "fit_failures",
    "format_in_full",
    "generation_context",
    "in_finishing_order",
    "num_samples",
    "search_context",
    "set_during_fit",
]


def all_fits_failed(exc):
    """Whether ``exc`` is scikit-learn's "All the N fits failed." error.

    ``evaluate_candidates`` raises it (a ``ValueError``) when every fit of a
    batch failed; scikit-learn has no exception class for it, only the text.
    """
    text = str(exc).lstrip()
    return (
        isinstance(exc, ValueError)
        and text.startswith("All the")
        and ("fits failed" in text)
    )


class FrozenSplits:
    """A CV splitter whose every ``split`` gives the first call's folds.

    Made from what ``check_cv`` returns, so a one-shot generator of folds is
    read once and then served to scikit-learn and every generation.
    """

    def __init__(self, cv):
        self.cv = cv
        self._splits = None

    def split(self, X, y=None, groups=None, **params):
        if self._splits is None:
            self._splits = list(self.cv.split(X, y, groups, **params))
        return iter(self._splits)

    def get_n_splits(self, X=None, y=None, groups=None, **params):
        if self._splits is not None:
            return len(self._splits)
        return self.cv.get_n_splits(X, y, groups, **params)


@contextlib.contextmanager
def set_during_fit(search, **values):
    """Set attributes of ``search`` during ``BaseSearchCV.fit``, then restore them.

    scikit-learn's ``fit`` reads ``verbose`` and ``cv`` from the search itself
    (and ``check_cv`` returns a splitter object unchanged); the user's values
    are back when ``fit`` returns or raises.
    """
    saved = {name: getattr(search, name) for name in values}
    for name, value in values.items():
        setattr(search, name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(search, name, value)


class SearchCV(BaseSearchCV):
    """``BaseSearchCV`` with the private hooks gahpo needs, named here only.

    scikit-learn builds ``cv_results_`` in ``_format_results`` from the rows
    it evaluated in this ``fit``. A subclass gives the rows to format through
    :meth:`_rows_to_format` (gahpo adds rows resumed from a checkpoint and
    rows of generations whose every fit failed), and formats rows of its own
    with :meth:`_format_rows`. It restricts the rows the best is chosen from
    with :meth:`_best_rows` (with multi-fidelity: those at the full resource),
    as ``HalvingRandomSearchCV`` does in ``_select_best_index``.
    """

    def _best_rows(self, results):
        """Indices of the rows the best may be chosen from; None for all."""
        return None

    def _select_best_index(self, refit, refit_metric, results):
        rows = None if callable(refit) else self._best_rows(results)
        if rows is None or not len(rows):
            return BaseSearchCV._select_best_index(refit, refit_metric, results)
        ranks = np.asarray(results[f"rank_test_{refit_metric}"])[rows]
        return int(rows[np.argmin(ranks)])

    def _rows_to_format(self, params, n_splits, out, more_results):
        """``(params, out, more_results)`` to format; by default the given ones."""
        return params, out, more_results

    def _format_rows(self, params, n_splits, out, more_results):
        """``cv_results_`` of the given rows, as scikit-learn formats them."""
        return BaseSearchCV._format_results(self, params, n_splits, out, more_results)

    #: Format only the last ``_format_tail`` rows (None: all). scikit-learn
    #: formats every row after every batch, which makes a long search's
    #: formatting quadratic; gahpo reads only the batch's own rows, and
    #: :func:`format_in_full` formats the whole once, at the end.
    _format_tail = None

    def _format_results(self, candidate_params, n_splits, out, more_results=None):
        params, out, more = self._rows_to_format(
            list(candidate_params), n_splits, list(out), dict(more_results or {})
        )
        if tail := self._format_tail:  # the batch is last (highest generation)
            params, out = params[-tail:], out[-tail * n_splits :]
            more = {key: value[-tail:] for key, value in more.items()}
        return self._format_rows(params, n_splits, out, more)


def search_context(callback_ctx, estimator):
    """Open the "search" task of scikit-learn's callback API (1.9+), if any.

    Only when the search has scikit-learn callbacks (``set_callbacks``): the
    task tree holds a node per fit and goes to every fit with the search
    (scikit-learn passes it as ``caller``), so a long search without
    callbacks would pickle a larger tree for every fit.
    """
    if callback_ctx is None or not getattr(estimator, "_skl_callbacks", None):
        return None
    ctx = callback_ctx.subcontext(task_name="search", max_subtasks=None)
    return ctx.call_on_fit_task_begin(estimator=estimator)


def generation_context(search_ctx, estimator, n_fits):
    """Open one generation's task, whose subtasks are its ``n_fits()`` fits."""
    if search_ctx is None:
        return None
    return search_ctx.subcontext(
        task_name="generation", max_subtasks=n_fits(), sequential_subtasks=False
    ).call_on_fit_task_begin(estimator=estimator)


def end_context(ctx, estimator):
    """Close a task opened by :func:`search_context` or :func:`generation_context`."""
    if ctx is not None:
        ctx.call_on_fit_task_end(estimator=estimator)


def fit_job(evaluate_candidates):
    """What ``evaluate_candidates`` fits with, for fits dispatched one by one.

    The asynchronous mode runs scikit-learn's own ``_fit_and_score`` on each
    (candidate, fold) as a worker frees, with exactly the estimator, data,
    routed metadata and keyword arguments of ``BaseSearchCV.fit``: those are
    the variables of the ``evaluate_candidates`` closure (the same names in
    every supported version), read here and nowhere else.

    Returns
    -------
    SimpleNamespace
        ``parallel`` (the fit's ``Parallel``, whose backend ``fit`` keeps
        open), ``base_estimator``, ``X``, ``y``, ``split_params`` (the
        splitter's metadata) and ``kwargs`` (of ``_fit_and_score``).
    """
    cells = _closure(evaluate_candidates)
    try:
        routed = cells["routed_params"]
        return types.SimpleNamespace(
            parallel=cells["parallel"],
            base_estimator=cells["base_estimator"],
            X=cells["X"],
            y=cells["y"],
            split_params=dict(routed.splitter.split),
            kwargs=dict(cells["fit_and_score_kwargs"]),
        )
    except (KeyError, AttributeError) as exc:  # pragma: no cover - new sklearn
        raise RuntimeError(
            "This scikit-learn version changed BaseSearchCV.fit in a way the "
            "asynchronous mode does not know; use scheme='generational'."
        ) from exc


#: The variables of ``BaseSearchCV.fit`` that :func:`format_in_full` uses.
_ROWS = ("results", "all_candidate_params", "all_out", "all_more_results")


def can_format_in_full(evaluate_candidates):
    """Whether :func:`format_in_full` can reach ``fit``'s rows and results."""
    return all(name in _cells(evaluate_candidates) for name in _ROWS)


def format_in_full(evaluate_candidates, search):
    """Format every row into the ``cv_results_`` that ``fit`` goes on with.

    After batches that formatted only their own rows (``_format_tail``),
    ``fit``'s ``results`` (a variable of the ``evaluate_candidates``
    closure, set by each batch) is replaced by the whole, formatted as
    scikit-learn would have after the last batch.
    """
    cells = _cells(evaluate_candidates)
    params, out, more = (cells[name].cell_contents for name in _ROWS[1:])
    n_splits = len(out) // len(params)
    cells["results"].cell_contents = search._format_results(params, n_splits, out, more)


def _closure(func):
    """The closure variables of scikit-learn's ``evaluate_candidates``."""
    return {name: cell.cell_contents for name, cell in _cells(func).items()}


def _cells(func, depth=3):
    """The closure cells of scikit-learn's ``evaluate_candidates``, by name.

    Follows a wrapper (a function that closes over, or ``__wrapped__``, the
    real one), as a subclass that times or logs the batches may add.
    """
    func = getattr(func, "__wrapped__", func)
    code, closure = getattr(func, "__code__", None), getattr(func, "__closure__", None)
    if code is None or not closure:
        return {}
    cells = dict(zip(code.co_freevars, closure))
    if "fit_and_score_kwargs" in cells or depth == 0:
        return cells
    for cell in cells.values():
        value = cell.cell_contents
        if callable(value) and (inner := _cells(value, depth - 1)):
            if "fit_and_score_kwargs" in inner:
                return inner
    return cells


#: What :func:`in_finishing_order` switches on scikit-learn's ``Parallel``.
_RETURN_MODE = {
    "return_as": "generator_unordered",
    "return_generator": True,
    "return_ordered": False,
    "batch_size": 1,
}


@contextlib.contextmanager
def in_finishing_order(parallel):
    """The fit's own ``Parallel``, returning each result as it finishes.

    ``BaseSearchCV.fit`` keeps one ``Parallel`` (scikit-learn's, which
    carries the configuration and warning filters to the workers) open for
    the whole search. A second ``Parallel`` would share its backend inside a
    ``joblib.parallel_backend`` context and shut it down when done, so the
    asynchronous mode uses the same one, switched for the duration to
    return results as they finish (``return_as="generator_unordered"``,
    joblib >= 1.4), one fit per task; its settings are restored after.
    """
    if not all(hasattr(parallel, name) for name in _RETURN_MODE):
        raise RuntimeError(  # pragma: no cover - a joblib without them
            "This joblib's Parallel cannot return results as they finish; "
            "upgrade joblib (>= 1.4) or use scheme='generational'."
        )
    saved = {name: getattr(parallel, name) for name in _RETURN_MODE}
    for name, value in _RETURN_MODE.items():
        setattr(parallel, name, value)
    try:
        yield parallel
    finally:
        for name, value in saved.items():
            setattr(parallel, name, value)


def fit_fold(tag, estimator, X, y, train, test, parameters, progress, kwargs):
    """One fit of the asynchronous mode: ``(tag, _fit_and_score(...))``."""
    split_progress, candidate_progress = progress
    return tag, _fit_and_score(
        estimator,
        X,
        y,
        train=train,
        test=test,
        parameters=parameters,
        split_progress=split_progress,
        candidate_progress=candidate_progress,
        **kwargs,
    )


def fit_failures(out, error_score, scoring):
    """Warn about failed fits (raise if all failed), as ``evaluate_candidates`` does.

    For a callable ``scoring``, the failed fits' scores then take the shape
    of the others (a dict of metrics or a number).
    """
    _warn_or_raise_about_fit_failures(out, error_score)
    if callable(scoring):
        _insert_error_scores(out, error_score)
