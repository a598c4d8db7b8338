"""
======================================
Multi-objective search: a Pareto front
======================================

The most accurate model is not always the one to keep: a smaller one may be
almost as good and much easier to read, store or run. With ``objectives=``
the search looks for the trade-offs, the candidates that no other candidate
beats on every objective at once (the *Pareto front*), using NSGA-II
selection.

Here the objectives are the accuracy of a decision tree on the digits and
its number of leaves: a tree of a dozen leaves can be printed on a page, one
of three hundred cannot.
"""

# %%
# A scorer for the size
# ---------------------
#
# An objective is a metric of ``scoring`` (maximized, as every scikit-learn
# scorer is greater-is-better, unless the dict form says ``"minimize"``) or
# the measured ``"fit_time"`` / ``"score_time"``. A size read off the fitted
# model is exact and reproducible, where times vary with the machine's load.
# A scorer is any callable ``scorer(estimator, X, y)``.

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.tree import DecisionTreeClassifier

from gahpo import GeneticSearchCV
from gahpo.plots import plot_pareto_front
from gahpo.space import Integer


def n_leaves(estimator, X, y):
    return estimator.get_n_leaves()


X, y = load_digits(return_X_y=True)

space = {
    "max_leaf_nodes": Integer(2, 400, log=True),
    "max_depth": Integer(1, 20),
    "min_samples_leaf": Integer(1, 30, log=True),
    "criterion": ["gini", "entropy"],
}
search = GeneticSearchCV(
    DecisionTreeClassifier(random_state=0),
    space,
    scoring={"accuracy": "accuracy", "leaves": n_leaves},
    objectives={"accuracy": "maximize", "leaves": "minimize"},
    refit="accuracy",  # refit still chooses one model: the most accurate
    population_size=20,
    generations=10,
    cv=3,
    n_jobs=2,
    random_state=0,
)
search.fit(X, y)

# %%
# The front
# ---------
#
# ``pareto_front_`` holds the rows of ``cv_results_`` that no other
# candidate dominates, over all generations.

results = search.cv_results_
leaves, accuracy = results["mean_test_leaves"], results["mean_test_accuracy"]
print(f"{len(results['params'])} candidates, {len(search.pareto_front_)} on the front")

# %%
# Different trees can have the same number of leaves and the same accuracy
# (a tree of two leaves is the same whatever its ``max_depth``), and all of
# them are on the front. One line per distinct trade-off:

points = {}
for i in search.pareto_front_:
    points.setdefault((leaves[i], accuracy[i]), []).append(i)
for (n, score), rows in sorted(points.items()):
    params = results["params"][rows[0]]
    print(f"{n:6.1f} leaves  accuracy {score:.4f}  ({len(rows):2d} x) e.g. {params}")
print("refit (most accurate):", search.best_params_)

# %%
# :func:`~gahpo.plots.plot_pareto_front` draws every candidate in grey, the
# front on top, and stars the candidate that ``refit`` chose. To choose
# another point of the front (say the smallest tree within a point of the
# best accuracy), give ``refit`` a callable that takes ``cv_results_`` and
# returns an index, as in ``GridSearchCV``.

ax = plot_pareto_front(search, x="leaves", y="accuracy")
ax.set_xscale("log")
plt.show()
