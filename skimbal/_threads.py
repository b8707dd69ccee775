"""TensorFlow thread pools sized so that parallel workers do not oversubscribe cores.

TensorFlow sizes its intra-op thread pool to all cores of the machine. Under
``GridSearchCV(n_jobs=k)`` / ``cross_validate(n_jobs=k)`` every joblib worker is a
separate process with its own TensorFlow, so ``k`` workers each run ``n_cores``
threads and fight over the cores. joblib's process backend (loky) already tells
its workers how many threads they may use, through ``OMP_NUM_THREADS``
(``cpu_count // n_jobs``), and Dask's nanny sets ``OMP_NUM_THREADS=1`` for its
workers; TensorFlow ignores that variable, so skimbal applies it.

The knob, in order of precedence:

1. :func:`skimbal.set_num_threads` called before the first model is built;
2. the environment variable ``SKIMBAL_NUM_THREADS``;
3. the environment variable ``OMP_NUM_THREADS`` (set by joblib and Dask workers);
4. otherwise TensorFlow's own default (all cores).

TensorFlow fixes its pools when its runtime starts (the first op); afterwards the
sizes cannot change, so the knob acts once per process, at the first ``fit``.
"""

from __future__ import annotations

import os
import warnings

__all__ = ["set_num_threads", "configure_from_environment"]

_ENV_VARS = ("SKIMBAL_NUM_THREADS", "OMP_NUM_THREADS")
# Set once the knob has acted in this process (explicitly or from the environment).
_state = {"done": False}


def _parse(value: str, name: str) -> int | None:
    try:
        n = int(value)
    except ValueError:
        warnings.warn(f"Ignoring {name}={value!r}: expected a positive integer.",
                      UserWarning, stacklevel=3)
        return None
    if n < 1:
        warnings.warn(f"Ignoring {name}={value!r}: expected a positive integer.",
                      UserWarning, stacklevel=3)
        return None
    return n


def set_num_threads(n_threads: int, *, inter_op: int = 1) -> bool:
    """Size TensorFlow's thread pools for this process.

    Parameters
    ----------
    n_threads : int
        Threads for intra-op parallelism (inside one matrix product, say).
    inter_op : int, default=1
        Threads running independent ops concurrently. Recurrent networks are a
        chain of dependent steps, so 1 loses little and avoids oversubscription.

    Returns
    -------
    bool
        True when the pools now have the requested sizes; False when
        TensorFlow had already started with other sizes (a ``UserWarning``
        says so), which can only be fixed by calling this earlier.

    Raises
    ------
    ValueError
        If ``n_threads`` or ``inter_op`` is not a positive integer.
    """
    for name, value in (("n_threads", n_threads), ("inter_op", inter_op)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive int; got {value!r}.")
    import tensorflow as tf

    _state["done"] = True
    threading = tf.config.threading
    current = (threading.get_intra_op_parallelism_threads(),
               threading.get_inter_op_parallelism_threads())
    if current == (n_threads, inter_op):
        return True
    try:
        threading.set_intra_op_parallelism_threads(n_threads)
        threading.set_inter_op_parallelism_threads(inter_op)
    except RuntimeError:
        warnings.warn(
            f"TensorFlow has already started with intra-op threads={current[0]}, "
            f"inter-op threads={current[1]} (0 means all cores); call "
            "skimbal.set_num_threads before the first model is built.",
            UserWarning, stacklevel=2,
        )
        return False
    return True


def configure_from_environment() -> int | None:
    """Apply ``SKIMBAL_NUM_THREADS`` / ``OMP_NUM_THREADS`` once per process.

    Called by ``WeightedSequenceClassifier.fit`` before any Keras work. Returns
    the thread count applied, or None when no variable is set (TensorFlow's
    default stays), TensorFlow had already started, or the knob already acted
    in this process (an explicit :func:`set_num_threads` wins over the
    environment).
    """
    if _state["done"]:
        return None
    _state["done"] = True
    for name in _ENV_VARS:
        value = os.environ.get(name)
        if value:
            n = _parse(value, name)
            if n is None:
                return None
            import tensorflow as tf

            if tf.config.threading.get_intra_op_parallelism_threads() == n:
                return n
            try:
                tf.config.threading.set_intra_op_parallelism_threads(n)
                tf.config.threading.set_inter_op_parallelism_threads(1)
            except RuntimeError:  # runtime already started: leave it alone
                return None
            return n
    return None
