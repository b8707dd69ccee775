"""Seed every random initializer and layer of a Keras model from ``random_state``.

Keras 3 gives an unseeded initializer or ``Dropout`` layer a seed drawn from
Python's global :mod:`random` module when the layer is created. scikeras seeds
that module for the duration of the build, but the module is shared by every
thread of the process: in a Dask worker (or any program whose other threads use
:mod:`random`), the event-loop thread draws from it while the model is being
built, and the same ``random_state`` gives different initial weights. skimbal
therefore rewrites the model's config so that each ``seed: None`` gets an
explicit seed derived from ``random_state`` (in config order), and rebuilds it.

:func:`seed_from_random_state` is :mod:`skimbal._seeds` (no Keras), re-exported here.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from ._seeds import seed_from_random_state

__all__ = ["seed_from_random_state", "seed_model"]


def _fill_seeds(node: Any, rng: np.random.Generator) -> int:
    """Replace ``"seed": None`` entries in a nested config, in place; return the count."""
    filled = 0
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "seed" and value is None:
                node[key] = int(rng.integers(1, 2**31 - 1))
                filled += 1
            else:
                filled += _fill_seeds(value, rng)
    elif isinstance(node, list | tuple):
        for value in node:
            filled += _fill_seeds(value, rng)
    return filled


def seed_model(model: keras.Model, seed: int) -> keras.Model:
    """Return ``model`` rebuilt with every unseeded random component seeded.

    Parameters
    ----------
    model : keras.Model
        A freshly built model. Functional and ``Sequential`` models are
        rebuilt from their config; a compiled model, or one whose config
        cannot be round-tripped (a subclassed model without ``get_config``), is
        returned unchanged (its randomness then depends on Python's global
        :mod:`random` state, as in plain scikeras).
    seed : int
        The estimator's integer seed.

    Returns
    -------
    keras.Model
    """
    if model.compiled:
        return model
    try:
        config = model.get_config()
    except (NotImplementedError, TypeError):
        return model
    if not _fill_seeds(config, np.random.default_rng(seed)):
        return model
    try:
        return type(model).from_config(config)
    except (TypeError, ValueError, NotImplementedError):
        return model
