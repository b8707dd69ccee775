"""Keras model builders for sequence classification.

The default recurrent layers keep Keras' defaults (``tanh``/``sigmoid``
activations, ``recurrent_dropout=0``, ``unroll=False``) so that on a GPU they
stay eligible for the fused cuDNN kernel. ``dropout`` is applied by separate
``Dropout`` layers between blocks, not inside the cells, for the same reason.
The same settings keep LSTM layers and the FCN's batch normalisation on
TensorFlow's fused CPU kernels (:mod:`skimbal.fused`).

The architecture rules that need no Keras (names, parameter checks, front-end
resolution, :func:`describe_network`) live in :mod:`skimbal._architecture_rules`
and are re-exported here.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras

from ._architecture_rules import (
    _LITE,
    _RECURRENT,
    ARCHITECTURES,
    AUTO_CONV_POOL_ABOVE,
    AUTO_CONV_STEPS,
    AUTO_FRONTEND_STEPS,
    CELL_NAMES,
    LITE_KERNEL_SIZE,
    POOLINGS,
    _as_tuple,
    _is_positive_int,
    check_architecture_params,
    check_frontend_strides,
    describe_network,
    frontend_output_length,
    lite_kernel_sizes,
    resolve_conv_norm,
    resolve_conv_pool,
    resolve_frontend_strides,
    resolve_lite_kernel_size,
)
from .fused import FusedBatchNormalization, FusedLSTM
from .layers import (
    AttentionPooling1D,
    MaskedConv1D,
    MaskedMaxPooling1D,
    MaskedSeparableConv1D,
    PaddingMask,
)

__all__ = [
    "ARCHITECTURES",
    "CELLS",
    "LITE_KERNEL_SIZE",
    "AUTO_CONV_POOL_ABOVE",
    "AUTO_CONV_STEPS",
    "AUTO_FRONTEND_STEPS",
    "POOLINGS",
    "build_sequence_model",
    "check_architecture_params",
    "check_frontend_strides",
    "describe_network",
    "frontend_output_length",
    "lite_kernel_sizes",
    "resolve_conv_norm",
    "resolve_conv_pool",
    "resolve_frontend_strides",
    "resolve_lite_kernel_size",
]

# LSTM layers are skimbal.fused.FusedLSTM: a keras.layers.LSTM that runs
# TensorFlow's fused BlockLSTM kernel on CPU and Keras' cuDNN path on GPU.
CELLS = dict(zip(CELL_NAMES, (FusedLSTM, keras.layers.GRU, keras.layers.SimpleRNN),
                 strict=True))


# -------------------------------------------------------------- full builder
def _recurrent_branch(
    x: keras.KerasTensor,
    *,
    cell: str,
    units: tuple[int, ...],
    bidirectional: bool,
    dropout: float,
    pooling: str,
    return_sequences: bool,
    prefix: str = "",
) -> keras.KerasTensor:
    layer_cls = CELLS[cell]
    for i, n_units in enumerate(units):
        last = i == len(units) - 1
        keep_steps = not last or return_sequences or pooling != "last"
        rnn = layer_cls(n_units, return_sequences=keep_steps, name=f"{prefix}{cell}_{i}")
        if bidirectional:
            rnn = keras.layers.Bidirectional(rnn, name=f"{prefix}bidirectional_{i}")
        x = rnn(x)
        if dropout > 0:
            x = keras.layers.Dropout(dropout, name=f"{prefix}dropout_{i}")(x)
    if return_sequences or pooling == "last":
        return x
    if pooling == "mean":
        return keras.layers.GlobalAveragePooling1D(name=f"{prefix}mean_pooling")(x)
    return AttentionPooling1D(units=max(units[-1], 8), name=f"{prefix}attention_pooling")(x)


def _norm_layer(conv_norm: str, name: str) -> keras.layers.Layer:
    """The normalisation after a convolution: batch statistics or per-step (batch-independent)."""
    if conv_norm == "layer":
        return keras.layers.LayerNormalization(name=name)
    return FusedBatchNormalization(name=name)


def _fcn_branch(
    x: keras.KerasTensor,
    *,
    filters: tuple[int, ...],
    kernel_sizes: tuple[int, ...],
    return_sequences: bool,
    pool: int = 1,
    conv_norm: str = "batch",
    prefix: str = "",
) -> keras.KerasTensor:
    for i, (n_filters, kernel) in enumerate(zip(filters, kernel_sizes, strict=True)):
        x = MaskedConv1D(
            int(n_filters), int(kernel), padding="same", name=f"{prefix}fcn_conv_{i}"
        )(x)
        x = _norm_layer(conv_norm, f"{prefix}fcn_bn_{i}")(x)
        x = keras.layers.Activation("relu", name=f"{prefix}fcn_relu_{i}")(x)
        if i == 0 and pool > 1:
            x = MaskedMaxPooling1D(pool, name=f"{prefix}fcn_pool")(x)
    if return_sequences:
        # per-step features; the mask still travels with them to the head and loss
        return x
    return keras.layers.GlobalAveragePooling1D(name=f"{prefix}fcn_gap")(x)


def _lite_branch(
    x: keras.KerasTensor,
    *,
    filters: int,
    kernel_size: int,
    return_sequences: bool,
    pool: int = 1,
    conv_norm: str = "batch",
    prefix: str = "",
) -> keras.KerasTensor:
    """LITE (Ismail-Fawaz et al., 2023) without its hand-crafted filters, mask-aware.

    Parallel bias-free ``MaskedConv1D`` of ``k``, ``k // 2``, ``k // 4`` steps,
    concatenated -> BatchNorm -> ReLU (-> ``MaskedMaxPooling1D(pool)``), then
    two bias-free ``MaskedSeparableConv1D(filters)`` (kernels ``k // 2`` /
    ``k // 4``, dilations 2 / 4) -> BatchNorm -> ReLU, then global average
    pooling over the valid steps.
    """
    first, separable = lite_kernel_sizes(kernel_size)
    convs = [
        MaskedConv1D(int(filters), k, padding="same", use_bias=False,
                     name=f"{prefix}lite_conv_{j}")(x)
        for j, k in enumerate(first)
    ]
    x = keras.layers.Concatenate(name=f"{prefix}lite_concat")(convs)
    x = _norm_layer(conv_norm, f"{prefix}lite_bn_0")(x)
    x = keras.layers.Activation("relu", name=f"{prefix}lite_relu_0")(x)
    if pool > 1:
        x = MaskedMaxPooling1D(pool, name=f"{prefix}lite_pool")(x)
    for i, k in enumerate(separable, start=1):
        x = MaskedSeparableConv1D(
            int(filters), k, dilation_rate=2**i, use_bias=False,
            name=f"{prefix}lite_sepconv_{i}",
        )(x)
        x = _norm_layer(conv_norm, f"{prefix}lite_bn_{i}")(x)
        x = keras.layers.Activation("relu", name=f"{prefix}lite_relu_{i}")(x)
    if return_sequences:
        return x
    return keras.layers.GlobalAveragePooling1D(name=f"{prefix}lite_gap")(x)


def build_sequence_model(
    *,
    n_features: int,
    n_outputs: int,
    output_activation: str,
    architecture: str = "rnn",
    cell: str = "lstm",
    units: int | Sequence[int] = 32,
    bidirectional: bool = False,
    dropout: float = 0.0,
    dense_units: Sequence[int] = (),
    pooling: str = "last",
    conv_filters: Sequence[int] = (64, 128, 64),
    conv_kernel_sizes: Sequence[int] = (8, 5, 3),
    frontend_strides: Sequence[int] = (),
    frontend_filters: int = 32,
    conv_pool: int = 1,
    n_timesteps: int | None = None,
    mask_value: float | None = None,
    mask_padding: bool = False,
    return_sequences: bool = False,
    input_mean: Sequence[float] | None = None,
    input_scale: Sequence[float] | None = None,
    lite_filters: int = 32,
    lite_kernel_size: int = LITE_KERNEL_SIZE,
    n_members: int = 1,
    conv_norm: str = "batch",
) -> keras.Model:
    """Build an (uncompiled) recurrent, convolutional + recurrent or LITE classifier.

    ``architecture="rnn"`` is the stacked recurrent network alone.
    ``architecture="fcn-rnn"`` is LSTM-FCN /
    GRU-FCN (Karim et al., 2018; Elsayed et al., 2018): a fully
    convolutional branch (``Conv1D -> BatchNorm -> ReLU`` blocks, then
    global average pooling over the valid steps) runs beside the recurrent
    branch; both feature vectors are concatenated before the head. Unlike the
    papers' univariate variant, the recurrent branch reads the sequence in
    time order (no "dimension shuffle"), which keeps masking and variable
    lengths meaningful. ``architecture="lite-rnn"`` puts a LITE branch
    (Ismail-Fawaz et al., 2023; about an eighth of the FCN branch's
    multiply-adds, though not faster on a CPU: see ``docs/architectures.md``)
    in place of the FCN branch, ``"lite"`` is the LITE branch alone:
    parallel bias-free convolutions of ``k``, ``k // 2``, ``k // 4`` steps
    (``lite_filters`` each, concatenated) -> BatchNorm -> ReLU, then two
    depthwise-separable convolutions (``lite_filters``; kernels ``k // 2`` and
    ``k // 4``, dilations 2 and 4) -> BatchNorm -> ReLU, then global average
    pooling over the valid steps. LITE's hand-crafted fixed filters,
    multiplexing options and its ensemble-of-five ("LITETime") are not part
    of the branch; ``n_members`` builds ensembles of any network.

    ``n_members=k > 1`` builds ``k`` independent copies of the network (every
    layer after the shared input, standardisation and mask layers is
    separate, so each member has its own initial weights and batch
    normalisation) and averages their output probabilities in a final
    ``keras.layers.Average`` layer named ``"output"``; member ``m``'s layers
    are named ``"member{m}_" + name``. ``n_members=1`` builds exactly the
    single network (same layers, names and order).

    Masks (from ``mask_value`` or attached to the input by an upstream
    ``Masking`` layer) are honoured everywhere: recurrent layers skip masked
    steps, ``"mean"`` / ``"attention"`` pooling and the FCN's global
    average pooling use valid steps only (the LITE branch's too), convolutions see zeros at masked
    steps and the strided front-end downsamples the mask with the sequence.

    Parameters
    ----------
    n_features : int
        Channels per timestep.
    n_outputs : int
        Units of the output layer (1 for a binary sigmoid head).
    output_activation : {"sigmoid", "softmax"}
        Activation of the output layer.
    architecture : {"rnn", "fcn-rnn", "lite-rnn", "lite"}, default="rnn"
        Network family (see above). ``"lite"`` has no recurrent branch:
        ``cell``, ``units``, ``bidirectional``, ``pooling`` and the
        front-end are then not used.
    cell : {"lstm", "gru", "rnn"}, default="lstm"
        Recurrent cell.
    units : int or tuple of int, default=32
        Units per recurrent layer; a tuple stacks layers.
    bidirectional : bool, default=False
        Wrap each recurrent layer in ``Bidirectional``.
    dropout : float, default=0.0
        Rate of the ``Dropout`` layers after each recurrent and dense layer.
    dense_units : tuple of int, default=()
        Hidden ``Dense`` (ReLU) layers before the output layer.
    pooling : {"last", "mean", "attention"}, default="last"
        How the recurrent branch summarises its steps: the last (valid)
        state, the mean over valid steps, or :class:`AttentionPooling1D`.
    conv_filters : tuple of int, default=(64, 128, 64)
        Filters of the FCN blocks (``"fcn-rnn"`` only). The papers use
        ``(128, 256, 128)``; half of it has about a quarter of the
        convolution weights and multiply-adds, which keeps CPU training quick.
    conv_kernel_sizes : tuple of int, default=(8, 5, 3)
        Kernel sizes of the FCN blocks, one per entry of ``conv_filters``.
    frontend_strides : tuple of int, default=()
        Strided convolutional front-end before the recurrent layers, one
        ``MaskedConv1D(frontend_filters, kernel_size=s, strides=s,
        padding="valid")`` + ReLU layer per stride ``s``: it shortens the
        sequence the recurrent layers read by ``prod(strides)``. Empty: none.
    frontend_filters : int, default=32
        Channels of each front-end layer.
    conv_pool : int, default=1
        Max-pool the FCN (or LITE) branch after its first block over non-overlapping
        windows of this many steps (:class:`skimbal.layers.MaskedMaxPooling1D`),
        so its later blocks read ``conv_pool`` times fewer steps; 1: none.
        Not possible with ``return_sequences``.
    n_timesteps : int or None, default=None
        Fixed sequence length, or ``None`` to accept any length.
    mask_value : float or None, default=None
        When set, a ``Masking(mask_value)`` layer marks padded steps.
    mask_padding : bool, default=False
        Start with :class:`skimbal.layers.PaddingMask`: steps padded with NaN
        at the end (how skimbal pads variable-length lists) are masked and
        zeroed. This is what the classifier uses for list input.
    return_sequences : bool, default=False
        Per-timestep output ``(batch, steps, n_outputs)`` instead of one
        output per sequence (sequence labelling). ``pooling`` is then not
        used; the FCN branch (same-padded convolutions keep the length)
        contributes its per-step features. Not possible with a strided
        front-end.
    input_mean, input_scale : sequence of float or None, default=None
        Per-channel statistics of the training data: when given, the
        network starts by standardising its input, ``(x - input_mean) /
        input_scale``, in a ``keras.layers.Normalization`` layer with fixed
        weights (saved with the model). NaN padding stays NaN for
        :class:`~skimbal.masking.PaddingMask`, which comes after it.
    lite_filters : int, default=32
        Filters of each first-layer convolution and of each separable
        layer of the LITE branch (``"lite-rnn"`` / ``"lite"`` only).
    lite_kernel_size : int, default=40
        Longest kernel ``k`` of the LITE branch (LITE's 40), see
        :func:`lite_kernel_sizes`. With ``n_timesteps`` given it is cut to
        :func:`resolve_lite_kernel_size` ``(lite_kernel_size, n_timesteps)``;
        for variable lengths, pass that of the longest training sequence.
    n_members : int, default=1
        Number of networks averaged (see above); works with
        ``return_sequences`` (per-step probabilities are averaged).
    conv_norm : {"batch", "layer"}, default="batch"
        Normalisation after each convolution of the FCN / LITE branch:
        ``"batch"``, batch normalisation (:class:`skimbal.fused.FusedBatchNormalization`;
        batch statistics in training, moving averages in inference);
        ``"layer"``, ``keras.layers.LayerNormalization`` over the channels of
        each step, which depends on neither the batch nor the mode (for
        variable-length input trained in length buckets, where batch
        statistics differ from bucket to bucket; ``docs/defaults.md``).

    Returns
    -------
    keras.Model

    Raises
    ------
    ValueError
        Unknown ``architecture`` / ``pooling``, mismatched conv parameters,
        ``return_sequences`` with a strided front-end or ``conv_pool > 1``,
        ``conv_pool`` / ``n_members`` / ``lite_filters`` / ``lite_kernel_size``
        not a positive int; all before any layer is built.
    """
    conv_filters, conv_kernel_sizes = tuple(conv_filters), tuple(conv_kernel_sizes)
    check_architecture_params(
        architecture=architecture, units=units, dense_units=tuple(dense_units),
        pooling=pooling, conv_filters=conv_filters, conv_kernel_sizes=conv_kernel_sizes,
        frontend_strides=tuple(frontend_strides), return_sequences=return_sequences,
        n_members=n_members, lite_filters=lite_filters, lite_kernel_size=lite_kernel_size,
    )
    if conv_norm not in ("batch", "layer"):
        raise ValueError(f"conv_norm must be 'batch' or 'layer'; got {conv_norm!r}.")
    if not _is_positive_int(conv_pool) or (return_sequences and conv_pool > 1):
        raise ValueError("conv_pool must be a positive int (1 with return_sequences=True); "
                         f"got {conv_pool!r}.")
    if (input_mean is None) != (input_scale is None):
        raise ValueError("input_mean and input_scale must be given together.")

    inputs = keras.Input(shape=(n_timesteps, n_features), name="sequences")
    x = inputs
    if input_mean is not None:
        scale = [float(v) for v in input_scale]
        x = keras.layers.Normalization(
            mean=[float(v) for v in input_mean], variance=[v * v for v in scale],
            name="standardize",
        )(x)
    if mask_padding:
        x = PaddingMask(name="padding_mask")(x)
    elif mask_value is not None:
        x = keras.layers.Masking(mask_value=mask_value, name="masking")(x)

    member = dict(
        architecture=architecture, n_outputs=n_outputs, output_activation=output_activation,
        cell=cell, units=_as_tuple(units), bidirectional=bidirectional, dropout=dropout,
        dense_units=tuple(int(u) for u in dense_units), pooling=pooling,
        conv_filters=conv_filters, conv_kernel_sizes=conv_kernel_sizes,
        frontend_strides=tuple(int(s) for s in frontend_strides),
        frontend_filters=int(frontend_filters), conv_pool=int(conv_pool),
        return_sequences=return_sequences, lite_filters=int(lite_filters),
        lite_kernel_size=resolve_lite_kernel_size(lite_kernel_size, n_timesteps),
        conv_norm=conv_norm,
    )
    name = f"skimbal_{architecture}_{cell}"
    if n_members == 1:
        return keras.Model(inputs, _member(x, **member), name=name)
    outputs = [_member(x, prefix=f"member{m}_", **member) for m in range(int(n_members))]
    average = keras.layers.Average(name="output")(outputs)
    return keras.Model(inputs, average, name=f"{name}_x{int(n_members)}")


def _member(
    x: keras.KerasTensor,
    *,
    architecture: str,
    n_outputs: int,
    output_activation: str,
    cell: str,
    units: tuple[int, ...],
    bidirectional: bool,
    dropout: float,
    dense_units: tuple[int, ...],
    pooling: str,
    conv_filters: tuple[int, ...],
    conv_kernel_sizes: tuple[int, ...],
    frontend_strides: tuple[int, ...],
    frontend_filters: int,
    conv_pool: int,
    return_sequences: bool,
    lite_filters: int,
    lite_kernel_size: int,
    conv_norm: str = "batch",
    prefix: str = "",
) -> keras.KerasTensor:
    """One network from the (standardised, masked) input to its output probabilities.

    Layers are created in the order of the single-network graph (front-end,
    recurrent branch, convolutional branch, head), each named ``prefix + name``.
    """
    features = None
    if architecture in _RECURRENT:
        r = x
        for i, stride in enumerate(frontend_strides):
            r = MaskedConv1D(
                frontend_filters, stride, strides=stride, padding="valid",
                activation="relu", name=f"{prefix}frontend_conv_{i}",
            )(r)
        features = _recurrent_branch(
            r, cell=cell, units=units, bidirectional=bidirectional, dropout=dropout,
            pooling=pooling, return_sequences=return_sequences, prefix=prefix,
        )
    conv = None
    if architecture == "fcn-rnn":
        conv = _fcn_branch(
            x, filters=conv_filters, kernel_sizes=conv_kernel_sizes,
            return_sequences=return_sequences, pool=conv_pool, conv_norm=conv_norm,
            prefix=prefix,
        )
    elif architecture in _LITE:
        conv = _lite_branch(
            x, filters=lite_filters, kernel_size=lite_kernel_size,
            return_sequences=return_sequences, pool=conv_pool, conv_norm=conv_norm,
            prefix=prefix,
        )
    if features is None:
        features = conv
    elif conv is not None:
        features = keras.layers.Concatenate(name=f"{prefix}concat")([features, conv])

    for j, n_units in enumerate(dense_units):
        features = keras.layers.Dense(n_units, activation="relu", name=f"{prefix}dense_{j}")(
            features
        )
        if dropout > 0:
            features = keras.layers.Dropout(dropout, name=f"{prefix}dense_dropout_{j}")(
                features
            )
    return keras.layers.Dense(n_outputs, activation=output_activation, name=f"{prefix}output")(
        features
    )
