"""Callbacks that show the search as it runs: a progress bar and a table."""

import math
import sys

__all__ = ["GenerationTable", "ProgressBar"]


class ProgressBar:
    """A progress bar over generations, with the best score so far.

    Uses ``tqdm.auto``: the notebook widget in Jupyter, a text bar in a
    terminal. The bar counts generations up to ``search.generations`` (or
    the cap that ``n_iter`` sets) and shows the best score, the
    candidates fitted (``evaluated``) and the scores reused from the cache
    (``cached``) since ``fit`` began. It closes when the search ends, early
    or not.

    tqdm is an optional dependency, imported when the search starts:
    ``pip install "sklearn-gahpo[progress]"``.

    Parameters
    ----------
    **tqdm_kwargs : dict
        Passed to ``tqdm`` (e.g. ``file=``, ``desc=``, ``leave=``,
        ``disable=``); they override the defaults ``total=search.generations``,
        ``desc="GeneticSearchCV"`` and ``unit="gen"``.

    Examples
    --------
    >>> import io
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from gahpo import GeneticSearchCV
    >>> from gahpo.callbacks import ProgressBar
    >>> X, y = load_iris(return_X_y=True)
    >>> out = io.StringIO()
    >>> search = GeneticSearchCV(
    ...     DecisionTreeClassifier(random_state=0), {"max_depth": [1, 2, 3, 4]},
    ...     population_size=4, generations=2, random_state=0,
    ...     callbacks=[ProgressBar(file=out)],
    ... ).fit(X, y)
    >>> "2/2" in out.getvalue()
    True
    """

    def __init__(self, **tqdm_kwargs):
        self.tqdm_kwargs = tqdm_kwargs
        self._bar = None
        self._evaluated = self._cached = 0

    def on_start(self, search):
        """Open the bar; a resumed search starts at the generations already run."""
        self._close()
        history = getattr(search, "history_", None) or []
        self._evaluated = sum(int(r.get("n_evaluated", 0)) for r in history)
        self._cached = sum(int(r.get("n_cached", 0)) for r in history)
        self._bar = self._open(search, initial=len(history))
        if history:
            self._set_postfix(history[-1])

    def __call__(self, search, record):
        """Advance the bar by one generation; never stops the search."""
        if self._bar is None:  # called without on_start
            self._bar = self._open(search, initial=0)
        self._evaluated += int(record.get("n_evaluated", 0))
        self._cached += int(record.get("n_cached", 0))
        self._set_postfix(record, refresh=False)
        self._bar.update(1)
        return False

    def on_end(self, search):
        """Close the bar."""
        self._close()

    def _open(self, search, *, initial):
        try:
            from tqdm.auto import tqdm
        except ImportError:
            raise ImportError(
                "ProgressBar needs tqdm, an optional dependency of gahpo: "
                'pip install "sklearn-gahpo[progress]"'
            ) from None
        kwargs = {
            "total": _generation_cap(search),
            "desc": "GeneticSearchCV",
            "unit": "gen",
            "initial": initial,
        }
        kwargs.update(self.tqdm_kwargs)
        return tqdm(**kwargs)

    def _set_postfix(self, record, refresh=True):
        best = float(record.get("best_score", math.nan))
        self._bar.set_postfix(
            {
                "best": f"{best:.4g}",
                "evaluated": self._evaluated,
                "cached": self._cached,
            },
            refresh=refresh,
        )

    def _close(self):
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __getstate__(self):
        # an open bar holds a stream: never pickle or deep-copy it
        state = self.__dict__.copy()
        state["_bar"] = None
        return state

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.tqdm_kwargs.items())
        return f"ProgressBar({args})"


def _generation_cap(search):
    """The search's cap on generations: during ``fit``, after the ``n_iter``
    budget rule (``generations=None`` derives it); else ``search.generations``."""
    settings = getattr(search, "_settings", None)
    if isinstance(settings, dict) and settings.get("generations"):
        return settings["generations"]
    return getattr(search, "generations", None)


class GenerationTable:
    """Write one line per generation: a table like DEAP's logbook.

    A header, then for each generation its number, the candidates fitted
    (``evaluated``) and reused from the cache (``cached``), the best score so
    far, the mean and standard deviation of the generation's scores, the
    population's ``diversity`` and ``duplicate_rate``, and the seconds since
    ``fit`` began. A resumed search first writes the generations restored
    from its checkpoint. This is what ``verbose >= 2`` shows.

    While a tqdm progress bar is open, lines go through ``tqdm.write`` so the
    bar stays whole.

    Parameters
    ----------
    file : file-like, default=None
        Where to write; ``sys.stdout`` (looked up at each line) if None.

    See Also
    --------
    ProgressBar : A progress bar over generations.

    Examples
    --------
    >>> table = GenerationTable()
    >>> table.on_start(None)
    gen evaluated cached      best      mean       std diversity duplicates elapsed
    >>> record = {"generation": 0, "best_score": 0.96, "mean_score": 0.9,
    ...           "std_score": 0.05, "n_evaluated": 4, "n_cached": 0,
    ...           "diversity": 1.0, "duplicate_rate": 0.0, "elapsed": 0.42}
    >>> table(None, record)
      0         4      0      0.96       0.9      0.05      1.00       0.00    0.4s
    False
    """

    #: ``(header, record key, format)`` of each column.
    columns = (
        ("gen", "generation", "{:d}"),
        ("evaluated", "n_evaluated", "{:d}"),
        ("cached", "n_cached", "{:d}"),
        ("best", "best_score", "{:.5g}"),
        ("mean", "mean_score", "{:.5g}"),
        ("std", "std_score", "{:.5g}"),
        ("diversity", "diversity", "{:.2f}"),
        ("duplicates", "duplicate_rate", "{:.2f}"),
        ("elapsed", "elapsed", "{:.1f}s"),
    )
    _widths = (3, 9, 6, 9, 9, 9, 9, 10, 7)

    def __init__(self, file=None):
        self.file = file
        self._header_written = False

    def on_start(self, search):
        """Write the header, and the rows of a resumed search's history."""
        self._header_written = False
        self._write_header()
        for record in getattr(search, "history_", None) or ():
            self._write(self.format_row(record))

    def __call__(self, search, record):
        """Write the generation's row; never stops the search."""
        self._write_header()
        self._write(self.format_row(record))
        return False

    def format_header(self):
        """The header line."""
        return " ".join(
            f"{header:>{w}}" for (header, _, _), w in zip(self.columns, self._widths)
        )

    def format_row(self, record):
        """One record as a line of the table (``-`` for a missing entry)."""
        cells = []
        for (_, key, fmt), width in zip(self.columns, self._widths):
            value = record.get(key)
            try:
                text = fmt.format(int(value) if fmt == "{:d}" else float(value))
            except (TypeError, ValueError):
                text = "-"
            cells.append(f"{text:>{width}}")
        return " ".join(cells)

    def _write_header(self):
        if not self._header_written:
            self._header_written = True
            self._write(self.format_header())

    def _write(self, line):
        file = self.file if self.file is not None else sys.stdout
        if "tqdm" in sys.modules:  # a bar may be open: clear it, write, redraw
            from tqdm import tqdm

            tqdm.write(line, file=file)
        else:
            file.write(line + "\n")
        file.flush()

    def __getstate__(self):
        # a stream does not pickle; the default (sys.stdout) needs no state
        state = self.__dict__.copy()
        if state["file"] is not None and not _picklable(state["file"]):
            state["file"] = None
        return state

    def __repr__(self):
        return (
            "GenerationTable()"
            if self.file is None
            else f"GenerationTable(file={self.file!r})"
        )


def _picklable(obj):
    import pickle

    try:
        pickle.dumps(obj)
    except (TypeError, AttributeError, pickle.PicklingError):
        return False
    return True
