"""Training-loop defaults: validation split with fallback, early stopping, LR schedule."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import keras
import numpy as np

from .model_selection import stratified_validation_split

__all__ = ["training_callbacks", "validation_split_or_none"]


def validation_split_or_none(
    codes: np.ndarray,
    validation_fraction: float,
    random_state: int | None,
    *,
    split: Callable[..., tuple[np.ndarray, np.ndarray]] = stratified_validation_split,
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Stratified train/validation indices, or ``(None, None)`` with a warning.

    When ``validation_fraction`` is 0 no split is made. When a stratified
    split is impossible (a class with fewer than 2 samples, or fewer
    validation samples than classes) the whole data is used for training, a
    ``UserWarning`` says so, and early stopping / the learning-rate schedule
    then monitor the training loss. ``split`` is the splitting function
    (``stratified_validation_split`` on class codes or sequence strata,
    ``multilabel_validation_split`` on indicator targets).
    """
    if validation_fraction <= 0:
        return None, None
    try:
        return split(codes, validation_fraction, random_state=random_state)
    except ValueError as exc:
        warnings.warn(
            f"{exc} Training on all samples without a validation split; early stopping "
            "and the learning-rate schedule monitor the training loss instead. Set "
            "validation_fraction=0 to silence this warning.",
            UserWarning,
            stacklevel=3,
        )
        return None, None


def training_callbacks(
    *,
    has_validation: bool,
    early_stopping: bool,
    patience: int,
    lr_schedule: str | None,
) -> list[keras.callbacks.Callback]:
    """Callbacks for skimbal's default training loop.

    Parameters
    ----------
    has_validation : bool
        Monitor ``val_loss`` (else the training ``loss``).
    early_stopping : bool
        Add ``EarlyStopping(patience=patience, restore_best_weights=True)``.
    patience : int
        Epochs without improvement before stopping.
    lr_schedule : {"plateau"} or None
        ``"plateau"``: ``ReduceLROnPlateau`` halving the learning rate after
        ``max(1, patience // 3)`` epochs without improvement (at least
        ``1e-5``), so that it acts a few times before early stopping does.

    Returns
    -------
    list of keras.callbacks.Callback
    """
    monitor = "val_loss" if has_validation else "loss"
    callbacks: list[keras.callbacks.Callback] = []
    if lr_schedule == "plateau":
        callbacks.append(
            keras.callbacks.ReduceLROnPlateau(
                monitor=monitor, factor=0.5, patience=max(1, patience // 3), min_lr=1e-5
            )
        )
    if early_stopping:
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor=monitor, patience=patience, restore_best_weights=True
            )
        )
    return callbacks
