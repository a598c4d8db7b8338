"""Deprecated: the benchmarks' helpers live in ``_harness``; port and delete this.

Kept only for scripts not yet ported (``fit_timeout_cost.py``): importing
``_harness`` pins the threads, so ``pin_threads_env`` has nothing left to do.
"""

import _harness as H

default_results_path = H.results_path
machine_info, source_state = H.machine_info, H.source_state
markdown_table, write_json = H.markdown_table, H.write_json


def pin_threads_env(n_threads=1):
    """The variables ``_harness`` overrode when it pinned the threads at import."""
    return H.OVERRIDDEN
