"""
=================================================
A conditional space: several models in one search
=================================================

Some parameters only mean something when others take a given value:
``gamma`` matters for an RBF kernel, not for a linear one, and a different
classifier has different parameters altogether. As in ``GridSearchCV``, a
list of dicts is a choice between sub-spaces: each candidate belongs to one
of them.
"""

# %%
# Three sub-spaces
# ----------------
#
# The pipeline's ``clf`` step is itself a parameter. Names that reach inside
# the estimator chosen in the same sub-space (``"clf"`` and ``"clf__C"``)
# are accepted, because scikit-learn sets ``clf`` first.

import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import loguniform
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from gahpo import GeneticSearchCV
from gahpo.space import Integer

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

pipe = Pipeline([("scale", StandardScaler()), ("clf", SVC())])
space = [
    {
        "clf": [SVC()],
        "clf__kernel": ["rbf"],
        "clf__C": loguniform(1e-2, 1e3),
        "clf__gamma": loguniform(1e-5, 1e-1),
    },
    {
        "clf": [SVC()],
        "clf__kernel": ["linear"],
        "clf__C": loguniform(1e-3, 1e1),
    },
    {
        "clf": [KNeighborsClassifier()],
        "clf__n_neighbors": Integer(1, 30),
        "clf__weights": ["uniform", "distance"],
    },
]

# %%
# The search
# ----------
#
# The first generation spreads its candidates over the three sub-spaces in
# turn. Crossover recombines parents of the same sub-space only; mutation
# sometimes moves a candidate to another sub-space, keeping the genes they
# share (the ``clf__C`` of an RBF machine carries over to a linear one).

search = GeneticSearchCV(pipe, space, n_iter=45, cv=3, n_jobs=2, random_state=0)
search.fit(X_train, y_train)

print("best parameters:", search.best_params_)
print(f"best CV accuracy: {search.best_score_:.4f}")
print(f"test accuracy:    {search.score(X_test, y_test):.4f}")

# %%
# Candidates per sub-space
# ------------------------
#
# Each row of ``cv_results_`` has the parameters of its own sub-space;
# the ``param_*`` columns of the others are masked.


def family(params):
    clf = params["clf"]
    if isinstance(clf, SVC):
        return f"SVC, {params['clf__kernel']} kernel"
    return type(clf).__name__


results = search.cv_results_
families = np.array([family(p) for p in results["params"]])
scores = results["mean_test_score"]
generations = results["generation"]
for name in dict.fromkeys(families):
    mask = families == name
    counts = np.bincount(generations[mask], minlength=search.n_generations_)
    print(
        f"{name:20s} {mask.sum():2d} candidates (per generation: {counts.tolist()}), "
        f"best {np.nanmax(scores[mask]):.4f}"
    )

# %%
# The score of every candidate by generation, one colour per sub-space, for
# the candidates above 0.85 (a few poor ones of the first generations would
# squash the rest): the table above and this figure show which sub-spaces
# the later generations explored.

shown = scores > 0.85
print(f"{np.sum(~shown)} candidates below 0.85 are not drawn")
fig, ax = plt.subplots()
rng = np.random.default_rng(0)
for name in dict.fromkeys(families):
    mask = (families == name) & shown
    jitter = rng.uniform(-0.15, 0.15, mask.sum())
    ax.scatter(generations[mask] + jitter, scores[mask], label=name, alpha=0.8)
ax.set_xlabel("generation")
ax.set_ylabel("CV accuracy")
ax.legend(loc="lower right")
plt.show()
