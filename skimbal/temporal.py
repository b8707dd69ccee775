"""Per-timestep (sequence-labelling) training and prediction for the classifier.

:class:`TimestepMixin` holds the per-timestep branch of
:class:`~skimbal.WeightedSequenceClassifier`: ``fit`` dispatches here when
``y`` has a label at every timestep (see
:func:`skimbal.targets.is_timestep_target`). It orchestrates the same pieces
as the sequence-level path: targets (:class:`~skimbal.targets.TimestepTargetEncoder`),
weights (per-timestep class weights times time weights, zero on padding;
:mod:`skimbal.weights`), the stratified validation split (by class-presence
pattern; :func:`skimbal.model_selection.sequence_strata`) and the Keras model
(``return_sequences=True`` and a per-timestep ``Dense`` head).
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from ._sequences import check_sequence_batch, lengths_mask, unpad
from ._training import validation_split_or_none
from ._validation import seed_from_random_state
from .masking import PaddingMask
from .model_selection import sequence_strata
from .targets import TimestepTargetEncoder
from .timestep_losses import TimestepWeightedBinaryCrossentropy
from .weights import (
    align_time_weights,
    check_sample_weight,
    multilabel_timestep_class_weight,
    normalization_factor,
    resolve_class_weight,
    time_weight_profile,
    timestep_class_counts,
)

__all__ = ["TimestepMixin"]


def _presence_from_codes(codes: np.ndarray, mask: np.ndarray, n_classes: int,
                         multilabel: bool) -> np.ndarray:
    if multilabel:
        return np.any((codes > 0) & mask[..., None], axis=1)
    presence = np.zeros((codes.shape[0], n_classes), dtype=bool)
    rows = np.broadcast_to(np.arange(codes.shape[0])[:, None], codes.shape)
    presence[rows[mask], codes[mask]] = True
    return presence


class TimestepMixin:
    """Per-timestep targets, time weights and variable-length input (private mixin)."""

    # ------------------------------------------------------------- checks
    def _check_no_time_weight(self) -> None:
        if self.time_weight is not None:
            raise ValueError(
                f"time_weight={self.time_weight!r} applies to per-timestep targets "
                "(y of shape (n, T) or (n, T, n_labels), or a list of per-sequence "
                "label arrays); this y has one label per sequence. Use "
                "time_weight=None."
            )

    def _has_padding_mask(self) -> bool:
        layers = self.model_._flatten_layers(include_self=False, recursive=True)
        return any(isinstance(layer, PaddingMask) for layer in layers)

    def _check_padding_support(self, lengths: np.ndarray | None) -> None:
        """Training on padded input needs a model that starts with PaddingMask."""
        if lengths is None or np.all(lengths == lengths.max()):
            return
        if not self._has_padding_mask():
            raise ValueError(
                "X holds sequences of different lengths, which skimbal pads at the "
                "end with NaN; the model has no skimbal.masking.PaddingMask layer to "
                "mask that padding. Add PaddingMask() right after the Input of your "
                "model function."
            )

    def _timestep_output_mode(self) -> str:
        shape = self.model_.outputs[0].shape
        if len(shape) != 3:
            raise ValueError(
                "per-timestep targets need a model whose output has shape "
                f"(batch, T, units) (return_sequences=True and a Dense head); the "
                f"model's output has shape {tuple(shape)}."
            )
        if self.target_type_ == "per_timestep_multilabel":
            if shape[-1] != self.n_classes_:
                raise ValueError(
                    f"The model's output layer has {shape[-1]} units; per-timestep "
                    f"multilabel y needs {self.n_classes_} (one sigmoid per label)."
                )
            return "multilabel"
        return self._output_mode()

    def _timestep_multilabel_loss(self) -> keras.losses.Loss:
        pos_w, neg_w = self._label_weights
        return TimestepWeightedBinaryCrossentropy(pos_w.tolist(), neg_w.tolist())

    # ---------------------------------------------------------------- fit
    def _fit_timesteps(self, X: np.ndarray, lengths: np.ndarray | None, y: Any,
                       sample_weight: Any) -> Any:
        if not isinstance(self.frontend_strides, str) and any(
            int(s) > 1 for s in self.frontend_strides
        ):
            raise ValueError(
                "frontend_strides shortens the sequence, so it cannot be used with "
                "per-timestep targets (one prediction per input step); use "
                "frontend_strides=() or 'auto'."
            )
        n, T = X.shape[:2]
        mask = lengths_mask(lengths, T) if lengths is not None else np.ones((n, T), bool)
        encoder = TimestepTargetEncoder().fit(y, lengths, n, T)
        codes = encoder.transform(y, lengths, n, T)
        user_sw = check_sample_weight(sample_weight, n)
        profile = None
        if self.time_weight is not None:
            profile = time_weight_profile(
                self.time_weight, T, weight_range=tuple(self.time_weight_range),
                half_life=self.time_weight_half_life,
            )
            time_w = align_time_weights(profile, lengths, n)
        else:
            time_w = mask.astype(np.float64)

        multilabel = encoder.kind == "per_timestep_multilabel"
        if multilabel:
            pos_w, neg_w = multilabel_timestep_class_weight(
                self.class_weight, codes, mask, normalize=self.normalize_weights
            )
            label_weights = (pos_w, neg_w)
            class_weight_ = {
                j: {0: float(neg_w[j]), 1: float(pos_w[j])} for j in range(len(pos_w))
            }
            sw = time_w
        else:
            counts = timestep_class_counts(codes, mask, encoder.n_classes)
            cw = resolve_class_weight(self.class_weight, encoder.classes_, counts)
            if self.normalize_weights:
                cw = cw * normalization_factor(cw, counts)
            label_weights = None
            class_weight_ = {
                label: float(w)
                for label, w in zip(encoder.classes_.tolist(), cw, strict=True)
            }
            sw = cw[codes] * time_w
        if user_sw is not None:
            sw = sw * user_sw[:, None]
        sw = np.where(mask, sw, 0.0).astype(np.float32)
        if not np.any(sw > 0):
            raise ValueError("The combined sample weights are zero at every valid timestep.")

        seed = seed_from_random_state(self.random_state)
        presence = _presence_from_codes(codes, mask, encoder.n_classes, multilabel)
        train_idx, val_idx = validation_split_or_none(
            sequence_strata(presence, min_count=2), self.validation_fraction, seed
        )

        self._set_fitted_state(
            encoder, X, lengths, class_weight_, seed,
            n_outputs=1 if encoder.kind == "per_timestep_binary" else encoder.n_classes,
            timestep_targets=True, label_weights=label_weights,
        )
        self.time_weight_ = profile

        # Keras work starts here
        self.model_ = self._build_keras_model()
        self._check_padding_support(lengths)
        self._mode = self._timestep_output_mode()
        self._initialize_callbacks()
        self._ensure_compiled_model()
        if self._mode == "sigmoid":
            y_keras = codes.astype(np.float32)[..., None]
        else:
            y_keras = codes

        self._train(X, y_keras, sw, train_idx, val_idx)
        self.history_ = dict(self.history_)
        return self

    # ------------------------------------------------------------ predict
    def _forward_sequences(self, X: np.ndarray, lengths: np.ndarray | None) -> np.ndarray:
        """Network outputs for a (possibly NaN-padded) batch.

        Padded batches go through the model at once when it masks padding
        (:class:`PaddingMask`); otherwise (a model trained on equal-length
        arrays, which has no mask layer and so no masking overhead) the
        sequences are run in groups of equal length, without any padding.
        """
        if lengths is None or np.all(lengths == X.shape[1]) or self._has_padding_mask():
            return self._forward(X)
        out = None
        for n_steps in np.unique(lengths):
            idx = np.flatnonzero(lengths == n_steps)
            part = self._forward(X[idx, :n_steps])
            if out is None:
                shape = (len(X), X.shape[1], *part.shape[2:]) if part.ndim == 3 else (
                    len(X), *part.shape[1:])
                out = np.zeros(shape, dtype=part.dtype)
            if part.ndim == 3:
                out[idx, :n_steps] = part
            else:
                out[idx] = part
        return out

    def _timestep_proba_padded(self, X: Any) -> tuple[np.ndarray, np.ndarray | None]:
        X, lengths = check_sequence_batch(X, n_features=self.n_features_in_)
        raw = self._forward_sequences(X, lengths)
        if self._mode == "sigmoid":
            p = raw[..., 0]
            raw = np.stack([1.0 - p, p], axis=-1)
        return raw, lengths

    def _timestep_predict_proba(self, X: Any) -> np.ndarray | list[np.ndarray]:
        proba, lengths = self._timestep_proba_padded(X)
        return proba if lengths is None else unpad(proba, lengths)

    def _timestep_predict(self, X: Any) -> np.ndarray | list[np.ndarray]:
        proba, lengths = self._timestep_proba_padded(X)
        if self._mode == "multilabel":
            codes = (proba >= 0.5).astype(np.int64)
        else:
            codes = np.argmax(proba, axis=-1)
        labels = self.target_encoder_.inverse_transform(codes)
        return labels if lengths is None else unpad(labels, lengths)

    def _timestep_score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        from .metrics import timestep_score

        return timestep_score(y, self._timestep_predict(X), metric="balanced_accuracy",
                              sample_weight=sample_weight)
