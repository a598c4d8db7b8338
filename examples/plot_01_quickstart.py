"""
==========
Quickstart
==========

:class:`~gahpo.GeneticSearchCV` takes what ``RandomizedSearchCV`` takes: an
estimator, a dict of parameter distributions and a budget ``n_iter`` of
candidates to try. Here it tunes ``C`` and ``gamma`` of a support vector
machine on scikit-learn's handwritten digits.
"""

# %%
# The data and the search
# -----------------------
#
# The only difference from a ``RandomizedSearchCV`` is the class name: the
# same ``param_distributions``, the same ``n_iter``, ``cv``, ``n_jobs`` and
# ``random_state``. Instead of drawing 30 random candidates, the search
# evolves them: a first generation spread over the space, then children of
# the best ones.

import matplotlib.pyplot as plt
from scipy.stats import loguniform
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.svm import SVC

from gahpo import GeneticSearchCV
from gahpo.plots import plot_fitness

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

param_distributions = {
    "C": loguniform(1e-2, 1e3),
    "gamma": loguniform(1e-5, 1e-1),
}
search = GeneticSearchCV(
    SVC(),
    param_distributions,
    n_iter=30,  # candidates to cross-validate, as in RandomizedSearchCV
    cv=3,
    n_jobs=2,
    random_state=0,
)
search.fit(X_train, y_train)

print("best parameters:", search.best_params_)
print(f"best CV accuracy: {search.best_score_:.4f}")
print(f"test accuracy:    {search.score(X_test, y_test):.4f}")

# %%
# What was tried
# --------------
#
# ``cv_results_`` has every column of ``GridSearchCV``'s, one row per
# distinct candidate, plus ``generation``: the generation in which the
# candidate was first evaluated. The ``n_iter`` budget counts distinct
# candidates, so there are at most 30 rows.

results = search.cv_results_
print(f"{len(results['params'])} candidates in {search.n_generations_} generations")
order = results["rank_test_score"].argsort()[:5]
for i in order:
    params = results["params"][i]
    print(
        f"generation {results['generation'][i]}: "
        f"C={params['C']:9.3f}  gamma={params['gamma']:.2e}  "
        f"accuracy={results['mean_test_score'][i]:.4f}"
    )

# %%
# Generation by generation
# ------------------------
#
# ``history_`` holds one record per generation: the best score so far, the
# mean and spread of the generation's scores, the candidates fitted
# (``n_evaluated``) and those whose score was reused (``n_cached``: a
# candidate is never fitted twice).

for record in search.history_:
    print(
        f"generation {record['generation']}: best {record['best_score']:.4f}, "
        f"mean {record['mean_score']:.4f}, fitted {record['n_evaluated']}, "
        f"cached {record['n_cached']}"
    )

# %%
# :func:`~gahpo.plots.plot_fitness` draws the same records (it needs
# matplotlib, ``pip install "sklearn-gahpo[plot]"``).

ax = plot_fitness(search)
ax.set_title("SVC on digits, n_iter=30")
plt.show()
