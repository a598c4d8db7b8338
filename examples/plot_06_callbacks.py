"""
============================
Callbacks and early stopping
============================

A callback is any callable ``callback(search, record)``: the search calls it
after every generation with that generation's record (the dict appended to
``history_``), and stops after the generation if it returns True.
:mod:`gahpo.callbacks` has the common ones: :class:`~gahpo.callbacks.EarlyStopping`,
:class:`~gahpo.callbacks.TimeBudget`, :class:`~gahpo.callbacks.TargetScore`,
a :class:`~gahpo.callbacks.ProgressBar`, a
:class:`~gahpo.callbacks.GenerationTable` and an
:class:`~gahpo.callbacks.MLflowLogger`.
"""

# %%
# Early stopping
# --------------
#
# A k-nearest-neighbours classifier on the digits has a small space, and the
# search finds its best region in a few generations. ``generations=30``
# would keep breeding; :class:`~gahpo.callbacks.EarlyStopping` stops it
# once the best score has not improved for three generations.
# :class:`~gahpo.callbacks.GenerationTable` prints one line per generation.

import io
import tempfile

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.neighbors import KNeighborsClassifier

from gahpo import GeneticSearchCV
from gahpo.callbacks import EarlyStopping, GenerationTable
from gahpo.plots import plot_fitness
from gahpo.space import Integer

X, y = load_digits(return_X_y=True)
space = {
    "n_neighbors": Integer(1, 40),
    "weights": ["uniform", "distance"],
    "p": [1, 2],
}


def knn_search(callbacks):
    return GeneticSearchCV(
        KNeighborsClassifier(),
        space,
        population_size=8,
        generations=30,
        cv=3,
        n_jobs=2,
        random_state=0,
        callbacks=callbacks,
    )


early = knn_search([EarlyStopping(patience=3), GenerationTable()])
early.fit(X, y)
print(f"stopped after {early.n_generations_} of 30 generations")
print(f"best {early.best_score_:.4f} with {early.best_params_}")

# %%
# ``patience=3`` as a parameter of the search does the same; the callback
# form also takes a ``tolerance`` (the smallest gain that counts). The best
# score so far stops rising, and the search stops three generations later:

plot_fitness(early)
plt.show()

# %%
# A callback of your own
# ----------------------
#
# A function is enough. This one stops once the population has gathered
# around the best candidate: its mean score within 0.01 of the best score.


def gathered(search, record):
    return record["best_score"] - record["mean_score"] < 0.01


search = knn_search([gathered])
search.fit(X, y)
for record in search.history_:
    gap = record["best_score"] - record["mean_score"]
    print(f"generation {record['generation']}: best - mean = {gap:.4f}")
print(f"stopped after {search.n_generations_} generations")

# %%
# A progress bar
# --------------
#
# :class:`~gahpo.callbacks.ProgressBar` needs tqdm (``pip install
# "sklearn-gahpo[progress]"``): a widget in Jupyter, a text bar in a
# terminal, on ``sys.stderr``. Here it writes to a string, to show its last
# state on this page.

try:
    import tqdm  # noqa: F401
except ImportError:
    print("tqdm is not installed: no progress bar")
else:
    from gahpo.callbacks import ProgressBar

    out = io.StringIO()
    search = knn_search([ProgressBar(file=out, ascii=True), EarlyStopping(3)])
    search.fit(X, y)
    print(out.getvalue().split("\r")[-1].strip())

# %%
# MLflow
# ------
#
# :class:`~gahpo.callbacks.MLflowLogger` logs each generation's record as
# MLflow metrics (``step=generation``) and, at the end, the best score and
# parameters. It needs mlflow (``pip install "sklearn-gahpo[mlflow]"``); it
# runs here only if mlflow and SQLAlchemy (for the SQLite tracking store)
# are installed, with a store in a temporary folder.

try:
    import mlflow
    import sqlalchemy  # noqa: F401  (MLflow's SQLite store needs it)
except ImportError:
    print("mlflow or SQLAlchemy is not installed: skipped")
else:
    from gahpo.callbacks import MLflowLogger

    with tempfile.TemporaryDirectory() as folder:
        uri = f"sqlite:///{folder}/mlflow.db"
        logger = MLflowLogger(run_name="knn-digits", tracking_uri=uri)
        search = knn_search([logger, EarlyStopping(3)])
        search.fit(X, y)
        client = mlflow.MlflowClient(tracking_uri=uri)
        run = client.get_run(logger.run_id_)
        print("run", run.info.run_name, run.info.status)
        print("best_cv_score:", round(run.data.metrics["best_cv_score"], 4))
        history = client.get_metric_history(logger.run_id_, "best_score")
        history = sorted(history, key=lambda metric: metric.step)
        print("best_score by step:", [round(m.value, 4) for m in history])
