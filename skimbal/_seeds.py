"""The fit's integer seed from a scikit-learn ``random_state`` (no Keras import).

:mod:`skimbal._seeding` (which seeds a Keras model with it) re-exports
:func:`seed_from_random_state`; planning a fit (:mod:`skimbal._fit_plan`)
imports it from here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["seed_from_random_state"]


def seed_from_random_state(random_state: Any) -> int | None:
    """An int seed for Keras/TensorFlow from a scikit-learn ``random_state``.

    A ``RandomState`` instance is not advanced (a copy draws the seed), so the
    same instance gives the same seed on every ``fit`` — as in scikeras.
    """
    if random_state is None:
        return None
    if isinstance(random_state, np.random.RandomState):
        copy = np.random.RandomState()
        copy.set_state(random_state.get_state())
        return int(copy.randint(0, 2**31 - 1))
    return int(random_state)
