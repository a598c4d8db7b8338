"""How a search runs its callbacks: started, called each generation, ended."""

__all__ = ["CallbackRunner"]


def _verbose_callbacks(level):
    """What ``verbose`` shows: a progress bar from 1 (with tqdm), the table of
    generations from 2 (from 1 without tqdm)."""
    if level < 1:
        return []
    from ._display import GenerationTable, ProgressBar

    try:
        import tqdm.auto  # noqa: F401
    except ImportError:
        return [GenerationTable()]
    # the table first: its row is written before the bar moves on
    return ([GenerationTable()] if level >= 2 else []) + [ProgressBar()]


class CallbackRunner:
    """The callbacks of one ``fit``: ``verbose``'s, then the user's.

    :meth:`start` calls each ``on_start``; :meth:`__call__` calls every
    callback with a generation's record and says whether one asked to stop
    (every callback sees every generation, even when an earlier one asks to
    stop); :meth:`end` calls ``on_end`` of every callback whose ``on_start``
    ran, even if one fails, and raises the first error.
    """

    def __init__(self, callbacks, verbose=0):
        self.callbacks = _verbose_callbacks(int(verbose)) + list(callbacks or ())
        self._started = []

    def start(self, search):
        for callback in self.callbacks:
            getattr(callback, "on_start", lambda search: None)(search)
            self._started.append(callback)

    def __call__(self, search, record):
        return any([bool(cb(search, dict(record))) for cb in self.callbacks])

    def end(self, search):
        errors = []
        started, self._started = self._started, []
        for callback in started:
            try:
                getattr(callback, "on_end", lambda search: None)(search)
            except Exception as exc:  # every on_end runs; the first error is raised
                errors.append(exc)
        if errors:
            raise errors[0]
