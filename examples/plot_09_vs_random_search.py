"""
=========================================
gahpo and ``RandomizedSearchCV``, by seed
=========================================

The same budget of candidates, the same folds, the same space, five seeds:
how far apart do :class:`~gahpo.GeneticSearchCV` and scikit-learn's
``RandomizedSearchCV`` end?

This is an illustration, not a benchmark. Five seeds of one small problem
cannot show that one method is better than the other in general, and the
scores below are those of this run only, whichever way they fall. The
benchmarks (:doc:`/benchmarks`) compare the methods on more problems and
seeds.
"""

# %%
# The protocol
# ------------
#
# An SVC on the digits, with ``C`` and ``gamma`` on log scales; each search
# gets ``n_iter=20`` candidates, cross-validated on the same three folds of
# the training half of the data. Each method's best candidate, refitted on
# that half, is then scored on the other half: the best CV score of a search
# is optimistic (it is the maximum of many noisy estimates), the test score
# is not.

import time

import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import loguniform
from sklearn.datasets import load_digits
from sklearn.model_selection import (
    RandomizedSearchCV,
    StratifiedKFold,
    train_test_split,
)
from sklearn.svm import SVC

from gahpo import GeneticSearchCV

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.5, stratify=y, random_state=0
)
cv = StratifiedKFold(3)
space = {"C": loguniform(1e-2, 1e3), "gamma": loguniform(1e-5, 1e-1)}
seeds = range(5)
searches = {
    "GeneticSearchCV": GeneticSearchCV,
    "RandomizedSearchCV": RandomizedSearchCV,
}

cv_scores = {name: [] for name in searches}
test_scores = {name: [] for name in searches}
for name, search_class in searches.items():
    start = time.perf_counter()
    for seed in seeds:
        search = search_class(
            SVC(), space, n_iter=20, cv=cv, n_jobs=2, random_state=seed
        )
        search.fit(X_train, y_train)
        cv_scores[name].append(search.best_score_)
        test_scores[name].append(search.score(X_test, y_test))
    seconds = time.perf_counter() - start
    print(f"{name}: {len(seeds)} searches in {seconds:.1f} s")

# %%
# The results
# -----------

print(f"{len(y_test)} test images: one image is {1 / len(y_test):.4f} of accuracy")
print(f"{'seed':>4}  {'':18s}  {'CV':>6}  {'test':>6}")
for seed in seeds:
    for name in searches:
        print(
            f"{seed:4d}  {name:18s}  {cv_scores[name][seed]:.4f}  "
            f"{test_scores[name][seed]:.4f}"
        )
for name in searches:
    cv_mean, test_mean = np.mean(cv_scores[name]), np.mean(test_scores[name])
    print(f"mean  {name:18s}  {cv_mean:.4f}  {test_mean:.4f}")

# %%
# Seed by seed, which method ended higher (ties count for neither):

genetic, randomized = (np.array(cv_scores[name]) for name in searches)
genetic_test, randomized_test = (np.array(test_scores[name]) for name in searches)
for column, a, b in [
    ("CV", genetic, randomized),
    ("test", genetic_test, randomized_test),
]:
    print(
        f"{column:>4}: GeneticSearchCV higher on {np.sum(a > b)} of "
        f"{len(seeds)} seeds, RandomizedSearchCV on {np.sum(b > a)}, "
        f"mean difference {np.mean(a - b):+.4f}"
    )

# %%
# The spread of the best scores
# -----------------------------
#
# One point per seed, for the best CV score (left) and the test score of
# the refitted best candidate (right), with each method's mean as a bar.
# Read the two panels separately: a higher best CV score is partly
# selection on noise, and does not have to carry over to the test score.
# On 899 test images, one image is 0.0011 of accuracy: differences of a few
# thousandths are a handful of images. Points are spread sideways a little
# so that equal scores stay visible.

rng = np.random.default_rng(0)
fig, axes = plt.subplots(1, 2, figsize=(8, 3.5))
panels = [("best CV accuracy", cv_scores), ("test accuracy", test_scores)]
for ax, (title, scores) in zip(axes, panels):
    for position, name in enumerate(searches):
        values = scores[name]
        jitter = rng.uniform(-0.08, 0.08, len(values))
        ax.scatter(position + jitter, values, alpha=0.7)
        ax.hlines(np.mean(values), position - 0.2, position + 0.2, color="black")
    ax.set_xticks(range(len(searches)), list(searches))
    ax.set_xlim(-0.5, len(searches) - 0.5)
    ax.set_title(title)
fig.tight_layout()
plt.show()
