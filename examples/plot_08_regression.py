"""
=================
A regression task
=================

Nothing in :class:`~gahpo.GeneticSearchCV` is specific to classification:
any estimator and any scorer work. Here it tunes a gradient-boosted tree
ensemble, :class:`~sklearn.ensemble.HistGradientBoostingRegressor`, on
scikit-learn's diabetes data (442 patients, 10 features, a measure of
disease progression one year later), scored by the mean absolute error.
"""

# %%
# Scores are greater-is-better
# ----------------------------
#
# As everywhere in scikit-learn, an error is scored negated
# (``"neg_mean_absolute_error"``), so that the search maximizes it; the best
# score is minus the best error. A ridge regression, cross-validated on the
# same folds, is the point of comparison.

import matplotlib.pyplot as plt
from sklearn.datasets import load_diabetes
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import KFold, cross_val_score, train_test_split

from gahpo import GeneticSearchCV
from gahpo.plots import plot_fitness
from gahpo.space import Integer, Real

X, y = load_diabetes(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, random_state=0
)
cv = KFold(5, shuffle=True, random_state=0)
scoring = "neg_mean_absolute_error"

ridge = RidgeCV(alphas=[1e-3, 1e-2, 1e-1, 1, 10])
ridge_cv = -cross_val_score(ridge, X_train, y_train, cv=cv, scoring=scoring).mean()
ridge.fit(X_train, y_train)
print(f"ridge: CV MAE {ridge_cv:.2f}")

# %%
# The search
# ----------
#
# ``cv`` with ``shuffle=True`` is fine: the folds are computed once per
# ``fit`` and every candidate is scored on the same ones.

space = {
    "learning_rate": Real(0.01, 0.3, log=True),
    "max_iter": Integer(20, 300, log=True),
    "max_leaf_nodes": Integer(4, 64, log=True),
    "min_samples_leaf": Integer(5, 60),
    "l2_regularization": Real(1e-4, 10, log=True),
}
search = GeneticSearchCV(
    HistGradientBoostingRegressor(random_state=0),
    space,
    scoring=scoring,
    n_iter=40,
    cv=cv,
    n_jobs=2,
    random_state=0,
)
search.fit(X_train, y_train)

print("best parameters:")
for name, value in search.best_params_.items():
    print(f"  {name}: {value:.4g}")
print(f"boosting: CV MAE {-search.best_score_:.2f}")

# %%
# On the held-out quarter
# -----------------------
#
# ``score`` uses the same scorer, negated too.

ridge_test = -search.scorer_(ridge, X_test, y_test)
boosting_test = -search.score(X_test, y_test)
print(f"ridge:    test MAE {ridge_test:.2f}")
print(f"boosting: test MAE {boosting_test:.2f}")
for where, ridge_mae, boosting_mae in [
    ("cross-validation", ridge_cv, -search.best_score_),
    ("held-out quarter", ridge_test, boosting_test),
]:
    better = "boosting" if boosting_mae < ridge_mae else "ridge"
    print(f"lower error on the {where}: {better}")

# %%
# On 442 samples a linear model is hard to beat: tuning finds the best
# member of a family of models, it does not make the family suit the data,
# and the lines above say which one won in this run. The best (negated)
# error over generations, with the ridge regression's for reference:

ax = plot_fitness(search)
ax.axhline(-ridge_cv, color="grey", linestyle="--", label="ridge (CV)")
ax.legend()
plt.show()
