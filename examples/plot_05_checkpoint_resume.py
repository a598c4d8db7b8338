"""
=====================
Checkpoint and resume
=====================

A long search should survive a crash, a reboot or a preempted machine. With
``checkpoint=`` a file, the search state is written to it after every
generation; when ``fit`` starts and the file belongs to the same search,
the search resumes from it, and no candidate scored before is fitted again.

Here a search is stopped after three generations, as if it had been
interrupted, then run again with a larger ``generations``: it continues
where it stopped. (A checkpoint is a pickle: resume only files you wrote
yourself.)
"""

# %%
# Three generations
# -----------------

import os
import tempfile
import time

import matplotlib.pyplot as plt
from scipy.stats import loguniform
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.svm import SVC

from gahpo import CheckpointError, GeneticSearchCV
from gahpo.plots import plot_fitness

X, y = load_digits(return_X_y=True)
space = {"C": loguniform(1e-2, 1e3), "gamma": loguniform(1e-5, 1e-1)}

folder = tempfile.TemporaryDirectory()
path = os.path.join(folder.name, "svc.ckpt")

search = GeneticSearchCV(
    SVC(),
    space,
    population_size=8,
    generations=3,
    cv=3,
    n_jobs=2,
    random_state=0,
    checkpoint=path,
)
search.fit(X, y)
n_candidates = len(search.cv_results_["params"])
print(
    f"{search.n_generations_} generations, {n_candidates} candidates fitted, "
    f"best {search.best_score_:.4f}"
)
print(f"checkpoint: {os.path.getsize(path)} bytes")

# %%
# Resume with more generations
# ----------------------------
#
# ``generations`` only says when to stop, so it is not part of the
# checkpoint's fingerprint: the same search with ``generations=6`` and the
# same file continues from generation 3: only the new generations are
# fitted, and ``history_`` and ``cv_results_`` hold the whole search, with
# ``elapsed`` counting the time before the resume too.

n_before = len(search.cv_results_["params"])
search.set_params(generations=6)
start = time.perf_counter()
search.fit(X, y)
seconds = time.perf_counter() - start

n_after = len(search.cv_results_["params"])
print(
    f"resumed: {search.n_generations_} generations, {n_after} candidates in all "
    f"({n_before} from the first fit, {n_after - n_before} new), "
    f"best {search.best_score_:.4f}, in {seconds:.1f} s"
)
for record in search.history_:
    print(
        f"generation {record['generation']}: fitted {record['n_evaluated']}, "
        f"best {record['best_score']:.4f}, elapsed {record['elapsed']:.1f} s"
    )

# %%
# A file that belongs to another search is refused
# ------------------------------------------------
#
# The fingerprint covers the estimator, the space, ``cv``, ``scoring``, the
# data, the genetic settings and ``random_state``. Another seed is another
# search: ``fit`` stops before fitting anything, with a
# :class:`~gahpo.CheckpointError` that says what differs. To start afresh,
# delete the file or pass another path.

try:
    clone(search).set_params(random_state=1).fit(X, y)
except CheckpointError as error:
    print("CheckpointError:", error)

# %%
# The whole search, resumed at generation 3:

ax = plot_fitness(search)
ax.axvline(2.5, color="grey", linestyle=":", label="resumed here")
ax.legend()
plt.show()

folder.cleanup()
