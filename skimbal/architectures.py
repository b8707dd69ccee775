"""Keras model builders for sequence classification.

The default recurrent layers keep Keras' defaults (``tanh``/``sigmoid``
activations, ``recurrent_dropout=0``, ``unroll=False``) so that on a GPU they
stay eligible for the fused cuDNN kernel. ``dropout`` is applied by separate
``Dropout`` layers between blocks, not inside the cells, for the same reason.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras

from .masking import PaddingMask

__all__ = ["CELLS", "build_recurrent_model"]

CELLS = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU, "rnn": keras.layers.SimpleRNN}


def _as_tuple(units: int | Sequence[int]) -> tuple[int, ...]:
    if isinstance(units, int):
        return (units,)
    return tuple(int(u) for u in units)


def build_recurrent_model(
    *,
    n_features: int,
    n_outputs: int,
    output_activation: str,
    cell: str = "lstm",
    units: int | Sequence[int] = 32,
    bidirectional: bool = False,
    dropout: float = 0.0,
    dense_units: Sequence[int] = (),
    n_timesteps: int | None = None,
    return_sequences: bool = False,
    mask_padding: bool = False,
) -> keras.Model:
    """Build an (uncompiled) stacked recurrent classifier.

    Parameters
    ----------
    n_features : int
        Channels per timestep.
    n_outputs : int
        Units of the output layer (1 for a binary sigmoid head).
    output_activation : {"sigmoid", "softmax"}
        Activation of the output layer.
    cell : {"lstm", "gru", "rnn"}
        Recurrent cell.
    units : int or tuple of int
        Units per recurrent layer; a tuple stacks layers.
    bidirectional : bool
        Wrap each recurrent layer in ``Bidirectional``.
    dropout : float
        Rate of the ``Dropout`` layers after each recurrent and dense layer.
    dense_units : tuple of int
        Hidden ``Dense`` (ReLU) layers between the recurrent stack and the head.
    n_timesteps : int or None
        Fixed sequence length, or ``None`` to accept any length.
    return_sequences : bool, default=False
        Per-timestep output: the last recurrent layer returns its whole
        sequence and the dense head is applied at every timestep (output
        ``(batch, T, n_outputs)``).
    mask_padding : bool, default=False
        Start with :class:`skimbal.masking.PaddingMask`, so that end-padded
        variable-length batches (``NaN`` padding) are masked through Keras'
        standard mask propagation (right-padded, cuDNN-compatible).

    Returns
    -------
    keras.Model
    """
    layer_cls = CELLS[cell]
    layers = _as_tuple(units)
    inputs = keras.Input(shape=(n_timesteps, n_features), name="sequences")
    x = inputs
    if mask_padding:
        x = PaddingMask(name="padding_mask")(x)
    for i, n_units in enumerate(layers):
        rnn = layer_cls(
            n_units, return_sequences=return_sequences or i < len(layers) - 1,
            name=f"{cell}_{i}",
        )
        if bidirectional:
            rnn = keras.layers.Bidirectional(rnn, name=f"bidirectional_{i}")
        x = rnn(x)
        if dropout > 0:
            x = keras.layers.Dropout(dropout, name=f"dropout_{i}")(x)
    for j, n_units in enumerate(dense_units):
        x = keras.layers.Dense(int(n_units), activation="relu", name=f"dense_{j}")(x)
        if dropout > 0:
            x = keras.layers.Dropout(dropout, name=f"dense_dropout_{j}")(x)
    outputs = keras.layers.Dense(n_outputs, activation=output_activation, name="output")(x)
    return keras.Model(inputs, outputs, name=f"skimbal_{cell}")
