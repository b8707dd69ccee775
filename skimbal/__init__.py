"""skimbal: imbalance-aware deep sequence classifiers for scikit-learn.

Public names are imported lazily so that ``import skimbal`` (and the CLI's
argument checks) do not pay TensorFlow's start-up cost until a model is used.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "WeightedSequenceClassifier": "skimbal.classifier",
    "set_num_threads": "skimbal._threads",
    "load": "skimbal.persistence",
    "save": "skimbal.persistence",
    "SequenceSampler": "skimbal.sampling",
    "SequenceStratifiedKFold": "skimbal.model_selection",
    "make_timestep_scorer": "skimbal.metrics",
    "PaddingMask": "skimbal.layers",
    "SequenceScaler": "skimbal.preprocessing",
    "from_channels_first": "skimbal._sequences",
}

#: Public submodules, imported on first attribute access (``skimbal.pipeline.make_pipeline``
#: after a plain ``import skimbal``), so that ``import skimbal`` stays cheap.
_SUBMODULES = frozenset({
    "architectures", "classifier", "cli", "datasets", "fused", "layers", "losses", "masking",
    "metrics", "model_selection", "persistence", "pipeline", "preprocessing", "priors",
    "sampling", "targets", "weights",
})

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    if name in _SUBMODULES:
        return import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'skimbal' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*__all__, *_SUBMODULES})
