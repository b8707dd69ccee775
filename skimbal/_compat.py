"""Compatibility fixes between scikeras and current scikit-learn.

scikeras 0.13 (its last release) predates scikit-learn 1.6's estimator tags.
Every workaround skimbal needs for that lives in this module, so that replacing
scikeras, or dropping a fix once upstream has it, is a one-module change.

Fixes
-----
1. **Estimator tags.** scikeras declares its type with the legacy
   ``_estimator_type`` attribute and ``_more_tags``; scikit-learn >= 1.7 reads
   only ``__sklearn_tags__``. Because ``BaseWrapper`` (a ``BaseEstimator``)
   precedes ``ClassifierMixin`` in ``KerasClassifier``'s MRO, the mixin's tags
   are never applied: ``is_classifier(KerasClassifier())`` is ``False`` and
   ``check_cv(5, y, classifier=True)``-style logic in ``cross_val_score``
   silently falls back to unstratified ``KFold``. :class:`ClassifierTagsMixin`
   sets the classifier tags explicitly.
2. **partial_fit.** scikeras' ``partial_fit`` bypasses any weighting done in a
   subclass' ``fit`` (it multiplies ``class_weight`` into the caller's
   ``sample_weight`` in place). :func:`hide_partial_fit` makes the attribute
   absent, so meta-estimators that probe ``hasattr(est, "partial_fit")`` do not
   pick a code path that would silently train unweighted.
3. **initialize.** scikeras' public ``initialize(X, y)`` builds and compiles
   a model from ``X`` and ``y`` without skimbal's fit plan (no target
   encoding, class weights, priors or front-end), leaving an estimator that
   looks fitted but predicts with an untrained, unweighted network.
   :func:`hide_initialize` makes it absent, as ``partial_fit``; ``fit`` is
   the one way to a fitted estimator.
4. **Op determinism left on.** scikeras' seeded sections set
   ``TF_DETERMINISTIC_OPS=1`` *before* asking TensorFlow whether determinism
   was already enabled; TensorFlow reads that variable, answers yes, and
   scikeras never turns determinism off again. Every later *unseeded* fit in
   the process then fails ("Random ops require a seed ... when determinism is
   enabled"). :func:`restore_op_determinism` puts the caller's setting back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sklearn.utils import ClassifierTags

__all__ = ["ClassifierTagsMixin", "hide_initialize", "hide_partial_fit",
           "restore_op_determinism"]


class ClassifierTagsMixin:
    """Give a scikeras-based classifier correct scikit-learn >= 1.6 tags.

    Place it first in the bases of the estimator class so that its
    ``__sklearn_tags__`` wins over ``BaseEstimator``'s.
    """

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()  # type: ignore[misc]
        tags.estimator_type = "classifier"
        # Multi-label indicator targets (n, L) and (n, T, L) are supported (sigmoid head).
        tags.classifier_tags = ClassifierTags(multi_label=True)
        tags.target_tags.required = True
        tags.target_tags.single_output = True
        tags.target_tags.multi_output = True
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        tags.input_tags.allow_nan = False
        # Training is stochastic unless a seed is given.
        tags.non_deterministic = getattr(self, "random_state", None) is None
        return tags


class _HiddenAttribute:
    """Descriptor that makes an inherited method look absent (``hasattr`` False)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        raise AttributeError(f"{self.name} is not available: {self.reason}")


def hide_partial_fit() -> _HiddenAttribute:
    """Return a class attribute that hides scikeras' unweighted ``partial_fit``."""
    return _HiddenAttribute(
        "scikeras' partial_fit skips skimbal's class weighting; call fit instead"
    )


def hide_initialize() -> _HiddenAttribute:
    """Return a class attribute that hides scikeras' ``initialize`` (a model
    built without skimbal's fit plan)."""
    return _HiddenAttribute(
        "scikeras' initialize builds a model without skimbal's fit plan (target "
        "encoding, class weights, priors); call fit instead"
    )


@contextmanager
def restore_op_determinism() -> Iterator[None]:
    """Undo TensorFlow op determinism switched on inside the block by scikeras.

    A user who enabled determinism before (``tf.config.experimental.
    enable_op_determinism()`` or ``TF_DETERMINISTIC_OPS=1``) keeps it.
    """
    from tensorflow.python.framework import config

    was_enabled = config.is_op_determinism_enabled()
    try:
        yield
    finally:
        if not was_enabled and config.is_op_determinism_enabled():
            config.disable_op_determinism()
