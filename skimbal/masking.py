"""Former home of :class:`~skimbal.layers.PaddingMask` (kept as an import path).

``PaddingMask`` now lives in :mod:`skimbal.layers` with skimbal's other Keras
layers; ``from skimbal.masking import PaddingMask`` keeps working. Saved models
find the layer by its registered name ``skimbal>PaddingMask`` either way.
"""

from __future__ import annotations

from .layers import PaddingMask

__all__ = ["PaddingMask"]
