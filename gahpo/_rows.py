"""The rows behind ``cv_results_``: evaluated now, resumed, or failed whole.

scikit-learn formats ``cv_results_`` from ``(params, out, more_results)``:
one parameter dict per candidate, ``n_splits`` consecutive fit results per
candidate, and extra columns. A genetic search adds rows scikit-learn did not
evaluate in this ``fit``: those restored from a checkpoint, and those of a
generation whose every fit failed (scikit-learn raises for such a batch and
keeps nothing of it).
"""

import os
import warnings

import numpy as np

__all__ = ["SearchRows", "failed_rows", "merge_rows"]


def merge_rows(n_splits, *parts):
    """Concatenate ``(params, out, more_results)`` parts, sorted by generation.

    ``out`` holds ``n_splits`` consecutive entries per candidate; a part may
    be None. The sort is stable, so rows of one generation keep their order.
    """
    rows = []
    for part in parts:
        if not part:
            continue
        params, out, more = part
        for i, p in enumerate(params):
            rows.append(
                (
                    p,
                    out[i * n_splits : (i + 1) * n_splits],
                    {k: v[i] for k, v in more.items()},
                )
            )
    rows.sort(key=lambda row: row[2].get("generation", 0))
    keys = {k for row in rows for k in row[2]}
    return (
        [row[0] for row in rows],
        [entry for row in rows for entry in row[1]],
        {k: [row[2].get(k) for row in rows] for k in keys},
    )


def failed_rows(params, template, exc, error_score):
    """Fit results for ``params`` whose every fit failed with ``exc``.

    Shaped like ``template`` (one earlier candidate's ``n_splits`` results),
    with every score ``error_score``, no times, and the error's text.
    """
    out = []
    for _ in params:
        for row in template:
            row = dict(row)
            for key in ("test_scores", "train_scores"):
                if key in row:
                    old = row[key]
                    row[key] = (
                        dict.fromkeys(old, error_score)
                        if isinstance(old, dict)
                        else error_score
                    )
            row.update(fit_error=str(exc), fit_time=np.nan, score_time=np.nan)
            out.append(row)
    return out


class SearchRows:
    """The rows of one ``fit``'s ``cv_results_``, and the checkpoint carrying them.

    ``cv_results_`` holds, in generation order, the rows restored from a
    checkpoint, the rows scikit-learn evaluated in this fit, and the rows of
    generations whose every fit failed (scikit-learn drops those). The same
    rows go into the checkpoint after every generation, so a resumed search
    reports every candidate without fitting it again.

    Parameters
    ----------
    checkpoint : str or path-like or None
        The checkpoint file; None keeps no file.
    fingerprint : dict or None
        What identifies the search (:func:`gahpo._checkpoint.fingerprint`).
    """

    def __init__(self, checkpoint, fingerprint):
        self.checkpoint = checkpoint
        self.fingerprint = fingerprint
        self.resumed = None  # (params, out, more) restored from the checkpoint
        self.failed = []  # one (params, out, more) per generation failed whole
        self.rows = None  # everything so far, merged
        self.evaluated = False  # whether scikit-learn evaluated a batch this fit
        self.extra = {}  # more state to resume (multi-fidelity rungs)
        self.streamed = []  # one (params, out, more) per asynchronous candidate
        self.n_splits = None

    def resume(self, engine):
        """Restore ``engine`` from the checkpoint, if any; return its history."""
        from . import _checkpoint

        if not self.checkpoint or not os.path.exists(self.checkpoint):
            return []
        state = _checkpoint.load(self.checkpoint)
        _checkpoint.check_fingerprint(
            self.checkpoint, state["fingerprint"], self.fingerprint
        )
        engine.set_state(state["engine"])
        self.resumed = state["rows"]
        self.extra = dict(state.get("extra", {}))
        return list(state["history"])

    def save(self, engine, history):
        """Write the checkpoint after a generation (nothing without one)."""
        from . import _checkpoint

        if not self.checkpoint:
            return
        state = {
            "fingerprint": self.fingerprint,
            "engine": engine.get_state(),
            "history": history,
            "rows": self.current(),
            "extra": self.extra,
        }
        _checkpoint.save(self.checkpoint, state)

    def merge(self, params, n_splits, out, more):
        """All rows, with the batch scikit-learn is formatting (``params``...)."""
        self.evaluated = True
        if not self.resumed and not self.failed and not self.streamed:
            self.rows = (params, out, more)  # nothing to add: no copy
            return self.rows
        self.rows = merge_rows(
            n_splits, self.resumed, *self.streamed, (params, out, more), *self.failed
        )
        return self.rows

    def current(self):
        """Every row so far (None before any): for a checkpoint, or a template."""
        if self.rows is not None or not self.streamed:
            return self.rows or self.resumed
        return merge_rows(self.n_splits, self.resumed, *self.streamed, *self.failed)

    def add_streamed(self, params, out, more, n_splits):
        """Keep the row of a candidate fitted by the asynchronous mode."""
        self.n_splits = n_splits
        self.streamed.append(([params], out, more))

    def add_failed(self, params, more, exc, error_score):
        """Keep rows for a batch whose every fit failed with ``exc``, and say so."""
        from sklearn.exceptions import FitFailedWarning

        warnings.warn(
            f"Every fit of generation {more['generation'][0]} failed; its "
            f"{len(params)} candidate(s) score error_score={error_score!r} "
            f"and will not be fitted again. Details:\n{exc}",
            FitFailedWarning,
        )
        rows = self.current()
        n_splits = len(rows[1]) // len(rows[0])
        out = failed_rows(params, rows[1][:n_splits], exc, error_score)
        self.failed.append((list(params), out, more))
        if self.rows is not None:  # complete for the checkpoint if no batch follows
            self.rows = merge_rows(n_splits, self.rows, (list(params), out, more))

    def take_last(self):
        """Drop the last row and return ``(params, more)`` to score again.

        A finished search resumed from its checkpoint, or an asynchronous
        search whose space has no new candidate left, has nothing new to
        evaluate, but scikit-learn needs one evaluation per ``fit``.
        """
        if self.streamed:
            params, _, more = self.streamed.pop()
            return params, more
        params, out, more = self.resumed
        n_splits = len(out) // len(params)
        self.resumed = (
            params[:-1],
            out[:-n_splits],
            {k: v[:-1] for k, v in more.items()},
        )
        return params[-1:], {k: v[-1:] for k, v in more.items()}
