"""The one module that imports private scikit-learn names.

gahpo builds on ``BaseSearchCV._run_search(evaluate_candidates)``, the hook
scikit-learn's own ``HalvingRandomSearchCV`` uses. Everything private that
gahpo touches is imported here, so a scikit-learn upgrade breaks (if ever) in
one place, and CI tests the oldest and newest supported versions.
"""

from sklearn.model_selection._search import BaseSearchCV
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

__all__ = [
    "BaseSearchCV",
    "HasMethods",
    "Interval",
    "StrOptions",
    "search_context",
    "generation_context",
    "end_context",
]


def search_context(callback_ctx, estimator):
    """Open the "search" task of scikit-learn's callback API (1.9+), if any."""
    if callback_ctx is None:
        return None
    return callback_ctx.subcontext(task_name="search", max_subtasks=None).call_on_fit_task_begin(
        estimator=estimator
    )


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
