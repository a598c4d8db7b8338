"""Callbacks for :class:`~gahpo.GeneticSearchCV`.

A callback is any callable ``callback(search, record)``: the search calls it
after every generation with itself and that generation's ``history_`` record
(``generation``, ``best_score``, ``mean_score``, ``std_score``,
``n_evaluated``, ``n_cached``, ``elapsed``). Returning True stops the search
after the current generation. Optional ``on_start(search)`` and
``on_end(search)`` methods are called when ``fit`` starts and ends.

The callbacks below keep a little state between generations (the best score
seen, a progress bar, an MLflow run); ``on_start`` resets it, so one instance
can serve several fits, one after the other. They never print: the progress
bar writes through tqdm, to ``sys.stderr`` unless told otherwise;
:class:`GenerationTable` writes to the stream it is given (``sys.stdout`` by
default, as scikit-learn's ``verbose`` output); :class:`MLflowLogger` writes
to an MLflow tracking store.

>>> from gahpo.callbacks import EarlyStopping, TargetScore
>>> callbacks = [EarlyStopping(patience=5), TargetScore(0.99)]
"""

from ._display import GenerationTable, ProgressBar
from ._mlflow import MLflowLogger
from ._stopping import EarlyStopping, TargetScore, TimeBudget

__all__ = [
    "EarlyStopping",
    "GenerationTable",
    "MLflowLogger",
    "ProgressBar",
    "TargetScore",
    "TimeBudget",
]
