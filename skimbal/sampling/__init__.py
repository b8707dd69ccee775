"""Samplers for sequences: imbalanced-learn on 3-D data, and multi-label over-sampling.

- :class:`SequenceSampler` wraps any imbalanced-learn sampler so that it takes
  3-D ``(n_samples, n_timesteps, n_features)`` sequences (and, for random
  over/under-sampling, variable-length lists).
- :class:`MLROS` and :class:`MLSMOTE` over-sample multi-label
  ``(n_samples, n_labels)`` targets (Charte et al., 2015), with the imbalance
  measures :func:`imbalance_ratio_per_label` (IRLbl),
  :func:`mean_imbalance_ratio` (MeanIR) and :func:`minority_labels`.

All are imbalanced-learn samplers (``fit_resample``), usable as steps of an
:class:`imblearn.pipeline.Pipeline`, so resampling happens during ``fit`` only.
"""

from ._imbalance import imbalance_ratio_per_label, mean_imbalance_ratio, minority_labels
from ._mlros import MLROS
from ._mlsmote import MLSMOTE, rank_label_sets
from ._sequence_sampler import SequenceSampler

__all__ = [
    "MLROS",
    "MLSMOTE",
    "SequenceSampler",
    "imbalance_ratio_per_label",
    "mean_imbalance_ratio",
    "minority_labels",
    "rank_label_sets",
]
