"""
=====================================
A pipeline with preprocessing choices
=====================================

The steps of a :class:`~sklearn.pipeline.Pipeline` are parameters like any
other, so the search can choose the preprocessing together with the model:
which scaler (or none), how many principal components to keep, and the
classifier's ``C``, in one search space.
"""

# %%
# The space
# ---------
#
# Parameters of a step are named ``step__param``, as everywhere in
# scikit-learn. A whole step is searched by giving its name a list of
# estimators (``"passthrough"`` skips the step); gahpo treats the list as a
# categorical gene and clones the estimator it picks for each candidate.
# :class:`~gahpo.space.Integer` and :class:`~gahpo.space.Real` are gahpo's own
# genes; ``Real(..., log=True)`` samples and mutates on a log scale.

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.svm import SVC

from gahpo import GeneticSearchCV
from gahpo.plots import plot_search_space
from gahpo.space import Integer, Real

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

pipe = Pipeline(
    [
        ("scale", StandardScaler()),
        ("reduce", PCA(random_state=0)),
        ("clf", SVC()),
    ]
)
space = {
    "scale": [StandardScaler(), MinMaxScaler(), "passthrough"],
    "reduce__n_components": Integer(5, 40),
    "clf__C": Real(1e-2, 1e3, log=True),
}

# %%
# The search
# ----------
#
# Names are checked against ``pipe.get_params()`` when ``fit`` starts, before
# anything is fitted: a typo such as ``"C"`` for ``"clf__C"`` fails at once.

search = GeneticSearchCV(pipe, space, n_iter=40, cv=3, n_jobs=2, random_state=0)
search.fit(X_train, y_train)

print("best parameters:")
for name, value in search.best_params_.items():
    print(f"  {name}: {value!r}")
print(f"best CV accuracy: {search.best_score_:.4f}")
print(f"test accuracy:    {search.score(X_test, y_test):.4f}")

# %%
# The best candidate of each scaler
# ---------------------------------
#
# ``cv_results_`` keeps the estimator of each candidate in the ``param_scale``
# column, so the candidates can be grouped by preprocessing.

results = search.cv_results_
best_by_scaler = {}
for params, score in zip(results["params"], results["mean_test_score"]):
    scaler = str(params["scale"])
    if score > best_by_scaler.get(scaler, (-1, None))[0]:
        best_by_scaler[scaler] = (score, params)
for scaler, (score, params) in best_by_scaler.items():
    n_candidates = sum(str(p["scale"]) == scaler for p in results["params"])
    print(
        f"{scaler:18s} {n_candidates:2d} candidates, best {score:.4f} "
        f"(n_components={params['reduce__n_components']}, "
        f"C={params['clf__C']:.3g})"
    )

# %%
# Where the search went
# ---------------------
#
# :func:`~gahpo.plots.plot_search_space` draws every candidate's score
# against each parameter, coloured by generation: later generations
# concentrate where the scores are high.

plot_search_space(search)
plt.show()
