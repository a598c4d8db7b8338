"""The stop rules, in one place: pure functions over the history of a search.

The search's ``patience`` and ``max_time`` parameters and the
:class:`~gahpo.callbacks.EarlyStopping` and :class:`~gahpo.callbacks.TimeBudget`
callbacks all decide with these functions, so they stop at the same
generation on the same run.
"""

import math

from joblib import effective_n_jobs

__all__ = [
    "last_generation_size",
    "no_improvement",
    "out_of_time",
    "should_stop",
    "stall",
    "time_left",
]


def stall(best_scores, tolerance=0.0):
    """The best score at the last improvement and the generations since.

    Walks ``best_scores`` (the ``best_score`` of each ``history_`` record, in
    order) keeping a reference: the first valid score, then each score that
    beats the reference by more than ``tolerance``. NaN (every candidate of
    the search so far failed) is never an improvement, and generations
    before the first valid score are not counted: a search has nothing to
    stall on until it has a score.

    Parameters
    ----------
    best_scores : sequence of float
        Best score of each generation so far, NaN where none was valid.
    tolerance : float, default=0.0
        Smallest gain over the reference that counts as an improvement.

    Returns
    -------
    reference : float or None
        Best score at the last improvement; None while no score is valid.
    wait : int
        Generations since the last improvement (0 while no score is valid).

    Examples
    --------
    >>> stall([0.5, 0.504, 0.508, 0.512, 0.513], tolerance=0.01)
    (0.512, 1)
    >>> stall([float("nan"), float("nan")])
    (None, 0)
    """
    reference, wait = None, 0
    for score in best_scores:
        score = float(score)
        if math.isnan(score):
            improves = False
        else:
            improves = reference is None or score > reference + tolerance
        if improves:
            reference, wait = score, 0
        elif reference is not None:
            wait += 1
    return reference, wait


def no_improvement(best_scores, patience, tolerance=0.0):
    """Whether the best score has stalled for ``patience`` generations.

    True when the best score has not improved by more than ``tolerance``
    over the best score at its last improvement in the last ``patience``
    generations (see :func:`stall`). With a best-so-far history and
    ``tolerance=0`` that is: more than ``patience`` generations, and the
    last best score not greater than the one ``patience`` generations
    before.

    NaN scores (generations whose every candidate failed) are never an
    improvement, and the generations before the first valid score do not
    count: a search whose every candidate has failed so far is never
    stopped by this rule (the generation cap still applies).

    Parameters
    ----------
    best_scores : sequence of float
        The ``best_score`` of every ``history_`` record, in order.
    patience : int or None
        Generations without improvement that stop the search; None never
        stops.
    tolerance : float, default=0.0
        Smallest gain that counts as an improvement.

    Returns
    -------
    bool

    Examples
    --------
    >>> no_improvement([0.5, 0.6, 0.6], patience=1)
    True
    >>> no_improvement([0.5, 0.6, 0.6], patience=2)
    False
    >>> no_improvement([float("nan"), float("nan"), 0.5], patience=1)
    False
    """
    if patience is None:
        return False
    return stall(best_scores, tolerance)[1] >= patience


def out_of_time(elapsed, seconds):
    """Whether ``elapsed`` seconds have used up a budget of ``seconds``.

    A generation is never interrupted: the search asks after each one. It
    shrinks a generation that would not fit in the time left
    (:func:`time_left`), so the overrun is about one round of
    fits rather than one generation.

    Parameters
    ----------
    elapsed : float
        Seconds since ``fit`` began (the ``elapsed`` entry of the last
        ``history_`` record); NaN is never out of time.
    seconds : float or None
        The budget; None never runs out.

    Returns
    -------
    bool

    Examples
    --------
    >>> out_of_time(3.0, 3), out_of_time(2.9, 3), out_of_time(5.0, None)
    (True, False, False)
    """
    return seconds is not None and elapsed >= seconds


def last_generation_size(time_left, history, min_size, recent=3):
    """How many new candidates fit in ``time_left`` seconds; None for no limit.

    The pace is the wall seconds per new candidate of the ``recent`` last
    generations that evaluated any (their ``elapsed`` and ``n_evaluated``
    records); the size is ``time_left`` over that pace, at least
    ``min_size`` (one round of fits on the workers). None while there is no
    time limit or no pace yet.

    Examples
    --------
    >>> history = [{"elapsed": 10.0, "n_evaluated": 10}]
    >>> last_generation_size(4.0, history, 2), last_generation_size(0.5, history, 2)
    (4, 2)
    >>> last_generation_size(None, history, 2) is None
    True
    """
    if time_left is None:
        return None
    paces, before = [], 0.0
    for record in history:
        if record["n_evaluated"]:
            paces.append((record["elapsed"] - before) / record["n_evaluated"])
        before = record["elapsed"]
    paces = [p for p in paces[-recent:] if p > 0]
    if not paces:
        return None
    pace = sum(paces) / len(paces)
    return max(int(min_size), int(time_left / pace))


def time_left(search, elapsed):
    """``(seconds left, most new candidates that fit)``, None without ``max_time``.

    The next generation of ``search`` is held to what the time left is
    predicted to hold (:func:`last_generation_size` over its ``history_``),
    and to at least one round of fits on its ``n_jobs`` workers
    (``ceil(workers / folds)`` candidates).
    """
    if search.max_time is None:
        return None, None
    seconds = search.max_time - elapsed
    one_round = -(-effective_n_jobs(search.n_jobs) // search._n_folds)
    return seconds, last_generation_size(seconds, search.history_, one_round)


def should_stop(history, max_time, patience):
    """Whether a search's ``history_`` says stop: out of time, or no progress.

    The rules of the ``max_time`` and ``patience`` parameters, after a
    generation (or, asynchronously, a record) is closed.
    """
    return bool(history) and (
        out_of_time(history[-1]["elapsed"], max_time)
        or no_improvement([r["best_score"] for r in history], patience)
    )
